"""Benchmarks: one module per measured claim, each printing ratios against a baseline
measured in the same run. Run with `make bench` (or `python -m bench [name ...]`)."""
