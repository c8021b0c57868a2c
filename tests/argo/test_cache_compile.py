"""``axl compile --cache-store``: the cache section of every cache=True step, and its Secret."""

from __future__ import annotations

import json

import yaml

from axl.codefiles.selection import select_entries, tree_digest
from tests.argo.cache_project import write_project
from tests.compile_cli import app, invoke

__all__ = ["app"]
STORE = "s3://axl-cache/steps"


def _manifests(doc: dict) -> dict[str, dict]:
    out = {}
    for template in doc["spec"]["templates"]:
        if "container" in template:
            args = template["container"]["args"]
            out[template["name"]] = json.loads(args[args.index("--manifest-json") + 1])
    return out


def test_every_cached_step_gets_the_store_the_code_digest_and_the_secret(app, tmp_path):
    target = write_project(tmp_path / "project", "argo_one")
    out = tmp_path / "wf.yaml"
    result = invoke(
        app, "compile", "-m", target, "--target", "argo", "--out", str(out),
        "--cache-store", STORE, "--cache-secret", "cache-keys",
        "--cache-endpoint", "http://minio.minio:9000",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(out.read_text())
    code = "blake3:" + tree_digest(select_entries(tmp_path / "project"))
    for name, manifest in _manifests(doc).items():
        assert manifest["cache"] == {
            "store": STORE,
            "code": code,
            "workflow": "flow_argo_one:Cached",
            "handlers": {"pickle": "1"},
            "endpoint": "http://minio.minio:9000",
        }, name
    for template in doc["spec"]["templates"]:
        if "container" in template:
            env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in template["container"]["env"]}
            assert env == {
                "AXL_CACHE_AWS_ACCESS_KEY_ID": {"name": "cache-keys", "key": "accessKey"},
                "AXL_CACHE_AWS_SECRET_ACCESS_KEY": {"name": "cache-keys", "key": "secretKey"},
            }
    assert "cache-keys" not in json.dumps(_manifests(doc))  # a Secret is a reference only


def test_a_pinned_image_names_the_environment_never_a_tag(app, tmp_path):
    target = write_project(tmp_path / "project", "argo_image")
    pinned = "registry.example.com/runner@sha256:" + "cd" * 32
    for image, expected in ((pinned, {"image": pinned}), ("registry.example.com/runner:1", {})):
        out = tmp_path / "wf.yaml"
        result = invoke(
            app, "compile", "-m", target, "--target", "argo", "--out", str(out),
            "--cache-store", STORE, "--image", image,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        for manifest in _manifests(yaml.safe_load(out.read_text())).values():
            assert manifest["cache"].get("environment", {}) == expected


def test_a_folder_store_is_refused_for_pods(app, tmp_path):
    target = write_project(tmp_path / "project", "argo_folder")
    for chosen in ("argo", "kfp"):
        result = invoke(
            app, "compile", "-m", target, "--target", chosen, "--cache-store", str(tmp_path)
        )
        assert result.exit_code == 2
        assert "cannot reach the cache folder" in result.output


def test_without_cached_steps_the_store_changes_nothing(app, tmp_path):
    plain, cached = tmp_path / "plain.yaml", tmp_path / "cached.yaml"
    target = "examples/quickstart.py:Hello"
    assert invoke(app, "compile", "-m", target, "--target", "argo", "-o", str(plain)).exit_code == 0
    result = invoke(
        app, "compile", "-m", target, "--target", "argo", "-o", str(cached), "--cache-store", STORE
    )
    assert result.exit_code == 0
    assert "the cache store is unused" in result.output
    assert plain.read_bytes() == cached.read_bytes()


def test_cache_flags_need_a_store(app, tmp_path):
    result = invoke(
        app, "compile", "-m", "examples/quickstart.py:Hello", "--target", "argo",
        "--cache-secret", "keys",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--cache-secret needs a cache store" in result.output
