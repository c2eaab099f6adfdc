"""Benchmarks for the docs/design.md performance targets: `make bench` or `python -m benchmarks --help`.

Every figure is printed beside a baseline measured in the same run (the machines are shared
and noisy), times are medians of many repetitions, and each target is judged PASS/FAIL.
"""
