"""The bench data set: ``python -m bench.dataset --members N`` fills an empty database with N people in a realistic
tree (see the README's bench section for its shape)."""
