"""Each handler's round trip, the types it keeps, and the bytes it writes."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from axl.io import get_handler
from axl.io.artifacts import read_artifact, write_artifact
from axl.io.json import encode


def roundtrip(tmp_path: Path, value, handler: str, name: str = "output"):
    path = tmp_path / f"{name}{get_handler(handler).ext}"
    meta = write_artifact(value, path, handler, step="s", durable=False)
    return read_artifact(path, handler), meta, path


class Point:
    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.x == self.x


def make_adder(n: int):
    return lambda x: x + n


@pytest.mark.parametrize(
    "value", [1, "é", None, {"a": [1, 2.5, (3, 4)], 5: {6}}, b"\x00bytes", Point(3)]
)
def test_pickle_round_trip(tmp_path: Path, value):
    back, meta, path = roundtrip(tmp_path, value, "pickle")
    assert back == value and type(back) is type(value)
    assert path.name == "output.pkl"
    assert meta.metadata == {"protocol": pickle.HIGHEST_PROTOCOL}


@pytest.mark.parametrize("handler", ["pickle", "cloudpickle"])
@pytest.mark.parametrize(
    "value",
    [
        np.arange(200_000, dtype=np.int64).reshape(400, 500),
        np.asfortranarray(np.arange(200_000, dtype=np.float32).reshape(400, 500)),
        np.arange(200_000).reshape(400, 500)[:, ::2],
    ],
    ids=["c-order", "fortran-order", "strided"],
)
def test_pickle_writes_array_buffers_whole(tmp_path: Path, handler: str, value):
    back, meta, path = roundtrip(tmp_path, value, handler)
    np.testing.assert_array_equal(back, value)
    assert meta.size == path.stat().st_size > value.nbytes


def test_pickle_round_trips_a_dataframe(tmp_path: Path):
    frame = sample_frame()
    back, _, _ = roundtrip(tmp_path, frame, "pickle")
    pd.testing.assert_frame_equal(back, frame)


def test_cloudpickle_round_trips_closures(tmp_path: Path):
    back, meta, path = roundtrip(tmp_path, make_adder(3), "cloudpickle")
    assert back(2) == 5
    assert path.name == "output.cpkl"
    assert meta.python_type == "builtins.function"


def test_json_round_trip_and_canonical_bytes(tmp_path: Path):
    value = {"b": [1, 2.5, True, None], "a": {"z": "é", "y": -0.0}, "big": 10**30}
    back, _, path = roundtrip(tmp_path, value, "json")
    assert back == value
    assert (
        path.read_bytes()
        == (
            '{"a":{"y":-0.0,"z":"é"},"b":[1,2.5,true,null],"big":1000000000000000000000000000000}'
        ).encode()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), r"value is nan, which JSON cannot represent"),
        ({"a": [1, float("inf")]}, r"value\['a'\]\[1\] is inf"),
        ((1, 2), r"value is a builtins.tuple"),
        ({1: "a"}, r"value has the key 1 of type int; JSON keys are strings"),
        ({"s": {1}}, r"value\['s'\] is a builtins.set"),
    ],
)
def test_json_refuses_lossy_values(value, message):
    with pytest.raises(TypeError, match=message):
        encode(value)


def big_table(rows: int = 1_000_000) -> pa.Table:
    rng = np.random.default_rng(0)
    return pa.table(
        {
            "id": np.arange(rows, dtype=np.int64),
            "score": rng.random(rows),
            "label": pa.array(np.array(["cat", "dog", "eel"])[np.arange(rows) % 3]),
        },
        metadata={"owner": "tests"},
    )


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": [3, 1, 2],
            "f": [0.5, np.nan, 2.5],
            "s": ["x", "y", None],
            "c": pd.Categorical(["lo", "hi", "lo"]),
            "t": pd.to_datetime(["2024-01-01", "2024-06-01", "2025-01-01"]).tz_localize("UTC"),
        },
        index=pd.Index(["r3", "r1", "r2"], name="row"),
    )


@pytest.mark.parametrize("handler", ["parquet", "arrow"])
def test_table_round_trip_million_rows(tmp_path: Path, handler: str):
    table = big_table()
    back, meta, _ = roundtrip(tmp_path, table, handler)
    assert isinstance(back, pa.Table)
    assert back.equals(table)
    assert back.schema.equals(table.schema, check_metadata=True)
    assert meta.metadata == {"rows": 1_000_000, "columns": 3}
    assert meta.python_type == "pyarrow.lib.Table"


@pytest.mark.parametrize("handler", ["parquet", "arrow"])
def test_dataframe_round_trip_keeps_index_and_dtypes(tmp_path: Path, handler: str):
    frame = sample_frame()
    back, meta, _ = roundtrip(tmp_path, frame, handler)
    assert type(back) is pd.DataFrame
    pd.testing.assert_frame_equal(back, frame)
    assert meta.metadata == {"rows": 3, "columns": 5}


@pytest.mark.parametrize("handler", ["parquet", "arrow"])
def test_table_from_pandas_stays_a_table(tmp_path: Path, handler: str):
    table = pa.Table.from_pandas(sample_frame())
    back, _, _ = roundtrip(tmp_path, table, handler)
    assert isinstance(back, pa.Table)
    assert back.schema.metadata == table.schema.metadata
    if handler == "parquet":  # Parquet keeps values, not every Arrow type: cast back
        assert back.schema.field("c").type.value_type != table.schema.field("c").type.value_type
        back = back.cast(table.schema)
    assert back.equals(table)


@pytest.mark.parametrize(
    ("handler", "value"),
    [
        ("pickle", {"a": [1, 2, 3], "b": "text"}),
        ("cloudpickle", {"a": [1, 2, 3], "b": "text"}),
        ("json", {"a": [1, 2, 3], "b": "text"}),
        ("parquet", "table"),
        ("arrow", "table"),
        ("parquet", "frame"),
        ("arrow", "frame"),
    ],
)
def test_same_value_gives_same_bytes_and_sidecar(tmp_path: Path, handler: str, value):
    made = {"table": lambda: big_table(50_000), "frame": sample_frame}
    paths = []
    for name in ("first", "second"):
        obj = made[value]() if isinstance(value, str) else value
        _, _, path = roundtrip(tmp_path, obj, handler, name=name)
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert (tmp_path / "first.meta.json").read_bytes() == (
        tmp_path / "second.meta.json"
    ).read_bytes()
