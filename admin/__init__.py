"""Operators' command line: `python -m admin --help` (see admin.cli)."""
