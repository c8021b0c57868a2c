"""YAML text and files: several documents, Kubernetes-style scalars, clear input errors."""

from __future__ import annotations

import pytest
import yaml

from axl.compiler.argo.lint import Finding, LintInputError, format_finding, lint_file, lint_text
from tests.lint.documents import pipeline


def dump(*docs):
    return yaml.safe_dump_all(docs, sort_keys=False)


def test_several_documents_prefix_paths_with_their_index():
    bad = pipeline()
    bad["spec"]["entrypoint"] = "nope"
    assert lint_text(dump(pipeline(), bad)) == [
        Finding(
            "[1].spec.entrypoint",
            "entrypoint",
            "entrypoint 'nope' is not a template of this Workflow",
        )
    ]
    assert [f.path for f in lint_text(dump(pipeline(), {"kind": "Pod"}))] == ["[1].kind"]
    assert [f.path for f in lint_text(dump(pipeline(), ["x"]))] == ["[1]"]


def test_a_single_document_has_plain_paths_and_empty_documents_are_skipped():
    bad = pipeline()
    bad["spec"]["entrypoint"] = "nope"
    assert [f.path for f in lint_text("---\n" + dump(bad) + "---\n")] == ["spec.entrypoint"]


def test_timestamps_stay_strings_as_kubernetes_reads_them():
    doc = pipeline()
    doc["metadata"]["creationTimestamp"] = "PLACEHOLDER"
    text = dump(doc).replace("PLACEHOLDER", "2024-01-02T03:04:05Z")
    assert "'2024" not in text
    assert lint_text(text) == []


def test_invalid_yaml_names_the_place():
    with pytest.raises(LintInputError, match=r"wf\.yaml is not valid YAML \(line 2, column 1\)"):
        lint_text("a: [\n", source="wf.yaml")


def test_no_document():
    with pytest.raises(LintInputError, match="the text holds no YAML document"):
        lint_text("# nothing\n")


def test_lint_file(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(dump(pipeline()))
    assert lint_file(path) == []
    assert lint_file(str(path), strict_names=True) == []
    with pytest.raises(LintInputError, match=r"missing\.yaml does not exist"):
        lint_file(tmp_path / "missing.yaml")
    with pytest.raises(LintInputError, match="is a directory"):
        lint_file(tmp_path)
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LintInputError, match="is not UTF-8 text"):
        lint_file(path)


def test_format_finding():
    assert format_finding(Finding("spec.entrypoint", "entrypoint", "bad")) == (
        "spec.entrypoint: bad [entrypoint]"
    )
    assert format_finding(Finding("", "kind", "odd", "warning")) == (
        "(document): warning: odd [kind]"
    )
