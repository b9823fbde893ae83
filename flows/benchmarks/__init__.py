"""Benchmark functions and the data they run on (issue 11).

Each benchmark is a plain function returning a dict of figures, with a command line
`python -m flows.benchmarks.<module> --size N --json` that prints one JSON object, so that
`scripts/bench` runs each in a process of its own (peak RSS is the process's). Nothing here
runs as a timed test.
"""
