"""The end-to-end fixtures (tests/argo_e2e/fixtures.py)."""

from tests.argo_e2e.fixtures import argo_cluster, artifact_driver, sklearn_cluster

__all__ = ["argo_cluster", "artifact_driver", "sklearn_cluster"]
