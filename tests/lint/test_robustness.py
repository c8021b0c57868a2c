"""A malformed document gives findings, never an exception (the rules do not trust the schema)."""

from __future__ import annotations

import copy
import random
from typing import Any

from axl.compiler.argo.lint import lint_document
from tests.lint.documents import big_workflow, pipeline

ODD_VALUES: list[Any] = [
    None,
    1,
    2.5,
    True,
    "",
    "x",
    "0abc",
    "{{",
    "A && (",
    "{{tasks.a.outputs.artifacts.b}}",
    "{{steps.x.outputs.parameters.y}}",
    "{{inputs.parameters.z}}",
    [],
    {},
    [[{}]],
    {1: "x"},
    {"name": 3},
    {"template": "x"},
    {"dag": {"tasks": [{"name": "a", "depends": "a"}]}},
]


def _paths(value: Any, path: tuple[Any, ...] = ()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return doc


def test_random_damage_never_raises():
    rng = random.Random(20240601)
    bases = [pipeline(), big_workflow(2)]
    for _ in range(400):
        doc = copy.deepcopy(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(list(_paths(doc)))
            doc = _replace(doc, path, copy.deepcopy(rng.choice(ODD_VALUES)))
        findings = lint_document(doc, strict_names=True)
        assert all(f.path is not None and f.message for f in findings)
