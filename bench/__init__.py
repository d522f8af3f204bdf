"""Benchmarks: plain scripts, each runnable as ``python bench/bench_NAME.py``; figures in docs/benchmarks.md."""
