"""The code as an archive on KFP: the same archive as Argo's, imported by its URI, run for real.

``axl compile --target kfp --code-bucket`` packs and uploads the project
exactly as for Argo, and the pipeline imports the archive with an importer
task; every step reads it as its input artifact ``axl_code``. Each executor
is then run as KFP's launcher runs it, in a fresh process whose working
folder holds no project code, with the archive at the path its URI maps to:
the runner checks its digest, extracts it and imports the workflow from it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from axl.compiler.kfp.checks import structure_errors
from axl.compiler.kfp.layout import EXECUTOR_INPUT, RUN_ID
from axl.compiler.kfp.options import KfpCodeArchive, KfpOptionsError
from axl.planning import RUNNER_COMMAND
from tests.argo_e2e.fixtures import axl_cli
from tests.containers.podman import ROOT
from tests.fixtures.s3 import S3Bucket

TARGET = "src/wordstats/flow.py:WordStats"
REF = "wordstats.flow:WordStats"
RUN = "kfp-run-1"
STEP_TIMEOUT = 120


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "wordstats-project"
    shutil.copytree(
        ROOT / "examples" / "external_repo",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", ".axl"),
    )
    return copy


def compile_to(project: Path, bucket: S3Bucket, target: str, out: str) -> dict[str, Any]:
    return axl_cli(
        "compile", "-m", TARGET, "--target", target, "--out", out, "--workflow-path", ".",
        "--code-bucket", f"s3://{bucket.name}/code", "--s3-endpoint", bucket.endpoint_url,
        cwd=project,
    )  # fmt: skip


def test_the_archive_is_argos_imported_once_and_read_by_every_step(project, s3_bucket):
    out = project.parent / "out"
    report = compile_to(project, s3_bucket, "kfp", str(out / "pipeline.yaml"))
    assert report["exit_code"] == 0, report
    argo = compile_to(project, s3_bucket, "argo", str(out / "wf.yaml"))
    assert argo["code"]["key"] == report["code"]["key"]  # one archive for both targets
    assert argo["code"]["uploaded"] is False  # already there: the same bytes
    uri = report["code"]["uri"]
    doc = yaml.safe_load((out / "pipeline.yaml").read_text())
    assert structure_errors(doc) == []
    importer = doc["deploymentSpec"]["executors"]["exec-axl-code"]["importer"]
    assert importer["artifactUri"] == {"constant": uri}
    tasks = doc["root"]["dag"]["tasks"]
    assert tasks["axl-code"]["inputs"]["parameters"]["uri"] == {"runtimeValue": {"constant": uri}}
    for name in ("words", "counts", "summary"):
        assert "axl-code" in tasks[name]["dependentTasks"]
        assert tasks[name]["inputs"]["artifacts"]["axl_code"] == {
            "taskOutputArtifact": {"producerTask": "axl-code", "outputArtifactKey": "artifact"}
        }
        args = doc["deploymentSpec"]["executors"][f"exec-{name}"]["container"]["args"]
        manifest = json.loads(args[1].replace("{{{{", "{{").replace("}}}}", "}}"))
        assert manifest["workflow"] == REF
        assert manifest["code"] == {
            "path": "kfp://inputs/axl_code",
            "digest": report["code"]["digest"],
        }


def executor_input(doc: dict[str, Any], task: str, root: Path, archive: Path) -> dict[str, Any]:
    """What KFP's launcher hands the container: local URIs, the archive where its URI maps."""
    spec = doc["root"]["dag"]["tasks"][task]
    artifacts: dict[str, Any] = {}
    for arg, wire in spec["inputs"].get("artifacts", {}).items():
        producer = wire["taskOutputArtifact"]["producerTask"]
        uri = str(archive) if producer == "axl-code" else str(root / producer / "output")
        artifacts[arg] = {"artifacts": [{"name": producer, "uri": uri, "metadata": {}}]}
    output = {"name": "output", "uri": str(root / task / "output"), "metadata": {}}
    return {
        "inputs": {"parameterValues": {"axl_run_id": RUN}, "artifacts": artifacts},
        "outputs": {
            "artifacts": {"output": {"artifacts": [output]}},
            "outputFile": str(root / task / "executor_output.json"),
        },
    }


def test_each_executor_runs_from_the_archive_alone_with_local_runs_digests(
    project, s3_bucket, tmp_path
):
    report = compile_to(project, s3_bucket, "kfp", "deploy/pipeline.yaml")
    assert report["exit_code"] == 0, report
    archive = project / report["code"]["archive"]
    doc = yaml.safe_load((project / "deploy" / "pipeline.yaml").read_text())
    elsewhere = tmp_path / "pod"
    elsewhere.mkdir()
    kfp_root = tmp_path / "kfp"
    digests = {}
    for task in ("words", "counts", "summary"):
        args = [
            {
                RUN_ID: RUN,
                EXECUTOR_INPUT: json.dumps(executor_input(doc, task, kfp_root, archive)),
            }.get(arg, arg)
            for arg in doc["deploymentSpec"]["executors"][f"exec-{task}"]["container"]["args"]
        ]
        done = subprocess.run(
            [sys.executable, *RUNNER_COMMAND[1:], *args],
            cwd=elsewhere, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False,
            env={"PATH": "/usr/bin:/bin", "HOME": str(elsewhere)},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        registered = json.loads((kfp_root / task / "executor_output.json").read_text())
        digests[task] = registered["artifacts"]["output"]["artifacts"][0]["metadata"]["axl_digest"]
    local = axl_cli("run", "local", "-m", TARGET, cwd=project)
    assert local["exit_code"] == 0, local
    assert digests == {name: step["outputs"][0]["digest"] for name, step in local["steps"].items()}


def test_a_damaged_archive_is_refused_before_any_code_runs(project, s3_bucket, tmp_path):
    report = compile_to(project, s3_bucket, "kfp", "deploy/pipeline.yaml")
    damaged = tmp_path / "code.tar.gz"
    damaged.write_bytes((project / report["code"]["archive"]).read_bytes()[:-7] + b"garbage")
    doc = yaml.safe_load((project / "deploy" / "pipeline.yaml").read_text())
    given = executor_input(doc, "words", tmp_path / "kfp", damaged)
    args = [
        {RUN_ID: RUN, EXECUTOR_INPUT: json.dumps(given)}.get(arg, arg)
        for arg in doc["deploymentSpec"]["executors"]["exec-words"]["container"]["args"]
    ]
    done = subprocess.run(
        [sys.executable, *RUNNER_COMMAND[1:], *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "digest" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "kfp" / "words" / "executor_output.json").exists()


def test_argo_only_code_flags_and_bad_uris_are_refused(project, s3_bucket):
    report = axl_cli(
        "compile", "-m", TARGET, "--target", "kfp", "--out", "p.yaml", "--workflow-path", ".",
        "--code-bucket", f"s3://{s3_bucket.name}/code", "--no-upload",
        "--artifact-endpoint", "minio.minio:9000", cwd=project,
    )  # fmt: skip
    assert report["exit_code"] == 2
    assert "--artifact-endpoint and --s3-secret are for --target argo" in report["error"]["message"]
    assert not (project / "p.yaml").exists()
    with pytest.raises(KfpOptionsError, match="is not an object in s3://, minio:// or gs://"):
        KfpCodeArchive(uri="https://example.com/code.tar.gz")
    with pytest.raises(KfpOptionsError, match="must look like 'blake3:<hex>'"):
        KfpCodeArchive(uri="s3://b/code.tar.gz", digest="sha256:00")
