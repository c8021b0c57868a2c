"""warm_env: the warm step fills the env cache before the steps, and shares envs through S3.

uv installs offline from wheels the tests write; S3 is the moto server of
``tests/fixtures/s3.py``. Every runner and warm step here is a fresh process.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

import axl
from axl.manifest import (
    EnvStore,
    WarmManifest,
)
from axl.runtime.env_archive import pack_env
from axl.runtime.envs import ready_env
from axl.runtime.packages import env_key
from tests.runtime.env_workflows import NeedsProbe, WarmProbe
from tests.runtime.offline_envs import (
    OTHER,
    PROBE,
    PROBE_DEP,
    PROBE_REQ,
    OfflineUv,
    env_ready,
    events,
    runner,
    step_manifest,
)

NO_UV = "echo 'uv must not run in this test' >&2; exit 1"


def _store(bucket) -> EnvStore:
    return EnvStore(uri=f"s3://{bucket.name}/axl/code/envs", endpoint=bucket.endpoint_url)


def _warm(manifest: WarmManifest) -> subprocess.CompletedProcess[str]:
    return runner("warm", manifest.to_json())


def _step(
    tmp_path: Path, store: EnvStore | None, step: str = "probe"
) -> subprocess.CompletedProcess[str]:
    return runner("run", step_manifest(tmp_path, step, "install", store).to_json())


def _fresh_machine(offline_uv: OfflineUv, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    """Another pod: an empty env cache, and no uv that could install anything."""
    envs = offline_uv.envs.parent / name
    monkeypatch.setenv("AXL_PACKAGES_DIR", str(envs))
    offline_uv.fake_uv(NO_UV)
    return envs


# --- locally ------------------------------------------------------------------------


def _step_sources(result, workspace: Path) -> dict[str, str]:
    sources = {}
    for step in ("probe", "other"):
        log = (workspace / "runs" / result.run_id / step / "step.log").read_text()
        (ready,) = env_ready(log)
        sources[step] = ready["source"]
    return sources


@pytest.mark.parametrize("isolation", ["worker", "subprocess"])
def test_a_local_run_warms_every_env_before_the_steps(
    offline_uv: OfflineUv, tmp_path: Path, isolation
):
    workspace = tmp_path / "ws"
    result = axl.run_local(
        WarmProbe, packages_policy="install", workspace=workspace, isolation=isolation
    )
    assert result.ok and result.value == "other 42"
    assert _step_sources(result, workspace) == {"probe": "cache", "other": "cache"}
    assert sorted(offline_uv.entries()) == sorted(
        [env_key([PROBE_REQ]), env_key([PROBE_REQ, OTHER])]
    )


def test_without_warm_env_each_step_installs_its_own(offline_uv: OfflineUv, tmp_path: Path):
    workspace = tmp_path / "ws"
    result = axl.run_local(NeedsProbe, packages_policy="install", workspace=workspace)
    assert result.ok
    assert _step_sources(result, workspace) == {"probe": "installed", "other": "installed"}


def test_warm_env_with_the_check_policy_warms_nothing(offline_uv: OfflineUv, tmp_path: Path):
    result = axl.run_local(WarmProbe, workspace=tmp_path / "ws")
    assert not result.ok
    assert (
        "needs axl_env_probe==1.0, which this environment lacks"
        in result.record.steps["probe"].error["message"]
    )
    assert offline_uv.entries() == []


def test_a_failed_warm_step_fails_the_run_before_any_step(offline_uv: OfflineUv, tmp_path: Path):
    offline_uv.fake_uv("echo 'error: the index is down' >&2; exit 2")
    with pytest.raises(
        axl.errors.InfrastructureError,
        match="installing axl_env_probe==1.0 failed: error: the index is down",
    ):
        axl.run_local(WarmProbe, packages_policy="install", workspace=tmp_path / "ws")
    assert offline_uv.entries() == []


# --- through S3 ---------------------------------------------------------------------


def test_the_warm_step_uploads_each_env_and_a_fresh_pod_fetches_it(
    offline_uv: OfflineUv, s3_bucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    store = _store(s3_bucket)
    warm = _warm(
        WarmManifest(
            sets=((PROBE_REQ,), (PROBE_REQ, OTHER), (PROBE_REQ,)), store=store, workflow_name="w"
        )
    )
    assert warm.returncode == 0, warm.stderr
    ready = env_ready(warm.stderr)
    assert [(e["source"], e["uploaded"]) for e in ready] == [
        ("installed", True),
        ("installed", True),
        ("cache", False),
    ]
    keys = [env_key([PROBE_REQ]), env_key([PROBE_REQ, OTHER])]
    listed = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name, Prefix="axl/code/envs/")
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(
        f"axl/code/envs/{k}.tar.gz" for k in keys
    )
    head = s3_bucket.client.head_object(
        Bucket=s3_bucket.name, Key=f"axl/code/envs/{keys[0]}.tar.gz"
    )
    assert len(head["Metadata"]["blake3"]) == 64

    envs = _fresh_machine(offline_uv, monkeypatch, "pod-2")
    step = _step(tmp_path, store)
    assert step.returncode == 0, step.stderr
    assert [(e["source"], e["env"]) for e in env_ready(step.stderr)] == [("store", keys[0])]
    assert os.listdir(envs) == [keys[0]]  # extracted whole, nothing left beside it
    assert {PROBE, PROBE_DEP} <= set(os.listdir(envs / keys[0]))
    other = _step(tmp_path, store, step="other")
    assert other.returncode == 0, other.stderr
    assert env_ready(other.stderr)[0]["source"] == "store"


def test_a_second_warm_step_uploads_nothing(offline_uv: OfflineUv, s3_bucket, monkeypatch):
    manifest = WarmManifest(sets=((PROBE_REQ,),), store=_store(s3_bucket))
    assert _warm(manifest).returncode == 0
    key = f"axl/code/envs/{env_key([PROBE_REQ])}.tar.gz"
    before = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=key)["LastModified"]
    _fresh_machine(offline_uv, monkeypatch, "pod-2")
    again = _warm(manifest)
    assert again.returncode == 0, again.stderr
    assert [(e["source"], e["uploaded"]) for e in env_ready(again.stderr)] == [("store", False)]
    assert s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=key)["LastModified"] == before


def test_without_an_env_in_the_store_the_step_installs(
    offline_uv: OfflineUv, s3_bucket, tmp_path: Path
):
    step = _step(tmp_path, _store(s3_bucket))
    assert step.returncode == 0, step.stderr
    assert env_ready(step.stderr)[0]["source"] == "installed"


def test_an_env_packs_to_the_same_bytes_after_a_round_trip(
    offline_uv: OfflineUv, s3_bucket, tmp_path, monkeypatch
):
    env = ready_env([PROBE_REQ])
    first = pack_env(env.path, tmp_path / "a.tar.gz")
    assert pack_env(env.path, tmp_path / "b.tar.gz") == first
    store = _store(s3_bucket)
    assert _warm(WarmManifest(sets=((PROBE_REQ,),), store=store)).returncode == 0
    envs = _fresh_machine(offline_uv, monkeypatch, "pod-2")
    assert _step(tmp_path, store).returncode == 0
    assert pack_env(envs / env.key, tmp_path / "c.tar.gz") == first


def _upload(s3_bucket, key: str, data: bytes, digest: str | None) -> None:
    metadata = {"blake3": digest} if digest is not None else {}
    s3_bucket.client.put_object(
        Bucket=s3_bucket.name, Key=f"axl/code/envs/{key}.tar.gz", Body=data, Metadata=metadata
    )


def _blake3(data: bytes) -> str:
    from blake3 import blake3

    return blake3(data).hexdigest()


def _tar(entries: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def _refused(offline_uv, monkeypatch, tmp_path, s3_bucket, match: str) -> None:
    envs = _fresh_machine(offline_uv, monkeypatch, "pod-2")
    step = _step(tmp_path, _store(s3_bucket))
    assert step.returncode == 4, step.stderr
    message = events(step.stderr)[-1]["error"]["message"]
    assert match in message, message
    assert not [
        name for name in (os.listdir(envs) if envs.exists() else []) if not name.startswith(".")
    ]
    assert not envs.exists() or os.listdir(envs) == []  # nothing half-extracted left


def test_a_damaged_env_archive_is_refused(offline_uv: OfflineUv, s3_bucket, tmp_path, monkeypatch):
    store = _store(s3_bucket)
    assert _warm(WarmManifest(sets=((PROBE_REQ,),), store=store)).returncode == 0
    key = env_key([PROBE_REQ])
    obj = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=f"axl/code/envs/{key}.tar.gz")
    data, digest = obj["Body"].read(), obj["Metadata"]["blake3"]
    _upload(s3_bucket, key, data[:-40] + bytes(40), digest)  # other bytes, the old digest
    _refused(
        offline_uv,
        monkeypatch,
        tmp_path,
        s3_bucket,
        f"env s3://{s3_bucket.name}/axl/code/envs/{key}.tar.gz is refused: env archive",
    )


def test_an_env_archive_with_an_unsafe_entry_is_refused(
    offline_uv, s3_bucket, tmp_path, monkeypatch
):
    key = env_key([PROBE_REQ])
    marker = json.dumps({"key": key}).encode()
    data = _tar({".axl-env.json": marker, "../outside.py": b"x = 1\n"})
    _upload(s3_bucket, key, data, _blake3(data))
    _refused(
        offline_uv, monkeypatch, tmp_path, s3_bucket, "entry '../outside.py' has a '..' component"
    )
    assert not (offline_uv.envs.parent / "outside.py").exists()


def test_an_env_archive_of_another_key_is_refused(offline_uv, s3_bucket, tmp_path, monkeypatch):
    key = env_key([PROBE_REQ])
    data = _tar({".axl-env.json": json.dumps({"key": "0" * 64}).encode(), "x/__init__.py": b""})
    _upload(s3_bucket, key, data, _blake3(data))
    _refused(offline_uv, monkeypatch, tmp_path, s3_bucket, f"holds env {'0' * 64}, not {key}")


def test_an_env_object_without_a_digest_is_refused(offline_uv, s3_bucket, tmp_path, monkeypatch):
    key = env_key([PROBE_REQ])
    _upload(s3_bucket, key, _tar({".axl-env.json": b"{}"}), None)
    _refused(
        offline_uv, monkeypatch, tmp_path, s3_bucket, "carries no blake3 digest in its metadata"
    )


def test_an_unreachable_store_is_one_line_exit_4(offline_uv: OfflineUv, tmp_path):
    store = EnvStore(uri="s3://axl-nowhere/envs", endpoint="http://127.0.0.1:9")
    result = _warm(WarmManifest(sets=((PROBE_REQ,),), store=store))
    assert result.returncode == 4, result.stderr
    message = events(result.stderr)[-1]["error"]["message"]
    assert (
        message.startswith("cannot look up env s3://axl-nowhere/envs/") and "127.0.0.1:9" in message
    )


def test_a_bad_warm_manifest_is_exit_2():
    result = runner("warm", '{"sets": "numpy"}')
    assert result.returncode == 2
    assert (
        "warm manifest.sets must be a list, not str"
        in events(result.stderr)[-1]["error"]["message"]
    )
