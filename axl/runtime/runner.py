"""The one runner: execute one step from a manifest.

Every backend ends here: the local engine (in a forked child), the runner
command in an Argo or KFP pod, a Dagster op. :func:`run_step` imports the
workflow, builds the instance with the params, loads the inputs, calls the
step inside a user-code boundary, and writes the outputs as artifacts.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axl.dataclass_fast import dataclass
from axl.errors import (
    ArtifactError,
    AxlError,
    InfrastructureError,
    StepError,
    TargetError,
    WorkflowImportError,
)
from axl.manifest import Manifest, ManifestError, ManifestInput
from axl.runtime.outputs import OutputInfo

if TYPE_CHECKING:
    from axl.runtime.cache import Lookup
    from axl.runtime.logs import LogStream

_AXL_DIR = str(Path(__file__).resolve().parents[1])


@dataclass(frozen=True)
class StepResult:
    """The outcome of a successful step."""

    step: str
    duration_ms: float
    outputs: tuple[OutputInfo, ...] = field(default_factory=tuple)
    cache: dict[str, Any] | None = None
    """For a cached step: ``status`` (``hit`` or ``miss``), ``key``, ``parts`` (digests)."""

    @property
    def hit(self) -> bool:
        """Whether the outputs came from the step cache (the step was not called)."""
        return self.cache is not None and self.cache.get("status") == "hit"

    def to_dict(self) -> dict[str, Any]:
        data = {
            "step": self.step,
            "duration_ms": self.duration_ms,
            "outputs": [o.to_dict() for o in self.outputs],
        }
        if self.cache is not None:
            data["cache"] = self.cache
        return data


def run_step(manifest: Manifest, *, durable: bool = True) -> StepResult:
    """Execute the step a manifest describes; raise an :class:`AxlError` on failure.

    A step with a ``cache`` section is looked up first: on a hit its outputs are
    put in place and the step is neither imported nor called.
    """
    start = time.perf_counter()
    cached = _lookup(manifest, durable) if manifest.cache is not None else None
    if cached is not None and cached.outputs is not None:
        return _hit(cached, cached.outputs, start)
    if manifest.code is not None:
        _prepare_code(manifest)
    for entry in reversed(manifest.python_path):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    if manifest.packages.requirements and manifest.packages.policy != "none":
        from axl.runtime.package_policy import ensure_packages

        ensure_packages(manifest)
    cls = load_workflow_class(manifest.workflow)
    spec = cls.steps().get(manifest.step)
    if spec is None:
        raise ManifestError(
            f"workflow {manifest.workflow} has no step {manifest.step!r}",
            hint=f"steps: {', '.join(cls.steps())}; was the manifest compiled from other code?",
        )
    with _step_env(manifest.env):
        instance = cls(manifest.params)
        kwargs = {
            item.name: _load_input(manifest, instance, item, spec.fn) for item in manifest.inputs
        }
        value = call_user_step(manifest, spec.fn, instance, kwargs)
        outputs = tuple(_save_output(manifest, value, out, durable) for out in manifest.outputs)
    if cached is not None:
        cached.save(outputs)
    return StepResult(
        step=manifest.step,
        duration_ms=(time.perf_counter() - start) * 1000,
        outputs=outputs,
        cache=cached.report() if cached is not None else None,
    )


def restore_cached(
    manifest: Manifest,
    *,
    durable: bool = True,
    log: LogStream | None = None,
    checked: Mapping[str, str] | None = None,
) -> StepResult | None:
    """A cached step's result when the store holds it, put in place as :func:`run_step`
    puts it (the same lookup; nothing imported or called); None on a miss.

    ``checked`` maps input files the caller checked in this run (written or restored
    by it, digest taken then) to their digests: those are keyed by that digest
    instead of being read again.

    Raises :class:`AxlError` as :func:`run_step` would (an input that fails its check).
    Warnings (a damaged entry, say) go to ``log``, else stderr.
    """
    start = time.perf_counter()
    cached = _lookup(manifest, durable, log, checked)
    return _hit(cached, cached.outputs, start) if cached.outputs is not None else None


def _hit(cached: Lookup, outputs: tuple[OutputInfo, ...], start: float) -> StepResult:
    manifest = cached.manifest
    for out, info in zip(manifest.outputs, outputs, strict=True):
        if out.value_path:
            from axl.io.artifacts import read_artifact

            _write_value(Path(out.value_path), read_artifact(info.path, info.handler))
    return StepResult(
        step=manifest.step,
        duration_ms=(time.perf_counter() - start) * 1000,
        outputs=outputs,
        cache=cached.report(),
    )


def _lookup(
    manifest: Manifest,
    durable: bool,
    log: LogStream | None = None,
    checked: Mapping[str, str] | None = None,
) -> Lookup:
    """The step's cache key (each artifact input checked and digested, unless ``checked``
    holds it) and what the store has."""
    from axl.io.artifacts import verify_artifact
    from axl.runtime.cache import lookup

    digests = {}
    for item in manifest.inputs:
        if item.source != "artifact":
            continue
        assert item.path is not None
        known = checked.get(item.path) if checked else None
        if known is not None:
            digests[item.name] = known
            continue
        run_id = manifest.run_id if item.ref is not None else None
        try:
            digests[item.name] = verify_artifact(item.path, step=item.ref, run_id=run_id).digest
        except ArtifactError as exc:
            raise _input_error(manifest, item, exc) from None
    return lookup(manifest, digests, durable=durable, log=log)


_REGISTERED: dict[str, Any] = {}


def register_workflow_class(ref: str, cls: Any) -> None:
    """Make ``ref`` resolve to ``cls`` in this process and its forked children.

    The local engine registers the class it was given, so workflows defined
    in a notebook or inside a function run too (with fork isolation).
    """
    _REGISTERED[ref] = cls


def load_workflow_class(ref: str) -> Any:
    """Import ``module:Qualname`` (cached by ``sys.modules``) and return the workflow class."""
    from axl.dsl.loader import import_workflow_module
    from axl.dsl.workflow import Workflow

    if ref in _REGISTERED:
        return _REGISTERED[ref]
    if ref.partition(":")[0].endswith(".py"):  # a file target, as `axl run local -m` takes
        from axl.dsl.loader import load_target

        try:
            return load_target(ref).cls
        except TargetError as exc:
            raise WorkflowImportError(exc.message, hint=exc.hint) from None

    module_name, _, qualname = ref.partition(":")
    try:
        module = import_workflow_module(module_name)
    except TargetError as exc:
        raise WorkflowImportError(
            f"cannot import workflow module {module_name!r}: {exc.message}",
            hint="the workflow's code is not importable here: ship it as a code archive "
            "(--workflow-archive) or in the image, or fix python_path",
        ) from None
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise TargetError(
                f"module {module_name} has no workflow class {qualname!r}",
                hint="the code in this environment differs from the code that was compiled",
            )
    if not (isinstance(obj, type) and issubclass(obj, Workflow)):
        raise TargetError(f"{ref} is not a workflow class")
    return obj


def _prepare_code(manifest: Manifest) -> None:
    from axl.runtime.extract import extract_archive

    code = manifest.code
    assert code is not None
    workdir = extract_archive(Path(code.path), Path(code.workdir), expected_digest=code.digest)
    for entry in archive_import_roots(workdir):
        if entry not in sys.path:
            sys.path.insert(0, entry)


def archive_import_roots(workdir: Path) -> list[str]:
    """The extracted folder, and its ``src/`` for src-layout projects."""
    roots = [str(workdir)]
    if (workdir / "src").is_dir():
        roots.insert(0, str(workdir / "src"))
    return roots


@contextlib.contextmanager
def _step_env(env: dict[str, str]) -> Iterator[None]:
    """Set the step's environment variables for the duration of the step only."""
    if not env:
        yield
        return
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _load_input(manifest: Manifest, instance: Any, item: ManifestInput, fn: Any) -> Any:
    if item.source == "value":
        return item.value
    if item.source == "param":
        try:
            return instance.params[item.ref]
        except KeyError:
            raise ManifestError(
                f"step {manifest.step!r}: input {item.name!r} reads param {item.ref!r}, "
                "which the run does not have",
                hint="pass it with --param or in the params file",
            ) from None
    from axl.io.artifacts import read_artifact, verify_artifact

    assert item.path is not None
    producer = item.ref  # the upstream step, when the compiler named it
    run_id = manifest.run_id if producer is not None else None
    try:
        if item.mode == "path":
            path = Path(item.path)
            verify_artifact(path, step=producer, run_id=run_id)
            return str(path) if _wants_text(fn, item.name) else path
        return read_artifact(item.path, item.handler, step=producer, run_id=run_id)
    except ArtifactError as exc:
        raise _input_error(manifest, item, exc) from None


def _input_error(manifest: Manifest, item: ManifestInput, exc: ArtifactError) -> ArtifactError:
    """An input's artifact error, naming the step that writes it when the manifest does."""
    producer = item.ref
    if producer is None:
        return exc
    return ArtifactError(
        f"step {manifest.step!r}, input {item.name!r}: {exc.message}",
        hint=f"rerun step {producer!r}, which writes it (locally: --only {producer}, "
        "or --resume, which reruns a step whose output is corrupt)",
        path=str(item.path),
        step=manifest.step,
        producer=producer,
    )


def _wants_text(fn: Any, arg: str) -> bool:
    """A path-mode parameter annotated ``str`` (or ``str | None``) gets the path as text."""
    annotation = getattr(fn, "__annotations__", {}).get(arg)
    if isinstance(annotation, str):
        return annotation.replace(" ", "") in ("str", "str|None", "Optional[str]", "None|str")
    return annotation is str or annotation == (str | None)


def call_user_step(manifest: Manifest, fn: Any, instance: Any, kwargs: dict[str, Any]) -> Any:
    """Call user code; anything it raises becomes a :class:`StepError` with the user's frames.

    An ``async def`` step is run to completion in its own event loop.
    """
    try:
        result = fn(instance, **kwargs)
        if inspect.iscoroutine(result):
            import asyncio

            result = asyncio.run(result)
        return result
    except KeyboardInterrupt:
        raise
    except AxlError as exc:
        if isinstance(exc, InfrastructureError):
            raise
        raise _step_error(manifest, exc) from None
    except BaseException as exc:
        raise _step_error(manifest, exc) from None


def _step_error(manifest: Manifest, exc: BaseException) -> StepError:
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_AXL_DIR)
    ]
    lines = ["Traceback (most recent call last, axl frames removed):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return StepError(
        f"step {manifest.step!r} raised {type(exc).__name__}: {exc}{where}",
        hint="fix the step's code; its traceback (in the step's log) shows where it failed",
        step=manifest.step,
        traceback="".join(lines),
        exception=type(exc).__name__,
    )


def _save_output(manifest: Manifest, value: Any, out: Any, durable: bool) -> OutputInfo:
    from axl.io import get_handler
    from axl.io.artifacts import write_artifact

    meta = write_artifact(
        value,
        out.path,
        get_handler(out.handler),
        step=manifest.step,
        workflow=manifest.workflow_name,
        run_id=manifest.run_id,
        durable=durable,
    )
    if out.value_path:
        _write_value(Path(out.value_path), value)
    return OutputInfo(
        name=out.name,
        path=str(Path(out.path)),
        handler=meta.handler,
        digest=meta.digest,
        size=meta.size,
        python_type=meta.python_type,
    )


def _write_value(path: Path, value: Any) -> None:
    """The output as JSON text, for backends that branch on it (Argo ``when``)."""
    try:
        text = json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        text = json.dumps(repr(value))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InfrastructureError(
            f"cannot write the value of step output to {path}: {exc.strerror or exc}"
        ) from None


@dataclass(frozen=True)
class Outcome:
    """How one execution ended: the exit code, and the result or the error."""

    exit_code: int
    result: StepResult | None = None
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "result": self.result.to_dict() if self.result else None,
            "error": self.error,
        }


def execute(manifest: Manifest, *, durable: bool = True) -> Outcome:
    """Run a step with structured logs on stderr; never raises for anticipated errors.

    This is what the runner command and the local engine's workers call.
    """
    from axl.errors import EXIT_INTERNAL, EXIT_OK
    from axl.runtime.logs import log_event

    context = _log_context(manifest)
    start = time.perf_counter()
    log_event("started", **context)
    try:
        result = run_step(manifest, durable=durable)
    except AxlError as exc:
        trace = exc.context.get("traceback")
        if trace:
            sys.stderr.write(str(trace))
        code = runner_exit_code(exc)
        error = {"code": exc.code, "message": exc.message, "hint": exc.hint}
        log_event(
            "failed",
            level="error",
            duration_ms=(time.perf_counter() - start) * 1000,
            error=error,
            exit_code=code,
            **context,
        )
        return Outcome(exit_code=code, error=error)
    except Exception as exc:  # a bug in axl: say so, with the traceback
        traceback.print_exc()
        error = {"code": "internal", "message": f"{type(exc).__name__}: {exc}", "hint": None}
        log_event(
            "failed",
            level="error",
            duration_ms=(time.perf_counter() - start) * 1000,
            error=error,
            exit_code=EXIT_INTERNAL,
            **context,
        )
        return Outcome(exit_code=EXIT_INTERNAL, error=error)
    _log_succeeded(result, start, context)
    return Outcome(exit_code=EXIT_OK, result=result)


def execute_cached(
    manifest: Manifest,
    *,
    durable: bool,
    log: LogStream,
    checked: Mapping[str, str] | None = None,
) -> StepResult | None:
    """The local engine's answer to a cached step before it starts a process for it: on a
    hit, the result :func:`execute` would give (the run record keeps its cache report, so
    no event is written); None on a miss, or when the lookup fails (the step's process then
    runs the step and reports why). The lookup's warnings go to ``log``; ``checked`` as
    for :func:`restore_cached`."""
    try:
        return restore_cached(manifest, durable=durable, log=log, checked=checked)
    except (AxlError, OSError):
        return None


def _log_context(manifest: Manifest) -> dict[str, Any]:
    return {
        "workflow": manifest.workflow_name or manifest.workflow,
        "step": manifest.step,
        "run_id": manifest.run_id,
    }


def _log_succeeded(result: StepResult, start: float, context: dict[str, Any]) -> None:
    from axl.runtime.logs import log_event

    extra: dict[str, Any] = {"cache": result.cache} if result.cache is not None else {}
    log_event(
        "succeeded",
        duration_ms=(time.perf_counter() - start) * 1000,
        outputs=[o.to_dict() for o in result.outputs],
        **extra,
        **context,
    )


def runner_exit_code(error: AxlError) -> int:
    """Exit code of the runner for an error: import problems in a pod are infrastructure."""
    from axl.errors import EXIT_INFRA

    if isinstance(error, WorkflowImportError | TargetError):
        return EXIT_INFRA
    return error.exit_code
