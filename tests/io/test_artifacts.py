"""The artifact contract: sidecar, digest check before load, clear errors, nothing half-written."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from axl._version import __version__
from axl.errors import ArtifactError, SerializationError
from axl.io import artifacts
from axl.io.artifacts import (
    ArtifactMeta,
    read_artifact,
    read_meta,
    verify_artifact,
    write_artifact,
)
from axl.io.meta import sidecar_path
from tests.io.handlers import TextHandler


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_sidecar_fields(tmp_path: Path):
    path = tmp_path / "model.pkl"
    meta = write_artifact(
        {"w": [1, 2]}, path, "pickle", step="train", workflow="churn", run_id="r1"
    )
    side = json.loads((tmp_path / "model.meta.json").read_text())
    assert side == {
        "format": 1,
        "handler": "pickle",
        "ext": ".pkl",
        "size": path.stat().st_size,
        "digest": meta.digest,
        "python_type": "builtins.dict",
        "axl_version": __version__,
        "step": "train",
        "workflow": "churn",
        "metadata": {"protocol": 5},
        "run_id": "r1",
    }
    from blake3 import blake3

    assert meta.digest == "blake3:" + blake3(path.read_bytes()).hexdigest()
    assert read_meta(path) == meta == ArtifactMeta.from_dict(meta.to_dict())
    assert verify_artifact(path) == meta
    assert leftovers(tmp_path) == []


def test_sidecar_is_found_from_the_name_before_the_first_dot(tmp_path: Path):
    assert sidecar_path(tmp_path / "table.parquet") == tmp_path / "table.meta.json"
    assert sidecar_path(tmp_path / "archive.tar.gz") == tmp_path / "archive.meta.json"
    with pytest.raises(ArtifactError, match="has no name before its extension"):
        sidecar_path(tmp_path / ".pkl")


def test_creates_the_folder(tmp_path: Path):
    path = tmp_path / "a" / "b" / "output.json"
    write_artifact([1], path, "json", step="s", durable=False)
    assert read_artifact(path) == [1]


def test_rewrite_replaces_value_and_sidecar(tmp_path: Path):
    path = tmp_path / "output.pkl"
    write_artifact(1, path, "pickle", step="s")
    meta = write_artifact("two", path, "pickle", step="s")
    assert read_artifact(path) == "two"
    assert read_meta(path) == meta and meta.python_type == "builtins.str"


def test_file_name_must_match_the_handler(tmp_path: Path):
    with pytest.raises(
        ArtifactError, match=r"does not match the json IO handler: expected the name 'out.json'"
    ):
        write_artifact(1, tmp_path / "out.pkl", "json", step="s")


def test_corrupt_data_is_detected_before_loading(tmp_path: Path):
    path = tmp_path / "output.pkl"
    meta = write_artifact(list(range(100)), path, "pickle", step="s")
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    from blake3 import blake3

    actual = "blake3:" + blake3(bytes(raw)).hexdigest()
    pattern = (
        rf"artifact {path} is corrupt: its digest is {actual} .* the sidecar says {meta.digest}"
    )
    with pytest.raises(ArtifactError, match=pattern):
        read_artifact(path)
    with pytest.raises(ArtifactError, match="is corrupt"):
        verify_artifact(path)


def test_truncated_data_is_detected(tmp_path: Path):
    path = tmp_path / "output.json"
    write_artifact({"a": "b" * 100}, path, "json", step="s")
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(
        ArtifactError, match=r"is corrupt: .*\(10 bytes\), the sidecar says .*\(108 bytes\)"
    ):
        read_artifact(path)


def test_corrupt_large_artifact_is_detected(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(artifacts, "_READ_WHOLE", 16)  # hash in chunks, then load from the path
    path = tmp_path / "output.arrow"
    write_artifact(pa.table({"x": list(range(1000))}), path, "arrow", step="s")
    assert read_artifact(path).num_rows == 1000
    with path.open("r+b") as f:
        f.seek(-100, os.SEEK_END)
        f.write(b"\xff")
    with pytest.raises(ArtifactError, match="is corrupt"):
        read_artifact(path)


def test_verify_false_skips_the_digest(tmp_path: Path):
    path = tmp_path / "output.json"
    write_artifact([1, 2], path, "json", step="s")
    path.write_bytes(b"[1,3]")
    assert read_artifact(path, verify=False) == [1, 3]


def test_missing_sidecar(tmp_path: Path):
    path = tmp_path / "output.pkl"
    write_artifact(1, path, "pickle", step="s")
    (tmp_path / "output.meta.json").unlink()
    with pytest.raises(ArtifactError, match=rf"artifact {path} has no sidecar output.meta.json"):
        read_artifact(path)


def test_missing_artifact(tmp_path: Path):
    with pytest.raises(ArtifactError, match=rf"artifact {tmp_path / 'nope.pkl'} does not exist"):
        read_artifact(tmp_path / "nope.pkl")


def test_missing_data_with_sidecar(tmp_path: Path):
    path = tmp_path / "output.pkl"
    write_artifact(1, path, "pickle", step="s")
    path.unlink()
    with pytest.raises(ArtifactError, match="is missing but its sidecar exists"):
        read_artifact(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{broken", "is not valid JSON"),
        ("[1]", "it is not a JSON object"),
        ('{"handler": "pickle"}', "field 'ext' is missing or not text"),
        ('{"format": 9}', "has format 9; this axl reads format 1"),
    ],
)
def test_invalid_sidecar(tmp_path: Path, text: str, message: str):
    path = tmp_path / "output.pkl"
    write_artifact(1, path, "pickle", step="s")
    (tmp_path / "output.meta.json").write_text(text)
    with pytest.raises(ArtifactError, match=message):
        read_artifact(path)


def test_handler_mismatch(tmp_path: Path):
    path = tmp_path / "output.pkl"
    write_artifact(1, path, "pickle", step="s")
    with pytest.raises(ArtifactError, match=r"was written by the 'pickle' IO handler, not 'json'"):
        read_artifact(path, "json")
    assert read_artifact(path, "pickle") == 1


def test_unregistered_handler_in_sidecar(tmp_path: Path):
    path = tmp_path / "output.pkl"
    write_artifact(1, path, "pickle", step="s")
    side = tmp_path / "output.meta.json"
    side.write_text(side.read_text().replace('"pickle"', '"gone"'))
    with pytest.raises(ArtifactError, match=r"IO handler 'gone', which is not registered here"):
        read_artifact(path)


def test_lambda_under_pickle_names_step_handler_and_fix(tmp_path: Path):
    path = tmp_path / "output.pkl"
    with pytest.raises(SerializationError) as info:
        write_artifact(lambda x: x, path, "pickle", step="featurize")
    error = info.value
    assert error.message.startswith(
        "step 'featurize': the pickle IO handler cannot store its value of type builtins.function"
    )
    assert error.hint == "use io_handler='cloudpickle' for lambdas, closures and local classes"
    assert error.context == {
        "step": "featurize",
        "handler": "pickle",
        "python_type": "builtins.function",
    }
    assert list(tmp_path.iterdir()) == []


def test_unpicklable_object_suggests_plain_data(tmp_path: Path):
    import threading

    with pytest.raises(SerializationError, match="a lock, an open file") as info:
        write_artifact(threading.Lock(), tmp_path / "output.pkl", "pickle", step="s")
    assert "_thread.lock" in info.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("handler", ["parquet", "arrow"])
def test_dict_under_table_handlers(tmp_path: Path, handler: str):
    with pytest.raises(
        SerializationError,
        match=rf"step 'load': the {handler} IO handler cannot store its value of type builtins.dict: "
        r"TypeError: expected a pyarrow.Table or pandas.DataFrame, got builtins.dict "
        r"\(return a pyarrow.Table or pandas.DataFrame, or use io_handler='pickle'\)",
    ):
        write_artifact({"a": [1]}, tmp_path / f"output.{handler}", handler, step="load")
    assert list(tmp_path.iterdir()) == []


def test_set_under_json(tmp_path: Path):
    with pytest.raises(
        SerializationError,
        match=r"step 's': the json IO handler cannot store its value of type builtins.dict: "
        r"TypeError: value\['tags'\] is a builtins.set, which JSON cannot hold "
        r"\(return dicts with string keys, .* or use io_handler='pickle'\)",
    ):
        write_artifact({"tags": {"a"}}, tmp_path / "output.json", "json", step="s")
    assert list(tmp_path.iterdir()) == []


def test_failed_rewrite_keeps_the_previous_artifact(tmp_path: Path):
    path = tmp_path / "output.json"
    write_artifact([1], path, "json", step="s")
    with pytest.raises(SerializationError):
        write_artifact([float("nan")], path, "json", step="s")
    assert read_artifact(path) == [1]
    assert leftovers(tmp_path) == []


def test_class_no_longer_importable(tmp_path: Path, monkeypatch):
    (tmp_path / "gone_module.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import gone_module

    path = tmp_path / "out" / "output.pkl"
    write_artifact(gone_module.Thing(), path, "pickle", step="s")
    monkeypatch.delitem(sys.modules, "gone_module")
    (tmp_path / "gone_module.py").unlink()
    with pytest.raises(
        SerializationError,
        match=r"cannot load artifact .*output.pkl \(a gone_module.Thing written by the pickle IO "
        r"handler\): ModuleNotFoundError: No module named 'gone_module' "
        r"\(make the code that defines gone_module.Thing importable",
    ):
        read_artifact(path)


def test_unwritable_folder(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = blocker / "sub" / "output.pkl"
    with pytest.raises(
        ArtifactError,
        match=rf"cannot write artifact {path}: Not a directory "
        rf"\(check that {blocker / 'sub'} is a writable folder",
    ) as info:
        write_artifact(1, path, "pickle", step="s")
    assert info.value.exit_code == 4


def test_folder_that_cannot_be_created(tmp_path: Path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "makedirs", refuse)
    path = tmp_path / "new" / "output.pkl"
    with pytest.raises(
        ArtifactError,
        match=rf"cannot write artifact {path}: cannot create the folder {tmp_path / 'new'}: "
        "Permission denied",
    ):
        write_artifact(1, path, "pickle", step="s")


def test_permission_denied(tmp_path: Path, monkeypatch):
    real_open = os.open

    def deny(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(
        ArtifactError, match=rf"cannot write artifact {tmp_path}/output.pkl: Permission denied"
    ):
        write_artifact(1, tmp_path / "output.pkl", "pickle", step="s")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_folder(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ArtifactError, match="cannot write artifact .*: Permission denied"):
            write_artifact(1, folder / "output.pkl", "pickle", step="s")
    finally:
        folder.chmod(0o700)


def test_custom_handler_without_optional_methods(tmp_path: Path):
    path = tmp_path / "note.txt"
    meta = write_artifact("héllo", path, TextHandler(), step="s")
    assert meta.metadata == {"chars": 5} and meta.handler == "text"
    assert read_artifact(path) == "héllo"
    (tmp_path / "note.txt").write_text("hallo")
    with pytest.raises(ArtifactError, match="is corrupt"):
        read_artifact(path)
    with pytest.raises(
        SerializationError,
        match=r"the text IO handler cannot store its value of type builtins.int: TypeError: "
        r"expected str, got int \(use another io_handler for this step\)",
    ):
        write_artifact(3, tmp_path / "other.txt", TextHandler(), step="s")
    assert leftovers(tmp_path) == []


def test_handler_metadata_must_be_json(tmp_path: Path):
    class OddMetadata(TextHandler):
        name = "odd-metadata"

        def metadata(self, obj):
            return {"when": object()}

    with pytest.raises(
        ArtifactError, match="the odd-metadata IO handler gave metadata that is not JSON"
    ):
        write_artifact("x", tmp_path / "output.txt", OddMetadata(), step="s")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("durable", [True, False, None])
def test_durable_setting(tmp_path: Path, monkeypatch, durable):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    monkeypatch.setattr(artifacts, "DURABLE", False)
    write_artifact(1, tmp_path / "output.pkl", "pickle", step="s", durable=durable)
    assert len(synced) == (3 if durable else 0)  # data, sidecar, folder


def test_sidecar_of_another_extension(tmp_path: Path):
    write_artifact(1, tmp_path / "output.pkl", "pickle", step="s")
    (tmp_path / "output.json").write_text("1")
    with pytest.raises(
        ArtifactError,
        match=r"output.json: its sidecar describes output.pkl, written by the 'pickle' IO handler",
    ):
        read_artifact(tmp_path / "output.json")
    with pytest.raises(ArtifactError, match="its sidecar describes output.pkl"):
        verify_artifact(tmp_path / "output.json")


def test_relative_path_and_package_exports(tmp_path: Path, monkeypatch):
    import axl.io

    monkeypatch.chdir(tmp_path)
    meta = axl.io.write_artifact({"k": 1}, "output.json", "json", step="s")
    assert axl.io.read_artifact("output.json") == {"k": 1}
    assert axl.io.read_meta(Path("output.json")) == meta == axl.io.verify_artifact("output.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output.json", "output.meta.json"]
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        axl.io.nothing  # noqa: B018


def test_a_sidecar_nested_too_deep_to_parse_is_an_artifact_error(tmp_path: Path):
    from axl.io.meta import sidecar_of

    path = tmp_path / "output.pkl"
    artifacts.write_artifact({"a": 1}, path, "pickle", step="s")
    Path(sidecar_of(str(path))).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ArtifactError, match="not valid JSON"):
        artifacts.read_artifact(path)
