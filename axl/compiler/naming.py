"""Kept for imports that predate :mod:`axl.naming`, where the name rules live."""

from axl.naming import unique_names

__all__ = ["unique_names"]
