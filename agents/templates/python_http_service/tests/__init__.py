"""Tests: run with `python3 -m unittest discover -s tests -v` from the repository root."""
