"""Every command with ``--json`` prints one JSON object that its documented schema accepts.

The shapes are documented in ``docs/json-output.schema.json`` (one definition
per command, and the one error shape). Each case below runs a real command
line as a process and validates what it printed against the definition it
names; the last test checks that the cases cover every command the CLI has,
so that a new command cannot go without a documented shape.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import typer.main

from axl.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "json-output.schema.json").read_text(encoding="utf-8"))

CACHED = """\
from axl import Workflow, step


class Cached(Workflow):
    @step(cache=True)
    def numbers(self) -> list[int]:
        return [1, 2, 3]

    @step(cache=True)
    def total(self, numbers: list[int]) -> int:
        return sum(numbers)
"""

FAILING = """\
from axl import Workflow, step


class Failing(Workflow):
    @step
    def first(self) -> int:
        return 1

    @step
    def boom(self, first: int) -> int:
        raise ValueError("no good")
"""

BAD_ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: bad-
spec:
  entrypoint: missing
  templates:
    - name: main
      container:
        image: busybox
"""


@dataclass(frozen=True)
class Case:
    """One command line, the schema definition its output must match, its exit code."""

    name: str
    argv: tuple[str, ...]
    shape: str
    exit_code: int = 0


def case(name: str, argv: str, shape: str, exit_code: int = 0) -> Case:
    return Case(name, tuple(argv.split()), shape, exit_code)


CASES = [
    case("validate", "validate -m quickstart.py", "validate"),
    case("validate-bad-target", "validate -m nowhere.py:Nope", "error", 2),
    case("validate-bad-param", "validate -m quickstart.py --param nope=1", "error", 2),
    case("graph", "graph -m quickstart.py", "graph"),
    case("graph-dot-file", "graph -m quickstart.py --format dot --out g.dot", "graph"),
    case("graph-bad-format", "graph -m quickstart.py --format gif", "error", 2),
    case("compile-argo", "compile -m quickstart.py --target argo --out wf.yaml", "compile"),
    case("compile-kfp", "compile -m quickstart.py --target kfp --out p.yaml", "compile"),
    case("compile-dagster", "compile -m quickstart.py --target dagster --out d.py", "compile"),
    case("compile-no-out", "compile -m quickstart.py --target argo", "error", 2),
    case("lint-clean", "lint compiled.yaml", "lint"),
    case("lint-findings", "lint bad.yaml", "lint", 1),
    case("lint-not-yaml", "lint quickstart.py", "error", 2),
    case("package", "package -m quickstart.py --out pkg", "package"),
    case(
        "build-image-context",
        "build-image -m quickstart.py -t localhost/q:1 --no-build --context-out ctx.tar"
        " --base localhost/base@sha256:" + "0" * 64,
        "build-image",
    ),
    case("run-local", "run local -m quickstart.py --workspace ws-new", "run-local"),
    case("run-local-failed", "run local -m failing.py:Failing --workspace ws-new", "run-local", 3),
    case("run-local-bad-param", "run local -m quickstart.py --param nope=1", "error", 2),
    case(
        "kfp-upload-unreachable",
        "kfp upload -m quickstart.py --host http://127.0.0.1:9",
        "error",
        5,
    ),
    case("kfp-run-unreachable", "kfp run -m quickstart.py --host http://127.0.0.1:9", "error", 5),
    case("runs-ls", "runs ls --workspace ws-runs", "runs-ls"),
    case("runs-show", "runs show 2 --workspace ws-runs", "runs-show"),
    case("runs-show-unknown", "runs show nope --workspace ws-runs", "error", 2),
    case("runs-report", "runs report 2 --out report.html --workspace ws-runs", "runs-report"),
    case("runs-gc", "runs gc --keep 1 --dry-run --workspace ws-runs", "runs-gc"),
    case("cache-ls", "cache ls --workspace ws", "cache-ls"),
    case("cache-gc", "cache gc --older-than 7d --workspace ws", "cache-gc"),
    case("cache-clear-unconfirmed", "cache clear --workspace ws", "error", 2),
    case("cache-clear", "cache clear --yes --workspace ws-clear", "cache-gc"),
    case(
        "cache-explain",
        "cache explain -m cached.py:Cached --step total --workspace ws",
        "cache-explain",
    ),
    case(
        "cache-explain-uncached",
        "cache explain -m quickstart.py --step greet --workspace ws",
        "error",
        2,
    ),
    case("usage-unknown-option", "validate -m quickstart.py --no-such-option", "error", 2),
    case("usage-bad-value", "run local -m quickstart.py --max-parallel many", "error", 2),
    case("usage-unknown-command", "no-such-command", "error", 2),
]


def axl(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run(
        [sys.executable, "-m", "axl", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the quickstart, a cached and a failing workflow, and workspaces
    the runs and cache commands read: ``ws`` and ``ws-clear`` with a cached run,
    ``ws-runs`` with one run (so that the run id prefix ``2`` is unique there)."""
    root = tmp_path_factory.mktemp("json-output")
    (root / "pyproject.toml").write_text('[project]\nname = "json-output"\nversion = "0"\n')
    (root / "quickstart.py").write_text((ROOT / "examples" / "quickstart.py").read_text())
    (root / "cached.py").write_text(CACHED)
    (root / "failing.py").write_text(FAILING)
    (root / "bad.yaml").write_text(BAD_ARGO)
    for argv in (
        ("compile", "-m", "quickstart.py", "--target", "argo", "--out", "compiled.yaml"),
        ("run", "local", "-m", "cached.py:Cached", "--workspace", "ws"),
        ("run", "local", "-m", "cached.py:Cached", "--workspace", "ws-clear"),
        ("run", "local", "-m", "quickstart.py", "--workspace", "ws-runs"),
    ):
        done = axl(root, *argv)
        assert done.returncode == 0, done.stderr
    yield root


def check(doc: object, shape: str) -> None:
    schema = {**SCHEMA, "$ref": f"#/$defs/{shape}"}
    schema.pop("anyOf")
    jsonschema.Draft202012Validator(schema).validate(doc)


@pytest.mark.parametrize("item", CASES, ids=[c.name for c in CASES])
def test_the_output_matches_its_documented_shape(project: Path, item: Case) -> None:
    done = axl(project, *item.argv, "--json")
    assert done.returncode == item.exit_code, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert len(lines) == 1, f"expected one JSON line on stdout, got {done.stdout!r}"
    doc = json.loads(lines[0])
    check(doc, item.shape)
    assert doc["ok"] is (item.exit_code == 0)
    if not doc["ok"]:
        assert doc["error"]["message"]
    assert not done.stderr.lstrip().startswith("{"), "JSON belongs on stdout only"


def test_the_schema_rejects_what_it_does_not_document() -> None:
    with pytest.raises(jsonschema.ValidationError):
        check({"ok": False, "error": {"code": "usage", "message": "x"}}, "error")  # no hint
    with pytest.raises(jsonschema.ValidationError):
        check({"ok": True, "findings": [], "extra": 1}, "lint")


def leaf_commands() -> Iterator[tuple[str, object]]:
    root = typer.main.get_command(app)
    ctx = typer.Context(root)

    def walk(group: object, path: tuple[str, ...]) -> Iterator[tuple[str, object]]:
        for name in group.list_commands(ctx):  # type: ignore[attr-defined]
            command = group.get_command(ctx, name)  # type: ignore[attr-defined]
            if hasattr(command, "list_commands"):
                yield from walk(command, (*path, name))
            else:
                yield " ".join((*path, name)), command

    yield from walk(root, ())


def test_every_command_has_json_and_a_case() -> None:
    for path, command in leaf_commands():
        options = {opt for param in command.params for opt in param.opts}  # type: ignore[attr-defined]
        assert "--json" in options, f"axl {path} has no --json"
        words = tuple(path.split())
        assert any(c.argv[: len(words)] == words for c in CASES), f"axl {path} has no case here"


# Their success needs a Kubeflow Pipelines server; their errors are checked above.
NEEDS_A_SERVER = {"kfp-upload", "kfp-run"}


def test_every_documented_report_is_checked_against_a_real_one() -> None:
    documented = {ref["$ref"].rsplit("/", 1)[1] for ref in SCHEMA["anyOf"]}
    assert documented - NEEDS_A_SERVER <= {c.shape for c in CASES}
