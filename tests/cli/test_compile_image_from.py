"""``axl compile --image-from BUILD.json`` and ``--image REPO@sha256:...``: the image by digest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from axl.dsl.loader import load_target
from axl.ir import build
from tests.compile_cli import app, invoke

__all__ = ["app"]

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = f"{ROOT / 'examples' / 'baked_project' / 'inventory' / 'flow.py'}:Inventory"
REFERENCE = "registry.example.com/team/inventory@sha256:" + "5" * 64


def build_report(path: Path, target: str = INVENTORY, **changes: Any) -> Path:
    """A report as ``axl build-image --push --json`` writes it (the fields compile reads)."""
    ir = build(load_target(target).cls).ir
    data = {
        "ok": True,
        "tag": "registry.example.com/team/inventory:0.1.0",
        "workflow": ir.name,
        "hash": ir.compute_hash(),
        "digest": REFERENCE.split("@")[1],
        "reference": REFERENCE,
        "pushed": True,
        **changes,
    }
    path.write_text(json.dumps(data))
    return path


def compile_from(app, tmp_path: Path, report: Path, *args: str, target: str = INVENTORY) -> Any:
    """``axl compile -m TARGET --image-from REPORT ARGS --out tmp_path/out.yaml``."""
    return invoke(
        app, "compile", "-m", target, "--image-from", str(report), *args,
        "--out", str(tmp_path / "out.yaml"),
    )  # fmt: skip


def images(doc: dict[str, Any]) -> list[str]:
    """Every container image an Argo Workflow or a KFP PipelineSpec names."""
    if "spec" in doc:
        return [t["container"]["image"] for t in doc["spec"]["templates"] if "container" in t]
    executors = doc["deploymentSpec"]["executors"].values()
    return [e["container"]["image"] for e in executors]


@pytest.mark.parametrize("target", ["argo", "kfp"])
def test_image_from_writes_the_image_by_digest(app, tmp_path: Path, target: str) -> None:
    result = compile_from(app, tmp_path, build_report(tmp_path / "build.json"), "--target", target)
    assert result.exit_code == 0, result.output
    assert images(yaml.safe_load((tmp_path / "out.yaml").read_text())) == [REFERENCE] * 3


@pytest.mark.parametrize("target", ["argo", "kfp"])
def test_an_image_by_digest_passes_the_option_checks(app, tmp_path: Path, target: str) -> None:
    out = tmp_path / "out.yaml"
    result = invoke(
        app, "compile", "-m", INVENTORY, "--target", target, "--image", REFERENCE,
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert images(yaml.safe_load(out.read_text())) == [REFERENCE] * 3


def test_the_report_must_be_of_this_version_of_the_workflow(app, tmp_path: Path) -> None:
    report = build_report(tmp_path / "build.json", hash="blake3:" + "0" * 64)
    result = compile_from(app, tmp_path, report, "--target", "argo")
    assert result.exit_code == 2
    assert "is the image of inventory blake3:0000" in result.output
    assert "not of this version of workflow 'inventory'" in result.output
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "argo", "--image", "x:1"), "--image and --image-from both name the image"),
        (("--target", "argo", "--packages", "install"), "a built image holds its packages"),
        (("--target", "dagster"), "--target dagster takes no image"),
    ],
)
def test_image_from_conflicts(app, tmp_path: Path, args, message) -> None:
    result = compile_from(app, tmp_path, build_report(tmp_path / "build.json"), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_unpushed_image_has_no_digest_to_pin(app, tmp_path: Path) -> None:
    report = build_report(tmp_path / "build.json", digest=None, reference=None, pushed=False)
    result = compile_from(app, tmp_path, report, "--target", "kfp")
    assert result.exit_code == 2
    assert "was not pushed, so it has no digest to pin" in result.output


FLOWS = """
from axl import Workflow, step


class Own(Workflow):
    image = "registry.example.com/other:1"

    @step
    def one(self) -> int:
        return 1


class Mixed(Workflow):
    @step(image="registry.example.com/gpu:1")
    def one(self) -> int:
        return 1

    @step
    def two(self, one: int) -> int:
        return one + 1
"""


def test_steps_with_their_own_image_keep_it(app, tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(FLOWS)
    own, mixed = f"{tmp_path / 'flows.py'}:Own", f"{tmp_path / 'flows.py'}:Mixed"
    report = build_report(tmp_path / "own.json", own)
    result = compile_from(app, tmp_path, report, "--target", "argo", target=own)
    assert result.exit_code == 2
    assert "every step of workflow 'own' names its own image" in result.output
    report = build_report(tmp_path / "mixed.json", mixed)
    result = compile_from(app, tmp_path, report, "--target", "argo", target=mixed)
    assert result.exit_code == 0, result.output
    assert f"warning: step one names its own image and does not run {REFERENCE}" in result.output
    doc = yaml.safe_load((tmp_path / "out.yaml").read_text())
    assert images(doc) == ["registry.example.com/gpu:1", REFERENCE]
