"""``axl compile --target kfp --cache-store``: a cache section in every cached executor, and
KFP's own cache off for them (axl's key is the one that knows the code and environment)."""

from __future__ import annotations

import json

import yaml

from tests.argo.cache_project import write_project
from tests.compile_cli import app, invoke

__all__ = ["app"]


def test_every_cached_executor_has_the_section_and_kfp_caching_is_off(app, tmp_path):
    target = write_project(tmp_path / "project", "kfp_one")
    out = tmp_path / "pipeline.yaml"
    result = invoke(
        app, "compile", "-m", target, "--target", "kfp", "--out", str(out),
        "--cache-store", "s3://axl-cache/steps", "--cache-secret", "cache-keys",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    spec, platform = yaml.safe_load_all(out.read_text())
    executors = spec["deploymentSpec"]["executors"]
    assert set(executors) == {"exec-load", "exec-total"}
    for executor in executors.values():
        args = executor["container"]["args"]
        manifest = json.loads(args[args.index("--manifest-json") + 1])
        assert manifest["cache"]["store"] == "s3://axl-cache/steps"
        assert manifest["cache"]["code"].startswith("blake3:")
    for task in spec["root"]["dag"]["tasks"].values():
        assert not task.get("cachingOptions", {}).get("enableCache", False)
    kubernetes = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    for name in executors:
        (entry,) = kubernetes[name]["secretAsEnv"]
        assert entry["secretName"] == "cache-keys"
        assert {k["envVar"] for k in entry["keyToEnv"]} == {
            "AXL_CACHE_AWS_ACCESS_KEY_ID",
            "AXL_CACHE_AWS_SECRET_ACCESS_KEY",
        }


def test_without_a_store_kfp_caches_cached_steps_as_before(app, tmp_path):
    target = write_project(tmp_path / "project", "kfp_two")
    out = tmp_path / "pipeline.yaml"
    assert invoke(app, "compile", "-m", target, "--target", "kfp", "-o", str(out)).exit_code == 0
    spec = yaml.safe_load(out.read_text())
    for task in spec["root"]["dag"]["tasks"].values():
        assert task["cachingOptions"] == {"enableCache": True}
