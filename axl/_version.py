"""The single source of truth for axl's version."""

__version__ = "0.1.0"
