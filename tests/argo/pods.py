"""A test double of Argo's controller, small enough to read: run a compiled document in-process.

For each DAG task, in dependency order, it evaluates ``depends`` and ``when``
the way Argo does for the forms the compiler writes, substitutes the
``{{...}}`` placeholders, moves every ``/axl/...`` path under a per-pod
folder (``/axl/data`` under one folder shared by the run), copies each input
artifact from the upstream pod's output artifact path, and calls the real
runner's ``main`` with the container's exact arguments. It checks the
compiler's contract with the runner; it is not a replacement for Argo.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axl.runtime.__main__ import main as runner_main

_PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
_DEPENDS_TERM = re.compile(r"([a-z0-9-]+)\.Succeeded")
_STRING = re.compile(r'("(?:[^"\\]|\\.)*")')
_WORDS = {"&&": " and ", "||": " or ", "!(": " not (", "true": "True", "false": "False"}


@dataclass
class Run:
    """What happened to each task, and where each pod's files went."""

    name: str
    root: Path
    phases: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def pod(self, task: str) -> Path:
        return self.root / "pods" / task

    def output_dir(self, task: str) -> Path:
        return self.pod(task) / "axl" / "outputs" / "output"


def run_document(doc: dict[str, Any], root: Path, params: dict[str, str] | None = None) -> Run:
    """Run every task of ``doc``; ``params`` are ``argo submit -p`` values (text)."""
    spec = doc["spec"]
    templates = {t["name"]: t for t in spec["templates"]}
    dag = templates[spec["entrypoint"]]["dag"]["tasks"]
    arguments = {p["name"]: p.get("value") for p in spec.get("arguments", {}).get("parameters", [])}
    arguments.update(params or {})
    missing = [name for name, value in arguments.items() if value is None]
    assert not missing, f"required parameters without value: {missing}"
    run = Run(name=f"{doc['metadata'].get('generateName', 'wf-')}abcde", root=root)
    pending = list(dag)
    while pending:
        task = next(t for t in pending if _ready(t, run))
        pending.remove(task)
        run.phases[task["name"]] = _execute(task, templates[task["template"]], run, arguments)
    return run


def _ready(task: dict[str, Any], run: Run) -> bool:
    return all(up in run.phases for up in _DEPENDS_TERM.findall(task.get("depends", "")))


def _execute(
    task: dict[str, Any], template: dict[str, Any], run: Run, arguments: dict[str, Any]
) -> str:
    depends = task.get("depends")
    if depends and not _evaluate(
        _DEPENDS_TERM.sub(lambda m: str(run.phases[m[1]] == "Succeeded").lower(), depends)
    ):
        return "Omitted"
    scope = {"workflow.name": run.name}
    scope.update({f"workflow.parameters.{k}": str(v) for k, v in arguments.items()})
    scope.update({f"tasks.{k}.outputs.parameters.value": v for k, v in run.values.items()})
    if "when" in task and not _evaluate(_substitute(task["when"], scope)):
        return "Skipped"
    pod = run.pod(task["name"])
    sources = {a["name"]: a["from"] for a in task.get("arguments", {}).get("artifacts", [])}
    for artifact in template.get("inputs", {}).get("artifacts", []):
        upstream = re.fullmatch(
            r"\{\{tasks\.([^.]+)\.outputs\.artifacts\.output\}\}", sources[artifact["name"]]
        )
        assert upstream, sources[artifact["name"]]
        shutil.copytree(run.output_dir(upstream[1]), _local(artifact["path"], pod, run))
    args = [_local_text(_substitute(a, scope), pod, run) for a in template["container"]["args"]]
    command = template["container"]["command"][-1]  # run, or the warm step's warm
    code = runner_main([command, *(["--no-fsync"] if command == "run" else []), *args])
    if code != 0:
        return "Failed"
    for parameter in template.get("outputs", {}).get("parameters", []):
        path = _local(parameter["valueFrom"]["path"], pod, run)
        run.values[task["name"]] = path.read_text(encoding="utf-8")
    for artifact in template.get("outputs", {}).get("artifacts", []):
        assert _local(artifact["path"], pod, run).is_dir(), artifact
    return "Succeeded"


def _substitute(text: str, scope: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        assert match[1] in scope, f"unresolved placeholder {match[0]}"
        return scope[match[1]]

    return _PLACEHOLDER.sub(value, text)


def _local(path: str, pod: Path, run: Run) -> Path:
    if path.startswith("/axl/data/"):
        return run.root / "data" / path.removeprefix("/axl/data/")
    assert path.startswith("/axl/"), path
    return pod / path.lstrip("/")


def _local_text(text: str, pod: Path, run: Run) -> str:
    text = text.replace('"/axl/data/', json.dumps(str(run.root / "data"))[:-1] + "/")
    return re.sub(r'"/axl/(?!data/)', lambda _: json.dumps(str(pod / "axl"))[:-1] + "/", text)


def _evaluate(expression: str) -> bool:
    """The ``when``/``depends`` forms the compiler writes, read as govaluate reads them."""
    parts = _STRING.split(expression)
    for i in range(0, len(parts), 2):
        text = parts[i]
        for word, python in _WORDS.items():
            text = text.replace(word, python)
        parts[i] = re.sub(r"\bnull\b", "None", text)
    result = eval("".join(parts), {"__builtins__": {}})  # noqa: S307 - test double, own input
    assert isinstance(result, bool), expression
    return result
