"""axl.dataclass_json: plain data out, strict data in, for any annotated dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from axl.dataclass_json import DataError, load, plain


@dataclass(frozen=True, kw_only=True)
class Part:
    name: str
    size: float = 0.0


@dataclass(kw_only=True)
class Whole:
    kind: Literal["a", "b"]
    parts: list[Part] = field(default_factory=list)
    by_name: dict[str, Part] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    extra: Any = None
    count: int | None = None


def test_round_trip_of_nested_lists_dicts_and_tuples():
    whole = Whole(
        kind="a",
        parts=[Part(name="x", size=1.5)],
        by_name={"y": Part(name="y")},
        tags=("t",),
        extra={"k": (1, 2)},
        count=3,
    )
    data = plain(whole)
    assert data == {
        "kind": "a",
        "parts": [{"name": "x", "size": 1.5}],
        "by_name": {"y": {"name": "y", "size": 0.0}},
        "tags": ["t"],
        "extra": {"k": [1, 2]},
        "count": 3,
    }
    again = load(Whole, data)
    assert again == Whole(**{**whole.__dict__, "extra": {"k": [1, 2]}})
    assert isinstance(again.tags, tuple) and isinstance(again.parts, list)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], r"Whole: expected an object, got list"),
        ({"kind": "c"}, r"Whole\.kind: expected one of \['a', 'b'\], got 'c'"),
        ({}, r"Whole: missing field 'kind'"),
        ({"kind": "a", "more": 1}, r"Whole: unknown field 'more'"),
        ({"kind": "a", "count": True}, r"Whole\.count: expected int, got a boolean"),
        ({"kind": "a", "parts": [{"name": 1}]}, r"Whole\.parts\[0\]\.name: expected str, got int"),
        ({"kind": "a", "by_name": {"y": 3}}, r"Whole\.by_name\.y: expected an object, got int"),
        ({"kind": "a", "tags": "t"}, r"Whole\.tags: expected a list, got str"),
    ],
)
def test_load_refuses_with_the_path_of_the_bad_field(data, message):
    with pytest.raises(DataError, match=message):
        load(Whole, data)


def test_a_whole_number_is_taken_for_a_float():
    assert load(Part, {"name": "x", "size": 2}).size == 2.0
    assert isinstance(load(Part, {"name": "x", "size": 2}).size, float)
