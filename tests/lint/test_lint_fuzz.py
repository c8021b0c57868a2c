"""Fuzzing the lint's input: whatever the bytes, findings or one clear error, never a crash.

Generated documents mix Argo-shaped skeletons with random nested values
(keys that are not strings, shared and self-containing parts that YAML
writes as anchors and aliases), random text, random bytes and damaged YAML.
Each goes through the functions ``axl lint`` calls; a few go through the CLI.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from axl.cli.app import app
from axl.compiler.argo.lint import Finding, LintInputError, lint_text
from axl.compiler.argo.lint.text import decode_text
from axl.errors import EXIT_INTERNAL, EXIT_USAGE, AxlError

MAX_SECONDS_PER_INPUT = 2.0

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["{{inputs.parameters.x}}", "{{tasks.a.outputs.result}}", "main", "a && b"]),
)
keys = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["name", "template", "dag", "tasks", "steps", "container", "image", "args"]),
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@st.composite
def shared(draw: Any, value: Any) -> Any:
    """``value`` with some of its lists and mappings reused elsewhere, or put inside themselves."""
    containers: list[Any] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict | list):
            containers.append(node)
            for child in node.values() if isinstance(node, dict) else node:
                collect(child)

    collect(value)
    for _ in range(draw(st.integers(0, 3)) if containers else 0):
        target = draw(st.sampled_from(containers))
        reused = draw(st.sampled_from(containers))
        if isinstance(target, list):
            target.append(reused)
        else:
            target[draw(st.text(max_size=4))] = reused
    return value


@st.composite
def argo_documents(draw: Any) -> Any:
    """A Workflow skeleton with random values dropped in at Argo's own fields."""
    template: dict[Any, Any] = {"name": "main", "container": {"image": "alpine"}}
    doc: dict[Any, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": draw(st.sampled_from(["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"])),
        "metadata": {"generateName": "fuzz-"},
        "spec": {"entrypoint": "main", "templates": [template]},
    }
    places = [doc, doc["metadata"], doc["spec"], template, template["container"]]
    for _ in range(draw(st.integers(1, 4))):
        place = draw(st.sampled_from(places))
        field = draw(
            keys | st.sampled_from(["dag", "steps", "inputs", "outputs", "arguments", "templates"])
        )
        place[field] = draw(values)
    return draw(shared(doc))


def _dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=yaml.SafeDumper, default_flow_style=None)


@st.composite
def yaml_texts(draw: Any) -> str:
    text = _dump(draw(argo_documents() | shared(draw(values))))
    if draw(st.booleans()):  # damage it: insert, cut or repeat a slice
        at = draw(st.integers(0, len(text)))
        noise = draw(st.text(max_size=6) | st.sampled_from(["&a ", "*a", "<<: ", ":", "- ", "\t"]))
        text = text[:at] + noise + text[at + draw(st.integers(0, 3)) :]
    return text


inputs = st.one_of(
    yaml_texts(),
    yaml_texts().map(lambda text: text.encode("utf-8")),
    st.binary(max_size=200),
    st.text(max_size=200),
    st.lists(yaml_texts(), min_size=2, max_size=3).map("---\n".join),
)


def lint_input(data: str | bytes) -> list[Finding] | AxlError:
    """What ``axl lint`` does with a file's bytes (or text), in-process."""
    try:
        text = decode_text(data, "fuzz") if isinstance(data, bytes) else data
        return lint_text(text, source="fuzz")
    except AxlError as error:
        return error


@pytest.mark.slow
@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(inputs)
def test_any_input_gives_findings_or_one_input_error(data):
    started = time.perf_counter()
    outcome = lint_input(data)
    assert time.perf_counter() - started < MAX_SECONDS_PER_INPUT
    if isinstance(outcome, AxlError):
        assert isinstance(outcome, LintInputError)
        assert outcome.exit_code == EXIT_USAGE
        assert "\n" not in outcome.message and outcome.message.startswith("fuzz")
    else:
        assert all(isinstance(f, Finding) and f.message for f in outcome)


runner = CliRunner()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(yaml_texts().map(lambda text: text.encode("utf-8")), st.binary(max_size=100)))
def test_the_cli_never_reports_an_internal_error(data):
    result = runner.invoke(app, ["lint", "-"], input=data)
    assert result.exit_code in (0, 1, 2)
    assert result.exit_code != EXIT_INTERNAL
    assert "internal error" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
