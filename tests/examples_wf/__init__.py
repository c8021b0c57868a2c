"""Workflows compiled by the golden-file tests beside examples/ (each one runs locally too)."""
