"""The fast pre-check never accepts what jsonschema rejects, and accepts valid documents."""

from __future__ import annotations

import glob

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from axl.compiler.argo.lint.fastcheck import compile_check
from axl.compiler.argo.lint.schema_check import _parts, kind_schemas
from axl.compiler.argo.lint.schemas import default_schema_dir
from tests.lint.documents import SHARED, big_workflow, pipeline, task

SCHEMAS = [
    {"type": "integer"},
    {"type": "number", "minimum": 0, "maximum": 10},
    {"type": ["integer", "string"]},
    {"enum": ["a", 1, True]},
    {"const": 0},
    {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3, "minLength": 1},
    {"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 2},
    {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"$ref": "#/definitions/b"}},
        "required": ["a"],
        "additionalProperties": False,
        "definitions": {"b": {"type": "array", "items": {"$ref": "#/definitions/b"}}},
    },
    {"type": "object", "additionalProperties": {"type": "integer"}},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    {"not": {"type": "string"}},
]
PAIRS = [(compile_check(s), Draft202012Validator(s)) for s in SCHEMAS]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "x1", "c"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_a_yes_is_always_right(value):
    for schema, (check, validator) in zip(SCHEMAS, PAIRS):
        if check(value):
            assert validator.is_valid(value), (schema, value)


def test_exact_answers_on_simple_values():
    check = compile_check(SCHEMAS[9])
    assert check({"a": "x", "b": [[], [[]]]})
    assert not check({"a": "x", "b": [[1]]})
    assert not check({"a": "x", "z": 1})
    assert not check({"b": []})
    assert not compile_check({"type": "integer"})(True)
    assert not compile_check({"type": "integer"})(1.0)  # unsure: jsonschema decides


def _documents():
    docs = [pipeline(), big_workflow(3)]
    if SHARED.is_dir():
        docs += [
            yaml.safe_load(open(p)) for p in sorted(glob.glob(str(SHARED / "examples/*.yaml")))
        ]
    bad = pipeline()
    task(bad, "consume")["arguments"]["parameters"][0]["colour"] = 1
    bad["spec"]["templates"][1]["retryStrategy"] = {"limit": 1.5, "backoff": {"factor": 2}}
    return docs, bad


def test_valid_documents_pass_the_fast_check_and_invalid_parts_fail_it():
    schemas = kind_schemas(default_schema_dir(), "Workflow")
    valid, bad = _documents()
    for doc in valid:
        for _, value, is_template in _parts(doc):
            for part in schemas.template if is_template else schemas.document:
                assert part.gate(value)
    failing = [
        path
        for path, value, is_template in _parts(bad)
        for part in (schemas.template if is_template else schemas.document)
        if not part.gate(value)
    ]
    assert (
        failing
        == [
            (),
            (),
            ("spec", "templates", 0),
            ("spec", "templates", 0),
            ("spec", "templates", 1),
            ("spec", "templates", 1),
        ][2:]
    )
