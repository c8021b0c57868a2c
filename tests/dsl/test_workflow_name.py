"""A workflow's name follows the rule of every name axl emits: a label that starts with a letter.

The name becomes a ``WorkflowTemplate``'s ``metadata.name`` and a Workflow's
``generateName``. Kubernetes would take a leading digit there, but axl's own
check of its output (``strict-name``) would not, so the class is refused when
it is defined rather than at compile time.
"""

from __future__ import annotations

import pytest

from axl import Workflow, step
from axl.compiler.argo import ArgoOptions, compile
from axl.compiler.argo.lint import lint_document
from axl.dsl.workflow import default_workflow_name
from axl.errors import StepOptionError
from axl.ir import build
from axl.naming import is_name


def _workflow(name: str) -> type[Workflow]:
    def a(self: Workflow) -> int:
        return 1

    return type("Named", (Workflow,), {"name": name, "a": step(a), "__module__": __name__})


@pytest.mark.parametrize("name", ["a", "a1", "train-2", "x" * 63])
def test_a_valid_name_compiles_to_a_document_the_strict_lint_accepts(name: str) -> None:
    ir = build(_workflow(name)).ir

    for kind in ("workflow", "workflow-template"):
        document = compile(ir, ArgoOptions(kind=kind))  # type: ignore[arg-type]
        assert list(lint_document(document, strict_names=True)) == []


@pytest.mark.parametrize("name", ["1abc", "9", "-a", "a-", "a.b", "A", "a_b", "x" * 64])
def test_an_invalid_name_is_refused_when_the_class_is_defined(name: str) -> None:
    with pytest.raises(StepOptionError) as raised:
        _workflow(name)

    assert raised.value.message == (
        f"workflow Named: name {name!r} must be lower-case letters, digits and '-', "
        "starting with a letter (at most 63 characters)"
    )
    suggested = raised.value.hint.removeprefix("e.g. name = ").strip("'")
    assert is_name(suggested)


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [("IrisKNN", "iris-knn"), ("_2D", "workflow-2-d"), ("X" * 80, "x" * 63), ("_", "workflow")],
)
def test_a_derived_name_follows_the_same_rule(class_name: str, expected: str) -> None:
    assert default_workflow_name(class_name) == expected
    assert is_name(expected)
