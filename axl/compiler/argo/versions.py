"""The Argo releases axl targets, as constants the CLI can name without loading the linter."""

from __future__ import annotations

ARGO_VERSIONS = ("3.7", "4.1")
"""The Argo releases whose schemas ship with axl, oldest first (a folder each)."""
NEWEST_ARGO = ARGO_VERSIONS[-1]
