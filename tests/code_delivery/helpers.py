"""Shared steps of the code delivery tests: compile the external project, read what was shipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.argo_e2e.fixtures import CLI_TIMEOUT, axl_cli
from tests.fixtures.s3 import S3Bucket

TARGET = "src/wordstats/flow.py:WordStats"
REF = "wordstats.flow:WordStats"


def compile_project(
    project: Path, bucket: S3Bucket, *extra: str, out: str = "deploy/wf.yaml"
) -> dict[str, Any]:
    """``axl compile`` run from the project folder, shipping its code to ``bucket``/code."""
    return axl_cli(
        "compile", "-m", TARGET, "--target", "argo", "--out", out, "--workflow-path", ".",
        "--code-bucket", f"s3://{bucket.name}/code", "--s3-endpoint", bucket.endpoint_url, *extra,
        cwd=project,
    )  # fmt: skip


def axl_text(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m axl ARGS`` with its text output."""
    return subprocess.run(
        [sys.executable, "-m", "axl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def code_artifacts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``axl-code`` input artifact of every container template."""
    return [
        artifact
        for template in doc["spec"]["templates"]
        if "container" in template
        for artifact in template["inputs"]["artifacts"]
        if artifact["name"] == "axl-code"
    ]
