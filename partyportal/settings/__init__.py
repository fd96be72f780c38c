"""Settings package: ``base`` holds everything; ``local``, ``test`` and ``production`` adjust it.

Every value that differs between machines comes from an environment variable (see ``.env.example``).
"""
