"""Benchmarks: `make bench` (python -m bench). Targets live here, never in unit tests."""
