"""The YAML emitter: every document reads back equal, with PyYAML; output is deterministic."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axl.compiler.yaml_render import to_yaml

TRICKY = [
    "",
    " ",
    "  lead",
    "trail ",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "none",
    "0",
    "007",
    "1.5",
    "1e5",
    "1e-5",
    ".5",
    "-1",
    "+1",
    "0x1F",
    "0o17",
    "1_000",
    "12:30",
    "12:30:45",
    "2024-01-01",
    ".inf",
    "-.inf",
    ".nan",
    "=",
    "<<",
    "-",
    "--",
    "---",
    "...",
    "- a",
    "? q",
    ": c",
    "a: b",
    "a:",
    "a:b",
    "a #b",
    "a#b",
    "#c",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "{{workflow.name}}",
    "{}",
    "[]",
    "[a, b]",
    "'quoted'",
    '"double"',
    "it's",
    "back\\slash",
    "line\nbreak",
    "tab\there",
    "cr\rx",
    "\n",
    "trailing\n",
    "\x00nul",
    "\x07bell",
    "\x1bescape",
    "\x85nel",
    "\xa0nbsp",
    "\u2028ls",
    "\ufeffbom",
    "\ud800",
    "é",
    "日本語",
    "emoji 🎉",
    "ghcr.io/axl-workflows/runner:0.1.0",
    "--manifest-json",
    "-m",
    "a.Succeeded && b.Succeeded",
    '{"json":[1,2]}',
    "k=v",
    "x" * 300,
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_read_back_as_the_same_text(text):
    doc = {"value": text, text or "empty-key": [text], "nested": {"deep": [{"k": text}]}}
    assert yaml.safe_load(to_yaml(doc)) == doc


@pytest.mark.parametrize("value", [0, -7, 10**30, 0.1, -2.5, 1e16, 1e-7, 3.0, True, False, None])
def test_scalars_keep_their_type(value):
    assert yaml.safe_load(to_yaml({"v": value})) == {"v": value}
    assert yaml.safe_load(to_yaml([value])) == [value]


def test_special_floats():
    back = yaml.safe_load(to_yaml({"a": math.inf, "b": -math.inf, "c": math.nan}))
    assert back["a"] == math.inf and back["b"] == -math.inf and math.isnan(back["c"])


def test_block_style_with_sorted_keys():
    doc = {"b": {"z": 1, "x": [1, {"k": "v", "a": []}]}, "a": [[1, 2], {}], "c": {}}
    assert to_yaml(doc) == (
        "a:\n- - 1\n  - 2\n- {}\nb:\n  x:\n  - 1\n  - a: []\n    k: v\n  z: 1\nc: {}\n"
    )


def test_words_other_yaml_readers_take_for_booleans_are_quoted():
    # YAML 1.1 readers (go-yaml v2, used by kubectl) read y/n/on/off as booleans.
    assert to_yaml(["y", "N", "on", "Off", "yes", "true", "null", "~"]) == (
        "- 'y'\n- 'N'\n- 'on'\n- 'Off'\n- 'yes'\n- 'true'\n- 'null'\n- '~'\n"
    )


def test_top_level_scalars_and_empty_containers():
    for doc in ("text", 3, None, [], {}):
        assert yaml.safe_load(to_yaml(doc)) == doc


def test_rejects_what_it_cannot_write():
    with pytest.raises(TypeError, match="mapping keys must be text"):
        to_yaml({1: "a"})
    with pytest.raises(TypeError, match="cannot render set"):
        to_yaml({"a": {1}})
    with pytest.raises(ValueError, match="longer than 1000"):
        to_yaml({"k" * 1001: 1})


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(TRICKY)
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=20) | st.sampled_from(TRICKY), children, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents_round_trip(doc):
    text = to_yaml(doc)
    assert yaml.safe_load(text) == doc
    assert to_yaml(doc) == text
