"""Benchmarks are commands, not tests: `python -m minqing.bench <area> [options]`.

Each area is a module here with a `main(argv)` that prints a table of figures, the baseline
measured in the same run, and the ratio. Results are recorded in docs/benchmarks.md."""
