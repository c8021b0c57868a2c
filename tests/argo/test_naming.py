"""Kubernetes names: DNS-1123, stable hash suffixes, clashes never silent, linear time."""

from __future__ import annotations

import re
import sys

import pytest

from axl.naming import (
    MAX_NAME,
    NamingError,
    fit,
    is_name,
    label_value,
    name_hash,
    sanitize,
    unique_names,
)

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("load_data", "load-data"),
        ("LoadData", "loaddata"),
        ("__private__", "private"),
        ("a..b  c", "a-b-c"),
        ("_1st", "x-1st"),
        ("123", "x-123"),
        ("___", "x"),
        ("ünïcode", "n-code"),
    ],
)
def test_sanitize(text, expected):
    assert sanitize(text) == expected
    assert is_name(sanitize(text))


def test_valid_names_are_kept_and_changed_names_are_stable():
    names = unique_names(["load_data", "train", "evaluate"])
    assert names == {"load_data": "load-data", "train": "train", "evaluate": "evaluate"}
    assert unique_names(["train", "load_data"]) == {"train": "train", "load_data": "load-data"}


def test_clash_after_sanitising_suffixes_both_names_whatever_their_order():
    names = unique_names(["load_data", "load__data", "other"])
    assert names["load_data"] == f"load-data-{name_hash('load_data')}"
    assert names["load__data"] == f"load-data-{name_hash('load__data')}"
    assert names["other"] == "other"
    assert unique_names(["load__data", "load_data"]) == {
        "load__data": names["load__data"],
        "load_data": names["load_data"],
    }
    assert len(set(names.values())) == 3


def test_reserved_names_are_never_produced():
    names = unique_names(["main", "train"], reserved=("main",))
    assert names["main"] == f"main-{name_hash('main')}"
    assert names["train"] == "train"


def test_long_names_are_truncated_with_a_hash_of_the_original():
    long_a = "step_" + "x" * 80 + "_a"
    long_b = "step_" + "x" * 80 + "_b"
    names = unique_names([long_a, long_b])
    assert all(len(n) <= MAX_NAME and is_name(n) for n in names.values())
    assert names[long_a] != names[long_b]
    assert names[long_a].endswith("-" + name_hash(long_a))
    assert fit(long_a) == names[long_a]
    assert fit("short_one") == "short-one"


def test_a_suffixed_name_that_equals_a_plain_name_gets_a_longer_hash():
    clash = f"a-{name_hash('a_')}"
    names = unique_names(["a_", "a-", clash])
    assert names[clash] == clash
    assert len(set(names.values())) == 3
    assert names["a_"] != clash


def test_repeated_originals_are_refused():
    with pytest.raises(NamingError, match=r"repeated: \['a'\]"):
        unique_names(["a", "b", "a"])


def test_unique_names_is_linear():
    """Counted in function calls (Python and C), not seconds: the same on any machine."""

    def calls(n: int) -> int:
        names = [f"Step_{i}" for i in range(n)] + [f"step-{i}" for i in range(n)]
        count = 0

        def profile(_frame: object, event: str, _arg: object) -> None:
            nonlocal count
            if event in ("call", "c_call"):
                count += 1

        sys.setprofile(profile)
        try:
            result = unique_names(names)
        finally:
            sys.setprofile(None)
        assert len(set(result.values())) == 2 * n
        return count

    small, large = calls(2_000), calls(20_000)
    assert large < small * 10 * 1.5  # 10x the names: linear, not 100x


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.1.0", "0.1.0"), ("0.1.0+local", "0.1.0-local"), ("-x-", "x"), ("", "")],
)
def test_label_values(text, expected):
    assert label_value(text) == expected


def test_long_label_values_fit():
    value = label_value("v" * 100)
    assert len(value) <= 63 and LABEL_VALUE.match(value)
