"""Version of the axl-pulumi distribution (released together with axl)."""

__version__ = "0.1.0"
