"""Pulumi component resources for axl workflows."""

from axl_pulumi._version import __version__

__all__ = ["__version__"]
