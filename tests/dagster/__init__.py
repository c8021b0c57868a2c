"""Tests of the Dagster target."""
