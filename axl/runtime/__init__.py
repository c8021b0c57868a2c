"""The runner and the local engine."""
