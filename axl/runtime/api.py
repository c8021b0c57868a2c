"""``axl.run_local``: run a workflow on this machine from Python (notebooks, tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from axl.dsl.params import resolve_params, wire_params
from axl.dsl.workflow import Workflow
from axl.errors import StepError, UsageError
from axl.ir import IRWorkflow, build_ir
from axl.manifest import CodeArchive
from axl.runtime.local import execute_run
from axl.runtime.local_cache import check_cache_endpoint
from axl.runtime.local_options import LocalOptions
from axl.runtime.record import DONE_OK, FAILED, SETTLED, SUCCEEDED, RunRecord
from axl.runtime.runner import archive_import_roots, register_workflow_class
from axl.runtime.workers import ISOLATION_MODES, default_isolation


class _Outputs(Mapping[str, Any]):
    """Step name -> output value, each loaded (and digest-checked) on first access."""

    def __init__(self, result: RunResult) -> None:
        self._result = result
        self._cache: dict[str, Any] = {}

    def __getitem__(self, step: str) -> Any:
        if step not in self._cache:
            self._cache[step] = self._result.output(step)
        return self._cache[step]

    def __iter__(self) -> Iterator[str]:
        steps = self._result.record.steps
        return iter([name for name, s in steps.items() if s.status in DONE_OK and s.outputs])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RunResult:
    """The outcome of a local run: statuses, timings, and a loader for every output."""

    def __init__(self, ir: IRWorkflow, record: RunRecord) -> None:
        self.ir = ir
        self.record = record
        self.outputs: Mapping[str, Any] = _Outputs(self)

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def run_dir(self) -> Path:
        return Path(self.record.run_dir)

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def ok(self) -> bool:
        """True when every step succeeded, was cached, or was skipped by a condition."""
        return self.record.status == SUCCEEDED

    @property
    def final_step(self) -> str:
        """The step whose value is the run's result: the first declared output or last sink."""
        return self.ir.outputs[0] if self.ir.outputs else self.ir.sinks()[-1]

    @property
    def value(self) -> Any:
        """The final step's output."""
        return self.output(self.final_step)

    def output(self, step: str) -> Any:
        """Load one step's output (its digest is checked first)."""
        from axl.io.artifacts import read_artifact

        record = self.record.steps.get(step)
        if record is None:
            raise KeyError(f"workflow {self.ir.name!r} has no step {step!r}")
        if record.status not in DONE_OK or not record.outputs:
            raise KeyError(f"step {step!r} has no output (status: {record.status})")
        return read_artifact(Path(record.outputs[0].path), record.outputs[0].handler)

    def output_path(self, step: str) -> Path:
        """Where a step's output artifact is."""
        return Path(self.record.steps[step].outputs[0].path)

    def failed_steps(self) -> list[str]:
        """Steps that failed, in the order of the record."""
        return [name for name, s in self.record.steps.items() if s.status == FAILED]

    def unfinished_steps(self) -> dict[str, list[str]]:
        """Steps that keep the run from succeeding without failing: status -> names."""
        found: dict[str, list[str]] = {}
        for name, step in self.record.steps.items():
            if step.status not in (*SETTLED, FAILED):
                found.setdefault(step.status, []).append(name)
        return found

    def raise_for_status(self) -> RunResult:
        """Raise a :class:`StepError` unless the run succeeded, naming what kept it from it."""
        failed = self.failed_steps()
        if not failed and not self.ok:
            left = self.unfinished_steps()
            listing = "; ".join(f"{status}: {', '.join(names)}" for status, names in left.items())
            raise StepError(
                f"run {self.run_id} did not finish ({listing})",
                hint="continue it with resume=True (--resume)",
            )
        if failed:
            step = self.record.steps[failed[0]]
            error = step.error or {}
            raise StepError(
                f"step {failed[0]!r} failed: {error.get('message', 'unknown error')}",
                hint=f"log: {step.log}",
                step=failed[0],
            )
        return self

    def __repr__(self) -> str:
        return f"RunResult(run_id={self.run_id!r}, status={self.status!r})"


def run_local(
    workflow: type[Workflow] | str,
    params: Mapping[str, Any] | None = None,
    *,
    max_parallel: int | None = None,
    workspace: str | Path = ".axl",
    run_id: str | None = None,
    isolation: str | None = None,
    durable: bool = False,
    packages_policy: str = "check",
    workflow_archive: str | Path | None = None,
    archive_digest: str | None = None,
    only: str | None = None,
    resume: bool = False,
    listener: Any = None,
    cache_store: str | None = None,
    cache_endpoint: str | None = None,
) -> RunResult:
    """Run a workflow locally and return a :class:`RunResult`.

    ``workflow`` is a workflow class or a target text (``"file.py:Class"``).
    Steps run in parallel processes (``max_parallel``, default: the number of
    cores; ``isolation``: ``"worker"``, ``"fork"`` or ``"subprocess"``).
    Artifacts are written atomically and checked by digest when read; with
    ``durable=True`` each is also fsynced (slower; the runner in a pod always
    does). A failed run does not raise: check ``result.ok`` or call
    ``result.raise_for_status()``.

    ``run_id`` names the run (a new id is made when it is ``None``); an
    existing run is continued only with ``resume=True`` (rerun what did not
    finish or is stale) or ``only=STEP``, and keeps its params.

    ``cache_store`` is where ``cache=True`` steps keep results (a folder or
    ``s3://BUCKET/PREFIX``); default: the workflow's ``cache_store``, else
    ``<workspace>/cache``; ``cache_endpoint`` the URL of an S3-compatible one (default:
    ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``, else AWS).

    Ctrl-C (or SIGTERM) stops the steps, records the run as ``cancelled`` and
    raises :class:`axl.runtime.interrupts.RunInterrupted`, a
    ``KeyboardInterrupt`` that carries the record.
    """
    from axl.dsl.loader import load_target, module_for_file
    from axl.manifest import PACKAGE_POLICIES, check_archive_digest
    from axl.runtime.resume import run_params
    from axl.runtime.run_folder import check_run_id

    if run_id is not None:
        check_run_id(run_id)
    if packages_policy not in PACKAGE_POLICIES:
        raise UsageError(
            f"packages policy {packages_policy!r} is not one of {', '.join(PACKAGE_POLICIES)}",
            hint="--packages check (default), install or none",
        )
    if archive_digest is not None:
        check_archive_digest(archive_digest, "--archive-digest")
    python_path: tuple[str, ...] = ()
    target: str | None = None
    archive = None
    if workflow_archive is not None:
        archive = _prepare_archive(Path(workflow_archive), archive_digest, Path(workspace))
        python_path = tuple(archive_import_roots(Path(archive.workdir)))
        for entry in reversed(python_path):
            if entry not in sys.path:
                sys.path.insert(0, entry)
    if isinstance(workflow, str):
        target = workflow
        loaded = load_target(workflow)
        cls = loaded.cls
        python_path = (*python_path, *loaded.sys_path)
    else:
        cls = workflow
        module_file = getattr(sys.modules.get(cls.__module__), "__file__", None)
        if module_file:
            python_path = (str(module_for_file(Path(module_file))[1]),)
    mode = isolation or default_isolation()
    if mode not in ISOLATION_MODES:
        raise UsageError(
            f"isolation {mode!r} is not one of {', '.join(ISOLATION_MODES)}",
            hint="--isolation worker (default), fork or subprocess",
        )
    given = run_params(
        Path(workspace),
        run_id,
        wire_params(cls.name, params or {}),
        continuing=bool(only or resume),
    )
    resolve_params(cls, given)  # fail before anything runs
    ir = build_ir(cls)
    register_workflow_class(ir.ref, cls)
    options = LocalOptions(
        max_parallel=max_parallel,
        workspace=Path(workspace),
        run_id=run_id,
        isolation=mode,
        durable=durable,
        packages_policy=packages_policy,
        archive=archive,
        python_path=python_path,
        only=only,
        resume=resume,
        target=target,
        listener=listener,
        cache_store=(store := _cache_store(cache_store, cls)),
        cache_endpoint=check_cache_endpoint(store, cache_endpoint),
    )
    record = execute_run(ir, given, options)
    return RunResult(ir, record)


def _cache_store(given: str | None, cls: type[Workflow]) -> str | None:
    from axl.dsl.options import OptionValueError
    from axl.dsl.workflow import check_cache_store

    try:
        return check_cache_store(given) or cls.cache_store
    except OptionValueError as exc:
        raise UsageError(
            f"--cache-store {given!r} is invalid: {exc}",
            hint="pass a folder or s3://BUCKET/PREFIX",
        ) from None


def _prepare_archive(archive: Path, digest: str | None, workspace: Path) -> CodeArchive:
    """Extract a code archive once in the engine; steps find it already in place."""
    from axl.runtime.extract import extract_archive

    workdir = (workspace / "workdir").resolve()
    extract_archive(archive, workdir, expected_digest=digest)
    return CodeArchive(path=str(archive.resolve()), digest=digest, workdir=str(workdir))
