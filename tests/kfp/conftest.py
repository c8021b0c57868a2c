"""Fixtures of the kfp tests."""

from tests.compile_cli import app  # noqa: F401 (the `axl compile` app fixture)
