"""Pieces of the intake benchmark (perf/bench_intake.py): the ceiling app, the wrk script and its report."""
