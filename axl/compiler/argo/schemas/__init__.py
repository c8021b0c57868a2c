"""Schemas axl checks its output against, vendored with their provenance (``argo/``)."""
