"""Benchmarks the project ships: each script prints its figures."""
