"""Comparing editions: the diff, its text/JSON/HTML forms, and redline marking."""
