"""Benchmarks for the planning map of Chenggong: run ``python -m benchmarks``.

Not part of the test suite (no timing is ever asserted in tests); the figures and the
machine they were measured on are published in ``BENCHMARKS.md``.
"""
