"""The end-to-end fixtures (tests/argo_e2e/fixtures.py)."""

from tests.argo_e2e.fixtures import (
    argo_cluster,
    artifact_driver,
    host_network_cluster,
    sklearn_cluster,
)

__all__ = ["argo_cluster", "artifact_driver", "host_network_cluster", "sklearn_cluster"]
