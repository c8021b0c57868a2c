"""Hostile params: every value is JSON data by the time a step sees it, or a one-line ParamsError."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from axl import Param, Workflow, step
from axl.dsl.params import load_params_file, merge_cli_params, parse_param_value
from axl.errors import ParamsError
from axl.param_wire import MAX_DEPTH, wire_value


class Open(Workflow):
    @step
    def a(self) -> int:
        return 1


class Dated(Workflow):
    day = Param(type=str)

    @step
    def a(self) -> str:
        return self.day


def write(tmp_path: Path, content: str | bytes, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_params_file_that_is_not_utf8_names_the_byte(tmp_path: Path):
    path = write(tmp_path, b"k: 1\nname: caf\xe9\n")
    with pytest.raises(ParamsError, match=r"p\.yaml is not UTF-8 text \(byte 0xe9 at offset 14\)"):
        load_params_file(path)


def test_yaml_dates_become_their_iso_text(tmp_path: Path):
    path = write(tmp_path, "day: 2024-01-01\nat: 2024-01-01 10:30:00\nmany: [2024-02-03]\n")
    assert load_params_file(path) == {
        "day": "2024-01-01",
        "at": "2024-01-01T10:30:00",
        "many": ["2024-02-03"],
    }
    # What a pod receives for `-p day=2024-01-01`, so a str param accepts it everywhere.
    assert parse_param_value("2024-01-01") == "2024-01-01"
    assert Dated({"day": load_params_file(path)["day"]}).day == "2024-01-01"


def test_api_params_are_made_json_data_too():
    wf = Dated({"day": datetime.date(2024, 1, 1)})
    assert wf.day == "2024-01-01"
    assert dict(Open({"t": (1, 2), "m": {2: "a", True: "b", None: "c", 0.5: "d"}}).params) == {
        "t": [1, 2],
        "m": {"2": "a", "true": "b", "null": "c", "0.5": "d"},
    }


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ({1, 2}, r"param 'x' holds a set, which is not JSON data"),
        (b"raw", r"param 'x' holds a bytes, which is not JSON data"),
        (float("nan"), r"param 'x' is nan, which is not a JSON number"),
        ({"a": [1, float("inf")]}, r"param 'x'\.a\[1\] is inf, which is not a JSON number"),
        ({"k": object()}, r"param 'x'\.k holds a object"),
        ({1: "a", "1": "b"}, r"keys 1 and '1' are the same in JSON"),
        ("\ud800", r"param 'x' is text that is not valid Unicode"),
        pytest.param(10**5000, r"param 'x' is an integer too large", id="huge-int"),
    ],
)
def test_values_that_are_not_json_data_are_refused_naming_the_param(value, pattern):
    with pytest.raises(ParamsError, match=pattern):
        Open({"x": value})


def test_deep_flags_are_refused_not_a_recursion_error():
    for depth in (MAX_DEPTH + 1, 5_000, 200_000):
        text = "[" * depth + "]" * depth
        with pytest.raises(ParamsError, match=r"--param x is nested deeper than 100 levels"):
            merge_cli_params(None, [f"x={text}"])
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert merge_cli_params(None, [f"x={ok}"])["x"] is not None


def test_nan_infinity_and_overflowing_numbers_stay_text():
    assert parse_param_value("NaN") == "NaN"
    assert parse_param_value("-Infinity") == "-Infinity"
    assert parse_param_value("1e999") == "1e999"
    assert parse_param_value("[1e999]") == "[1e999]"
    assert parse_param_value("9" * 5000) == "9" * 5000


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (
            "x: " + "[" * 5000 + "]" * 5000 + "\n",
            r"nested (too deeply|deeper than 100)|exceeded maximum nesting depth",
        ),
        ("a: &a [*a]\n", r"param 'a' is nested deeper than 100 levels \(or refers to itself\)"),
        ("n: " + "9" * 5000 + "\n", r"holds a value YAML cannot read"),
        (
            "d: 2024-13-45\n",
            r"holds a value YAML cannot read: ValueError: month must be in 1\.\.12",
        ),
        ("yes: 1\n", r"key True is not a param name but a bool .*quote it"),
        ("1: a\n", r"key 1 is not a param name"),
        ("s: !!set {a, b}\n", r"param 's' holds a set"),
        ("b: !!binary aGVsbG8=\n", r"param 'b' holds a bytes"),
        ("f: .nan\n", r"param 'f' is nan"),
        ("just text\n", r"must hold a mapping of name to value, not str"),
        ("t: !!timestamp x\n", r"holds a value YAML cannot read: AttributeError"),
    ],
)
def test_hostile_params_files(tmp_path: Path, content: str, pattern: str):
    with pytest.raises(ParamsError, match=pattern):
        load_params_file(write(tmp_path, content))


def test_a_yaml_alias_bomb_fails_fast(tmp_path: Path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    with pytest.raises(ParamsError, match=r"holds more than 1,000,000 values"):
        load_params_file(write(tmp_path, "\n".join(lines) + "\n"))


def test_shared_yaml_anchors_within_bounds_are_expanded(tmp_path: Path):
    path = write(tmp_path, "base: &b {lr: 0.1}\nfast: *b\n")
    values = load_params_file(path)
    assert values == {"base": {"lr": 0.1}, "fast": {"lr": 0.1}}
    assert values["base"] is not values["fast"]


def test_a_nul_in_the_params_path_is_a_params_error():
    with pytest.raises(ParamsError, match="cannot read params file"):
        load_params_file(Path("p\x00.yaml"))


def test_a_huge_flag_is_quoted_short():
    with pytest.raises(ParamsError) as caught:
        merge_cli_params(None, ["x" * 100_000])
    assert len(caught.value.message) < 200
    assert "... (100,002 characters)" in caught.value.message


def test_wire_value_does_not_share_or_mutate_its_input():
    given = {"a": [1, {"b": (2,)}]}
    out = wire_value(given, "param")
    assert out == {"a": [1, {"b": [2]}]}
    assert given == {"a": [1, {"b": (2,)}]}
