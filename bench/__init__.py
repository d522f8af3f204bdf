"""Benchmarks: plain scripts (``python bench/bench_NAME.py``); figures in docs/benchmarks.md."""
