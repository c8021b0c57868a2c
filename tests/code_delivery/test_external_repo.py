"""Acceptance: a user's project compiled from its own checkout runs in the stock runner image.

The external example project is copied outside axl's tree and compiled from
there; its archive goes to a real S3 server (moto, in its own process); the
YAML names that object with an explicit endpoint and Secret references, so
the controller double fetches it like Argo's artifact driver would (no
default artifact repository at all); every task runs in the runner image,
which holds no copy of the project, without network. The results equal
``axl run local`` on the project, and on the archive copied back out of S3.
"""

from __future__ import annotations

import pytest

from tests.argo.helpers import runner_call
from tests.argo_e2e.artifacts import ArtifactDriver
from tests.argo_e2e.compare import assert_matches_local
from tests.argo_e2e.controller import submit
from tests.argo_e2e.fixtures import Cluster, axl_cli
from tests.code_delivery.helpers import REF, TARGET, code_artifacts, compile_project, load_yaml
from tests.fixtures.s3 import S3Bucket

pytestmark = pytest.mark.container

PARAMS = {"top": "2"}
SECRET = "minio-creds"


def test_the_external_project_runs_in_the_runner_image_as_locally(
    external_repo, tmp_path, argo_cluster: Cluster, s3_bucket: S3Bucket
):
    endpoint = s3_bucket.endpoint_url.removeprefix("http://")
    report = compile_project(
        external_repo, s3_bucket, "--image", argo_cluster.image,
        "--artifact-endpoint", s3_bucket.endpoint_url, "--s3-secret", SECRET,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    assert report["code"]["uploaded"] is True
    doc = load_yaml(external_repo / "deploy" / "wf.yaml")
    assert {a["s3"]["endpoint"] for a in code_artifacts(doc)} == {endpoint}
    assert {runner_call(t)[1].workflow for t in doc["spec"]["templates"][1:]} == {REF}

    env = s3_bucket.server.env
    credentials = {"accessKey": env["AWS_ACCESS_KEY_ID"], "secretKey": env["AWS_SECRET_ACCESS_KEY"]}
    driver = ArtifactDriver(repository=None, secrets={SECRET: credentials})
    run = submit(doc, tmp_path / "argo", argo_cluster.executor, params=PARAMS, driver=driver)

    local = axl_cli(
        "run", "local", "-m", TARGET, "--workspace", str(tmp_path / "local"), "--param", "top=2",
        cwd=external_repo,
    )  # fmt: skip
    summary = assert_matches_local(run, doc, local)
    assert summary == {"distinct": 12, "top": [["dog", 2], ["fox", 2]], "longest": "sleeps"}

    # The archive copied back out of S3 runs locally too, away from the project.
    fetched = driver.fetch(code_artifacts(doc)[0]["s3"], tmp_path / "fetched" / "code.tar.gz")
    assert fetched.read_bytes() == (external_repo / report["code"]["archive"]).read_bytes()
    from_archive = axl_cli(
        "run", "local", "-m", REF, "--workflow-archive", str(fetched),
        "--archive-digest", report["code"]["digest"], "--workspace", "ws", "--param", "top=2",
        cwd=tmp_path / "fetched",
    )  # fmt: skip
    assert_matches_local(run, doc, from_archive)
    print(run.report())


def test_the_runner_image_holds_no_copy_of_the_project(run_in_image, runner_image: str):
    probe = "import importlib.util as u; print(u.find_spec('wordstats'))"
    result = run_in_image(runner_image, ["python", "-c", probe])
    assert (result.returncode, result.stdout.strip()) == (0, "None"), result.stderr
