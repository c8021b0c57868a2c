"""Golden files: the job module of each example, byte for byte; each passes ruff and imports cleanly.

Regenerate deliberately with ``pytest tests/dagster --update-golden`` and review the diff.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from axl.compiler.dagster import DagsterOptions
from axl.compiler.dagster.target import TARGET
from tests.dagster.jobs import ROOT, load_ir
from tests.fixtures.golden import example_targets, golden_cache

GOLDEN = ROOT / "tests" / "golden" / "dagster"
RUFF = Path(sys.executable).with_name("ruff")

STEP_OPTIONS_WARNINGS = (
    "step 'fetch': Dagster waits 2s, 6s, 14s between its retries (axl run local: 2s, 6s, "
    "18s); a RetryPolicy's backoff doubles, without a cap",
    "workflow 'step-options' names images (registry.example.com/team/ml-gpu:2.1, "
    "registry.example.com/team/ml:2.1): Dagster runs every op in its code location's "
    "environment, whatever image a step names",
)

# (golden file, target, options, warnings): linear, diamond, fan-in of 20, params and every
# form of `when`, retries/resources/secrets/timeouts/images, names Dagster keeps, every kind
# of param, and the target's options.
CACHED_WARNINGS = (
    "workflow 'cached' names images (registry.example.com/team/ml@sha256:"
    + "ab" * 32
    + "): Dagster runs every op in its code location's environment, whatever image a step names",
)

CASES = [
    ("iris-knn.py", "examples/iris_knn.py:IrisKNN", DagsterOptions(), ()),
    (
        "iris-knn-options.py",
        "examples/iris_knn.py:IrisKNN",
        DagsterOptions(
            workspace="/data/axl",
            python_path=("src",),
            packages_policy="install",
            name="iris",
            executor="multiprocess",
            max_concurrent=4,
        ),
        (),
    ),
    ("churn.py", "examples/churn_workflow.py:ChurnWorkflow", DagsterOptions(), ()),
    ("quickstart.py", "examples/quickstart.py:Hello", DagsterOptions(), ()),
    ("fan-in-20.py", "tests/examples_wf/fan_in.py:FanIn", DagsterOptions(), ()),
    ("conditions.py", "tests/examples_wf/conditions.py:Conditions", DagsterOptions(), ()),
    (
        "step-options.py",
        "tests/examples_wf/step_options.py:StepOptions",
        DagsterOptions(),
        STEP_OPTIONS_WARNINGS,
    ),
    ("names.py", "tests/dagster/workflows.py:Names", DagsterOptions(), ()),
    ("typed.py", "tests/dagster/workflows.py:Typed", DagsterOptions(), ()),
    # --cache-store s3://axl-cache/steps: the cached ops' manifests get the store and digests
    (
        "cached.py",
        "tests/examples_wf/cached.py:Cached",
        TARGET.with_cache(DagsterOptions(), golden_cache(), None),
        CACHED_WARNINGS,
    ),
]


def compile_target(target: str, options: DagsterOptions, warnings: tuple[str, ...]) -> str:
    compiled = TARGET.compile(load_ir(target), options)
    assert compiled.warnings == warnings
    assert compiled.kind == "Dagster job module"
    assert TARGET.check(compiled) == []
    return compiled.text


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI writes the workflow's import folder relative to the working directory."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(
    ("name", "target", "options", "warnings"), CASES, ids=[c[0] for c in CASES]
)
def test_golden(name, target, options, warnings, golden):
    golden.check(GOLDEN / name, compile_target(target, options, warnings))


def test_every_example_has_a_golden_case():
    covered = {target for _, target, _, _ in CASES}
    missing = sorted(example_targets() - covered)
    assert not missing, f"add a golden case for {', '.join(missing)}"


def test_no_stale_golden_files():
    assert sorted(p.name for p in GOLDEN.glob("*.py")) == sorted(c[0] for c in CASES)


def test_compile_is_deterministic():
    _, target, options, warnings = CASES[5]
    assert compile_target(target, options, warnings) == compile_target(target, options, warnings)


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden files in a folder of their own, as a user's project holds the module."""
    folder = tmp_path_factory.mktemp("project")
    for name, *_ in CASES:
        shutil.copy(GOLDEN / name, folder / name.replace("-", "_"))
    return folder


def test_the_modules_pass_ruff_with_its_default_settings(user_project: Path):
    files = sorted(str(p) for p in user_project.glob("*.py"))
    check = subprocess.run(
        [str(RUFF), "check", "--isolated", "--no-cache", *files],
        capture_output=True, text=True, cwd=user_project,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    formatted = subprocess.run(
        [str(RUFF), "format", "--isolated", "--no-cache", "--check", *files],
        capture_output=True, text=True, cwd=user_project,
    )  # fmt: skip
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_the_modules_import_without_warnings(user_project: Path):
    """Every module imports (Dagster first) with warnings as errors, and defines its job."""
    probe = (
        "import runpy, sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "for path in sys.argv[1:]:\n"
        "    defs = runpy.run_path(path)['defs']\n"
        "    (job,) = defs.jobs\n"
        "    print(defs.resolve_job_def(job.name).name)\n"
    )
    files = [str(user_project / name.replace("-", "_")) for name, *_ in CASES]
    done = subprocess.run(
        [sys.executable, "-c", probe, *files], capture_output=True, text=True, cwd=user_project
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split() == [
        "iris_knn", "iris", "churn", "hello", "fan_in", "conditions", "step_options", "names_2",
        "typed", "cached",
    ]  # fmt: skip


def test_no_module_imports_annotations_from_the_future():
    """Dagster cannot resolve a Pythonic Config annotation that is a string."""
    for name, *_ in CASES:
        assert "from __future__" not in (GOLDEN / name).read_text(encoding="utf-8"), name
