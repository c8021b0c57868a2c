"""iris_knn and the diamond, compiled to Argo and run task by task in the runner container.

Each workflow is compiled by ``axl compile`` with its code shipped as an
archive in S3 (a moto server), run by the controller double
(tests/argo_e2e/controller.py) with every task's exact command in the image
the YAML names, and compared with ``axl run local``: every step's artifact
byte for byte (digest and size), and the final value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.argo_e2e.artifacts import ArtifactDriver
from tests.argo_e2e.compare import assert_matches_local
from tests.argo_e2e.controller import submit
from tests.argo_e2e.fixtures import Cluster, axl_cli, compile_shipping_code
from tests.containers.podman import ROOT
from tests.fixtures.s3 import S3Bucket

pytestmark = pytest.mark.container

IRIS = "examples/iris_knn.py:IrisKNN"
DIAMOND = "tests/runtime/workflows.py:Diamond"


@pytest.mark.slow
def test_iris_knn(
    tmp_path: Path, sklearn_cluster: Cluster, s3_bucket: S3Bucket, artifact_driver: ArtifactDriver
) -> None:
    out = tmp_path / "iris.yaml"
    doc = compile_shipping_code(IRIS, ROOT / "examples", s3_bucket, sklearn_cluster.image, out)
    run = submit(
        doc, tmp_path / "argo", sklearn_cluster.executor, params={"n-neighbors": "7"},
        driver=artifact_driver,
    )  # fmt: skip
    local = axl_cli(
        "run",
        "local",
        "-m",
        IRIS,
        "--workspace",
        str(tmp_path / "local"),
        "--param",
        "n_neighbors=7",
    )
    accuracy = assert_matches_local(run, doc, local)
    assert 0.9 <= accuracy <= 1.0
    print(run.report())


@pytest.mark.parametrize("artifacts", ["s3", "pvc"])
def test_diamond(
    tmp_path: Path,
    argo_cluster: Cluster,
    s3_bucket: S3Bucket,
    artifact_driver: ArtifactDriver,
    artifacts: str,
) -> None:
    out = tmp_path / "diamond.yaml"
    doc = compile_shipping_code(
        DIAMOND,
        ROOT / "tests" / "runtime",
        s3_bucket,
        argo_cluster.image,
        out,
        "--artifacts",
        artifacts,
    )
    assert doc["metadata"]["annotations"]["axl.dev/ref"] == "workflows:Diamond"
    run = submit(doc, tmp_path / "argo", argo_cluster.executor, driver=artifact_driver)
    local = axl_cli("run", "local", "-m", DIAMOND, "--workspace", str(tmp_path / "local"))
    assert assert_matches_local(run, doc, local) == 1 + 10 + 1 + 100
    assert run.phases == dict.fromkeys("abcd", "Succeeded")
    print(run.report())
