"""Deterministic code archives of a workflow project and their upload to S3/MinIO."""
