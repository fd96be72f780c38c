"""Benchmarks: `make bench` (python -m bench). Prints `name: value unit` lines."""
