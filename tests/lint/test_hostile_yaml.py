"""Hostile YAML given to ``axl lint``: one clear error, exit code 2, at once; never a crash."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from axl.cli.app import app
from axl.compiler.argo.lint import LintInputError, lint_document, lint_text
from axl.compiler.argo.lint.bounds import MAX_ALIAS_NODES, MAX_DEPTH
from tests.lint.documents import pipeline

runner = CliRunner()
HEAD = (
    "apiVersion: argoproj.io/v1alpha1\n"
    "kind: Workflow\n"
    "metadata: {generateName: hostile-}\n"
    "spec:\n"
    "  entrypoint: main\n"
    "  templates:\n"
    "  - name: main\n"
    "    container: {image: alpine}\n"
)


def lint_file(tmp_path, text: str):
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["lint", str(path)])
    return path, result


def assert_one_error(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    first, *rest = result.stderr.splitlines()
    assert first.startswith("error: ") and message in first, first
    assert [line for line in rest if not line.startswith("  hint: ")] == []
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("null", "null"),
        ("~", "null"),
        ("1", "1 (an integer)"),
        ("true", "true (a boolean)"),
        ("1.5", "1.5 (a number)"),
        ("[a, b]", "a list"),
        ("{a: 1}", "a mapping"),
    ],
)
def test_a_key_that_is_not_a_string_is_one_error_with_its_line(tmp_path, key, shown):
    path, result = lint_file(tmp_path, HEAD + f"    metadata:\n      labels: {{{key}: x}}\n")
    assert_one_error(
        result,
        f"{path} (line 10, column 16): a mapping key must be a string, not {shown}",
    )
    assert "quote the key" in result.stderr


def test_a_key_brought_in_by_a_merge_is_checked_and_quoted_keys_pass():
    text = "defaults: &d {1: x}\n" + HEAD + "    <<: *d\n"
    with pytest.raises(LintInputError, match=r"\(line 1, column 15\).*not 1 \(an integer\)"):
        lint_text(text)
    text = HEAD + "    metadata:\n      annotations: {'null': a, '1': b, 2024-01-01: c}\n"
    assert lint_text(text) == []


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("&a [*a]", "spec.arguments[0]"),
        ("&a {b: *a}", "spec.arguments.b"),
        ("&a {b: [{c: *a}]}", "spec.arguments.b[0].c"),
    ],
)
def test_a_recursive_alias_is_one_error(tmp_path, value, where):
    _, result = lint_file(tmp_path, HEAD + f"  arguments: {value}\n")
    assert_one_error(result, f"{where} contains itself (a recursive YAML alias)")


def _laughs(levels: int, indent: int = 6, width: int = 9) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(" " * indent + line for line in lines)


def test_billion_laughs_is_refused_at_once(tmp_path):
    text = HEAD + "  podMetadata:\n    annotations:\n" + _laughs(10) + "\n"
    assert len(text) < 1500
    _, result = lint_file(tmp_path, text)
    assert_one_error(result, f"its aliases stand for more than {MAX_ALIAS_NODES} extra nodes")
    assert "an alias bomb" in result.stderr


def test_aliases_that_share_defaults_lint_as_before():
    templates = "".join(
        f"  - name: t{i}\n    container:\n      <<: *c\n      args: ['{i}']\n" for i in range(300)
    )
    text = (
        "x-defaults: &c {image: alpine, command: [python, -m, app], env: [{name: A, value: b}]}\n"
        + HEAD
        + templates
    )
    findings = lint_text(text)
    assert {f.rule for f in findings} <= {"unknown-field", "crd-limit"}
    with pytest.raises(LintInputError, match="alias bomb"):
        lint_text(HEAD + "  arguments:\n" + _laughs(7, indent=4))


@pytest.mark.parametrize("aliased", [False, True])
def test_nesting_deeper_than_the_limit_is_one_error(tmp_path, aliased):
    if aliased:  # each alias nests the one before 60 levels deeper
        lines = ["a0: &a0 " + "[" * 60 + "]" * 60]
        lines += [f"a{i}: &a{i} " + "[" * 60 + f"*a{i - 1}" + "]" * 60 for i in range(1, 5)]
        value = "\n" + "\n".join(f"    {line}" for line in lines)
    else:
        value = "[" * 900 + "]" * 900
    _, result = lint_file(tmp_path, HEAD + f"  arguments: {value}\n")
    assert_one_error(result, f"nests deeper than {MAX_DEPTH} levels")


def test_stdin_that_is_not_utf8_is_one_error():
    result = runner.invoke(app, ["lint", "-"], input=b"kind: \xff\xfe\n")
    assert_one_error(result, "stdin is not UTF-8 text (byte 6)")


def test_a_python_document_with_odd_keys_gives_findings():
    doc = pipeline()
    doc["spec"].update({1.5: "x", None: "y", (1, 2): "z"})
    paths = {f.path for f in lint_document(doc)}
    assert {"spec[1.5]", "spec[None]", "spec[(1, 2)]"} <= paths
    shared: list = []
    shared.append(shared)
    doc["spec"]["arguments"] = shared
    with pytest.raises(LintInputError, match=r"spec\.arguments\[0\] contains itself"):
        lint_document(doc)
