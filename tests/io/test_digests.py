"""The digest is taken while writing and checked on reading, on every path through the handlers.

Sizes are chosen to cross the artifact layer's thresholds: a small file is
read whole; a large one is hashed from a memory map (by several threads) and
then read from its path, or, for the table handlers, loaded from that same
map without a copy; chunks of 256 KiB and more are hashed on a helper thread
while they are written.
"""

from __future__ import annotations

import mmap
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from blake3 import blake3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axl.errors import ArtifactError
from axl.io import artifacts, get_handler
from axl.io import hashing as hashing_module
from axl.io._tables import to_table
from axl.io.artifacts import read_artifact, verify_artifact, write_artifact
from axl.io.hashing import HashingWriter, digest_fd

ROOT = Path(__file__).resolve().parents[2]


def file_digest(path: Path) -> str:
    return "blake3:" + blake3(path.read_bytes()).hexdigest()


def table(rows: int) -> pa.Table:
    rng = np.random.default_rng(1)
    return pa.table(
        {
            "id": np.arange(rows, dtype=np.int64),
            "score": rng.random(rows),
            "label": pa.array(np.array(["ant", "bee", "cat"])[np.arange(rows) % 3]),
        }
    )


# (handler, value) pairs, small (read whole) and large (mapped, overlapped, threaded).
VALUES = {
    "pickle-small": ("pickle", {"a": list(range(100))}),
    "pickle-large": ("pickle", {"a": np.arange(1_500_000), "b": list(range(10_000))}),
    "cloudpickle-large": ("cloudpickle", np.arange(1_500_000, dtype=np.float64)),
    "json-large": ("json", {"k": list(range(700_000))}),
    "arrow-small": ("arrow", table(100)),
    "arrow-large": ("arrow", table(600_000)),
    "parquet-small": ("parquet", table(100)),
    "parquet-large": ("parquet", table(600_000)),
}
LARGE = [name for name in VALUES if name.endswith("-large")]


def write(tmp_path: Path, name: str) -> tuple[Path, object]:
    handler, value = VALUES[name]
    path = tmp_path / f"output{get_handler(handler).ext}"
    write_artifact(value, path, handler, step="s", durable=False)
    return path, value


def same(a: object, b: object) -> bool:
    if isinstance(a, pa.Table):
        return isinstance(b, pa.Table) and a.equals(b)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize("name", list(VALUES))
def test_the_recorded_digest_is_blake3_of_the_file_and_the_value_comes_back(tmp_path, name):
    path, value = write(tmp_path, name)
    meta = verify_artifact(path)
    assert meta.digest == file_digest(path)
    assert meta.size == path.stat().st_size
    if name in LARGE:
        assert meta.size > (1 if name.startswith("parquet") else 4) * 1024 * 1024
    assert same(read_artifact(path), value)


def pyarrow_bytes(handler: str, value: pa.Table, path: Path) -> bytes:
    """The file pyarrow writes by itself (the handler adds only its schema metadata)."""
    import pyarrow.parquet as pq

    table = to_table(value, handler)
    if handler == "arrow":
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    else:
        pq.write_table(table, str(path))
    return path.read_bytes()


@pytest.mark.parametrize("handler", ["arrow", "parquet"])
@pytest.mark.parametrize("rows", [100, 600_000])
def test_streamed_tables_have_the_bytes_pyarrow_writes_to_a_path(tmp_path, handler, rows):
    """Streaming through the hashing writer changes no byte: old digests and cache keys hold."""
    io = get_handler(handler)
    value = table(rows)
    streamed = tmp_path / f"output{io.ext}"
    write_artifact(value, streamed, handler, step="s", durable=False)
    assert streamed.read_bytes() == pyarrow_bytes(handler, value, tmp_path / "direct")
    io.save(value, tmp_path / f"saved{io.ext}")
    assert (tmp_path / f"saved{io.ext}").read_bytes() == streamed.read_bytes()
    assert io.load(tmp_path / f"saved{io.ext}").equals(value)


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def append(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\x00")


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [flip, truncate, append, empty])
@pytest.mark.parametrize("name", list(VALUES))
def test_a_damaged_file_is_refused_with_both_digests(tmp_path, name, damage):
    path, _ = write(tmp_path, name)
    meta = verify_artifact(path)
    damage(path)
    size = path.stat().st_size
    message = (
        rf"artifact {path} is corrupt: its digest is {file_digest(path)} \({size} bytes\), "
        rf"the sidecar says {meta.digest} \({meta.size} bytes\)"
    )
    with pytest.raises(ArtifactError, match=message) as info:
        read_artifact(path)
    assert info.value.exit_code == 4
    assert info.value.hint == "re-run the step that writes it; never edit an artifact in place"
    with pytest.raises(ArtifactError, match=message):
        verify_artifact(path)


@pytest.mark.parametrize("name", ["pickle-large", "json-large"])
def test_what_is_loaded_is_the_file_that_was_checked(tmp_path, monkeypatch, name):
    """A file renamed over the artifact after its check is not the one loaded."""
    path, value = write(tmp_path, name)
    other = tmp_path / "other"
    write_artifact({"other": 1}, other / path.name, VALUES[name][0], step="s", durable=False)
    real = artifacts.digest_fd

    def digest_then_replace(fd):
        found = real(fd)
        os.replace(other / path.name, path)
        return found

    monkeypatch.setattr(artifacts, "digest_fd", digest_then_replace)
    assert same(read_artifact(path), value)
    assert read_artifact(path, verify=False) == {"other": 1}


def test_verify_false_loads_a_large_table_from_its_map_unchecked(tmp_path):
    path, value = write(tmp_path, "arrow-large")
    assert read_artifact(path, verify=False).equals(value)
    with path.open("r+b") as file:  # a byte of the float column (after 4.8 MB of ids)
        file.seek(5_500_000)
        byte = file.read(1)
        file.seek(5_500_000)
        file.write(bytes([byte[0] ^ 0xFF]))
    back = read_artifact(path, verify=False)
    assert back.column("id").equals(value.column("id"))
    assert not back.column("score").equals(value.column("score"))
    with pytest.raises(ArtifactError, match="is corrupt"):
        read_artifact(path)


def test_a_large_arrow_table_is_loaded_in_place_and_outlives_its_file(tmp_path):
    path, value = write(tmp_path, "arrow-large")
    before = pa.total_allocated_bytes()
    back = read_artifact(path)
    assert pa.total_allocated_bytes() - before < value.nbytes // 100  # views of the map
    # Artifacts are replaced by a rename, never rewritten in place: the mapped file
    # stays whole for the table that uses it, even once it is replaced and removed.
    write_artifact(table(10), path, "arrow", step="s", durable=False)
    assert read_artifact(path).num_rows == 10
    path.unlink()
    assert back.equals(value)
    assert back.column("label").to_pylist()[-3:] == ["ant", "bee", "cat"]


def test_loading_many_large_tables_keeps_no_file_open(tmp_path):
    path, _ = write(tmp_path, "arrow-large")
    before = len(os.listdir("/proc/self/fd"))
    tables = [read_artifact(path) for _ in range(20)]
    assert len(os.listdir("/proc/self/fd")) == before
    assert all(t.num_rows == 600_000 for t in tables)


def test_a_dataframe_comes_back_from_a_large_arrow_file(tmp_path):
    frame = pd.DataFrame({"x": np.arange(400_000), "y": np.arange(400_000) * 0.5})
    path = tmp_path / "output.arrow"
    write_artifact(frame, path, "arrow", step="s", durable=False)
    pd.testing.assert_frame_equal(read_artifact(path), frame)


WRITER = """
import sys
import numpy as np
from tests.io.test_digests import VALUES
from axl.io.artifacts import write_artifact
handler, value = VALUES[sys.argv[2]]
write_artifact(value, sys.argv[1], handler, step="s", durable=True)
"""


@pytest.mark.parametrize("name", ["arrow-large", "parquet-large", "pickle-large"])
def test_another_process_reads_what_an_exited_writer_wrote(tmp_path, name):
    handler, value = VALUES[name]
    path = tmp_path / f"output{get_handler(handler).ext}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", WRITER, str(path), name], cwd=ROOT, env=env, check=True, timeout=120
    )
    assert verify_artifact(path).digest == file_digest(path)
    assert same(read_artifact(path), value)


def helper_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "axl-hash"]


def test_the_hashing_writer_hashes_every_kind_of_chunk_in_order(tmp_path):
    big = np.arange(100_000, dtype=np.int64).reshape(250, 400)  # 800 KB, 2-D
    chunks = [b"head", bytes(300_000), big, bytearray(b"x" * 1000), memoryview(b"y" * 500_000)]
    chunks += [pa.py_buffer(b"z" * 400_000), b"tail"]
    path = tmp_path / "out.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        writer = HashingWriter(fd)
        for chunk in chunks:
            writer.write(chunk)
        assert len(helper_threads()) == 1
        writer.close()
    finally:
        os.close(fd)
    assert helper_threads() == []
    expected = b"".join(c.tobytes() if isinstance(c, np.ndarray) else bytes(c) for c in chunks)
    assert path.read_bytes() == expected
    assert writer.size == len(expected)
    assert writer.hexdigest() == blake3(expected).hexdigest()


def test_the_helper_thread_ends_when_a_write_fails(tmp_path):
    class Failing:
        name, ext = "failing", ".bin"

        def dump(self, obj, file):
            file.write(b"a" * 1_000_000)
            raise RuntimeError("gave up half-way")

        def save(self, obj, path):
            raise AssertionError("dump is used")

        def load(self, path):
            return None

        def metadata(self, obj):
            return {}

    with pytest.raises(Exception, match="gave up half-way"):
        write_artifact(1, tmp_path / "output.bin", Failing(), step="s")
    assert helper_threads() == []
    assert list(tmp_path.iterdir()) == []


def test_a_write_to_a_closed_file_fails_and_ends_the_helper(tmp_path):
    fd = os.open(tmp_path / "out.bin", os.O_WRONLY | os.O_CREAT)
    writer = HashingWriter(fd)
    writer.write(b"b" * 300_000)
    os.close(fd)
    with pytest.raises(OSError):
        writer.write(b"c" * 300_000)
    writer.close()
    assert helper_threads() == []


@pytest.mark.parametrize("size", [0, 10, 4 * 1024 * 1024 + 3])
def test_digest_fd_small_and_mapped(tmp_path, size):
    path = tmp_path / "f.bin"
    data = np.random.default_rng(2).bytes(size)
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert digest_fd(fd) == (blake3(data).hexdigest(), size)
    finally:
        os.close(fd)


def test_digest_fd_reads_a_file_it_cannot_map(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(19, "No such device")

    monkeypatch.setattr(mmap, "mmap", refuse)
    path, _ = write(tmp_path, "pickle-large")
    assert verify_artifact(path).digest == file_digest(path)


def test_a_step_process_may_hash_with_the_global_pool(tmp_path, monkeypatch):
    monkeypatch.setattr(hashing_module, "_writer_threads", [1])
    hashing_module.use_global_hash_pool()
    path, value = write(tmp_path, "pickle-large")
    assert verify_artifact(path).digest == file_digest(path)
    assert same(read_artifact(path), value)


pickle_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    | st.binary(),
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=30,
)  # fmt: skip


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(value=pickle_values, padding=st.sampled_from([0, 300_000, 5_000_000]))
def test_pickle_round_trip_property(tmp_path_factory, value, padding):
    """Any value, alone or beside a payload big enough for the helper thread and the map."""
    folder = tmp_path_factory.mktemp("prop")
    obj = (value, b"p" * padding)
    path = folder / "output.pkl"
    meta = write_artifact(obj, path, "pickle", step="s", durable=False)
    assert meta.digest == file_digest(path)
    assert read_artifact(path) == obj
