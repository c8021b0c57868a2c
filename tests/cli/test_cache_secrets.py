"""A warm_env workflow compiled with ``--s3-secret`` and another ``--cache-secret``: each cached
step's pod gets the code archive's pair as ``AWS_*`` (the env store reads it) and the cache
store's as ``AXL_CACHE_AWS_*``, each from its own Secret (tests/runtime/test_cache_credentials.py
shows each client signing with its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.argo_e2e.fixtures import axl_cli

FLOW = """
from axl import Workflow, step


class Flow(Workflow):
    warm_env = True
    requirements = ["tabulate==0.9.0"]

    @step(cache=True)
    def only(self) -> int:
        return 1
"""


def test_a_cached_pod_gets_the_archive_pair_and_the_cache_pair(
    s3_bucket: Any, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "warm-cache"\nversion = "0"\n')
    (project / "flow.py").write_text(FLOW)
    report = axl_cli(
        "compile", "-m", "flow.py:Flow", "--target", "argo", "--out", str(tmp_path / "wf.yaml"),
        "--workflow-path", ".", "--code-bucket", f"s3://{s3_bucket.name}/code",
        "--s3-endpoint", s3_bucket.endpoint_url, "--packages", "install",
        "--artifact-endpoint", "http://minio.minio:9000",
        "--s3-secret", "archive-keys", "--cache-store", f"s3://{s3_bucket.name}/cache",
        "--cache-secret", "cache-keys",
        cwd=project,
    )  # fmt: skip
    assert report["exit_code"] == 0, report
    doc = yaml.safe_load((tmp_path / "wf.yaml").read_text())
    (template,) = [t for t in doc["spec"]["templates"] if t["name"] == "only"]
    refs = {
        var["name"]: var["valueFrom"]["secretKeyRef"]
        for var in template["container"]["env"]
        if "valueFrom" in var
    }
    assert refs == {
        "AWS_ACCESS_KEY_ID": {"name": "archive-keys", "key": "accessKey"},
        "AWS_SECRET_ACCESS_KEY": {"name": "archive-keys", "key": "secretKey"},
        "AXL_CACHE_AWS_ACCESS_KEY_ID": {"name": "cache-keys", "key": "accessKey"},
        "AXL_CACHE_AWS_SECRET_ACCESS_KEY": {"name": "cache-keys", "key": "secretKey"},
    }
