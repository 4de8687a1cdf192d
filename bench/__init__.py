"""Benchmarks, run by hand as modules from the repository root: `python -m bench.NAME`."""
