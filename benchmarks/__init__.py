"""Benchmarks of the conformance suite: speed against a parse floor and checkov, scale, live calls, sandbox.

`python -m benchmarks` (or `tox -e bench`) runs them and writes `benchmarks/RESULTS.md`. They are
measurements, never timed tests: nothing here fails because a machine is slow.
"""
