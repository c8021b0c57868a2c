"""What every op of a generated Dagster job runs: one step, through axl's runner.

A job module (``axl compile --target dagster``) declares its steps as an
:class:`AxlWorkflow` of :class:`AxlStep` (each with its compiled manifest)
and one op per step whose body is ``yield from WORKFLOW.run(step, ...)``.
The op then, as ``axl run local`` would:

* resolves the manifest's run folder to ``<workspace>/runs/<Dagster run id>``
  (:mod:`axl.dagster_paths`) and gives it the run's params (the op's config);
* evaluates the step's ``when`` as the local engine does (a param, or the
  value in the upstream step's artifact): when it is false the op yields no
  output, so Dagster skips every op that needs it;
* checks that each Secret env variable is set (its value is inherited from
  this process, never written anywhere);
* runs ``python -m axl.runtime run --manifest-json ...`` in a fresh
  interpreter, killed after the step's timeout (:mod:`axl.runtime.runner_process`);
* maps the runner's exit code to Dagster: 2 (bad input) is a ``Failure``
  that is never retried, any other failure one that the op's
  ``RetryPolicy`` retries; its message is the runner's one-line error and
  the path of the step's log;
* in a re-execution (from failure, or of a selection), reads the outputs
  of the steps it leaves out from the run it re-executes
  (:mod:`axl.runtime.reexecution`);
* records the step in the run folder's journal and ``run.json``
  (:mod:`axl.runtime.shared_record`), so axl's tools read a Dagster run like
  a local one.

Importing this module imports Dagster (about a second): only job modules do.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import EXIT_USAGE, AxlError, MissingDependencyError, ParamsError
from axl.manifest import Manifest
from axl.runtime.record import (
    CACHED,
    CANCELLED,
    FAILED,
    PENDING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    StepRecord,
)
from axl.runtime.reexecution import kept_output, kept_steps, with_kept_inputs

try:
    import dagster as dg
except ImportError:  # pragma: no cover - the extra is installed where tests run
    raise MissingDependencyError(
        "a Dagster job module of axl needs the dagster extra",
        hint="pip install 'axl-workflows[dagster]'",
    ) from None

from axl.dagster_paths import resolve, resolve_path
from axl.param_wire import wire_value
from axl.runtime.run_folder import check_run_id
from axl.runtime.runner_process import RunnerExit, run_runner
from axl.runtime.shared_record import RunInfo, SharedRecord


class AxlWorkspace(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The folder whose ``runs/<Dagster run id>/`` holds each run's artifacts and record.

    A relative folder is relative to the working directory of the process
    that runs the op.
    """

    folder: str = ".axl"


@dataclass(frozen=True)
class AxlStep:
    """One step of the job: its compiled manifest and what its op needs besides.

    ``op`` is the op's name when it differs from the step's; ``upstream``
    the steps it waits for; ``when`` the condition as the IR holds it
    (``source``, ``ref``, ``op``, ``value``, ``text``); ``secret_env`` maps
    a variable to the ``secret/key`` it comes from on Kubernetes.
    """

    name: str
    manifest: Mapping[str, Any]
    op: str | None = None
    upstream: Sequence[str] = ()
    timeout: float | None = None
    when: Mapping[str, Any] | None = None
    secret_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def op_name(self) -> str:
        return self.op or self.name


class AxlWorkflow:
    """The workflow's steps in topological order, and the op body that runs one."""

    def __init__(self, *, name: str, ref: str, hash: str, steps: Sequence[AxlStep]) -> None:
        self.name = name
        self.ref = ref
        self.hash = hash
        self.steps = {step.name: step for step in steps}
        self.ops = [step.op_name for step in steps]
        """The op names, for the job's config mapping."""
        self._step_of_op = {step.op_name: step.name for step in steps}
        _allow_depth(self.steps)

    def run(
        self,
        step: str,
        context: dg.OpExecutionContext,
        workspace: AxlWorkspace,
        config: dg.Config | None = None,
    ) -> Iterator[dg.Output[None]]:
        """Run ``step`` as its op: yields its output, or nothing when its ``when`` is false.

        ``config`` holds the run's params (None: the workflow has none).
        """
        op = _Op(self, self.steps[step], context, config, workspace)
        yield from op.run()

    def selected(self, context: dg.OpExecutionContext) -> frozenset[str] | None:
        """The steps this Dagster run executes (None: all of them)."""
        keys = context.run.step_keys_to_execute
        ops = set(keys) if keys is not None else set(context.job_def.graph.node_dict)
        if ops >= set(self._step_of_op):
            return None
        return frozenset(self._step_of_op[op] for op in ops if op in self._step_of_op)


class _Op:
    """One execution (one attempt) of a step's op."""

    def __init__(
        self,
        workflow: AxlWorkflow,
        step: AxlStep,
        context: dg.OpExecutionContext,
        config: dg.Config | None,
        workspace: AxlWorkspace,
    ) -> None:
        self.workflow = workflow
        self.step = step
        self.context = context
        self.config = config
        self.params = _params(config)
        self.run_id = check_run_id(context.run_id)
        self.run_dir = (Path(workspace.folder) / "runs" / self.run_id).resolve()
        self.log = self.run_dir / step.name / "step.log"
        self.attempt = context.retry_number + 1
        selected = workflow.selected(context)
        self.kept = kept_steps(self.run_dir.parent, context.run.parent_run_id, selected)
        self.record = SharedRecord(
            self.run_dir,
            RunInfo(
                run_id=self.run_id,
                workflow=workflow.name,
                ref=workflow.ref,
                ir_hash=workflow.hash,
                params=self.params,
            ),
            {name: tuple(s.upstream) for name, s in workflow.steps.items()},
            selected,
            self.kept,
        )

    def run(self) -> Iterator[dg.Output[None]]:
        started = time.time()
        base = StepRecord(
            name=self.step.name, attempts=self.attempt, started=started, log=str(self.log)
        )
        self.record.update(replace(base, status=RUNNING))
        try:
            if self.step.when is not None and not self._holds(self.step.when):
                reason = f"when {self.step.when['text']!r} is false"
                self._end(base, SKIPPED, started, reason=reason)
                self.context.log.info(f"step {self.step.name!r} skipped: {reason}")
                return
            manifest = self._manifest()
            outcome = run_runner(manifest, self.log, timeout=self.step.timeout)
        except AxlError as exc:
            outcome = RunnerExit(exc.exit_code, error=exc.to_dict(), log=self.log)
        except BaseException:  # the Dagster run was terminated, or the process interrupted
            error = {"code": "cancelled", "message": "the Dagster run stopped the step"}
            self._end(base, CANCELLED, started, error=error)
            raise
        if outcome.ok and outcome.cache_hit:
            reason = "unchanged code, environment, inputs and params: reused the cached result"
            self._end(base, CACHED, started, outcome=outcome, reason=reason)
            yield dg.Output(None, metadata=self._metadata(outcome))
            return
        if outcome.ok:
            self._end(base, SUCCEEDED, started, outcome=outcome)
            yield dg.Output(None, metadata=self._metadata(outcome))
            return
        raise self._failure(base, started, outcome)

    def _holds(self, cond: Mapping[str, Any]) -> bool:
        """The step's ``when``, evaluated as the local engine does."""
        from axl.dsl.conditions import evaluate_condition
        from axl.runtime.step_inputs import output_holds

        if cond["source"] == "param":
            value = self.params.get(cond["ref"])
            if value is None:
                value = _default(self.config, cond["ref"])
            return evaluate_condition(cond["op"], value, cond["value"])
        upstream = self.workflow.steps[cond["ref"]]
        path = Path(resolve_path(upstream.manifest["outputs"][0]["path"], str(self.run_dir)))
        if upstream.name in self.kept:
            path = kept_output(self.kept[upstream.name], path.name)
        return output_holds(cond["op"], cond["value"], path)

    def _manifest(self) -> Manifest:
        for name, secret in self.step.secret_env.items():
            if os.environ.get(name) is None:
                raise ParamsError(
                    f"step {self.step.name!r} reads {name} from Secret {secret}; "
                    "here it comes from the environment of the Dagster process",
                    hint=f"set {name} where the op runs (on Kubernetes the op's "
                    "dagster-k8s/config tag maps the Secret)",
                    step=self.step.name,
                )
        manifest = Manifest.from_dict(dict(self.step.manifest))
        manifest = replace(manifest, params=self.params, run_id=self.run_id)
        manifest = resolve(manifest, str(self.run_dir))
        return replace(manifest, inputs=with_kept_inputs(manifest.inputs, self.kept))

    def _end(
        self,
        base: StepRecord,
        status: str,
        started: float,
        *,
        outcome: RunnerExit | None = None,
        error: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        finished = time.time()
        step = replace(
            base,
            status=status,
            finished=finished,
            duration_ms=round((finished - started) * 1000, 3),
            outputs=list(outcome.outputs) if outcome is not None else [],
            error=error,
            reason=reason,
            exit_code=outcome.exit_code if outcome is not None else None,
            cache=outcome.cache if outcome is not None else None,
        )
        self.record.update(step)

    def _failure(self, base: StepRecord, started: float, outcome: RunnerExit) -> dg.Failure:
        error = {**(outcome.error or {}), "exit_code": outcome.exit_code}
        message = error.get("message") or "the step failed"
        retryable = outcome.exit_code != EXIT_USAGE
        policy = self.context.job_def.get_retry_policy_for_handle(self.context.op_handle)
        retrying = (
            retryable and policy is not None and self.context.retry_number < policy.max_retries
        )
        self._end(base, PENDING if retrying else FAILED, started, outcome=outcome, error=error)
        if not retrying:
            manifest_file = self.log.parent / "manifest.json"
            if not manifest_file.exists():  # what exactly the step was given, as locally
                with contextlib.suppress(AxlError):
                    manifest_file.write_text(self._manifest().to_json(indent=2))
        metadata: dict[str, Any] = {"exit code": outcome.exit_code, **_log_metadata(outcome)}
        if error.get("hint"):
            metadata["hint"] = str(error["hint"])
        return dg.Failure(
            description=f"{message} (exit code {outcome.exit_code}; log: {self.log})",
            metadata=metadata,
            allow_retries=retryable,
        )

    def _metadata(self, outcome: RunnerExit) -> dict[str, Any]:
        metadata: dict[str, Any] = {}
        for info in outcome.outputs:
            metadata["artifact"] = dg.MetadataValue.path(info.path)
            metadata["digest"] = info.digest
            metadata["size"] = info.size
            metadata["type"] = info.python_type
            metadata["handler"] = info.handler
        if outcome.cache is not None:
            metadata["cache"] = str(outcome.cache.get("status"))
        metadata.update(_log_metadata(outcome))
        metadata["run folder"] = dg.MetadataValue.path(str(self.run_dir))
        return metadata


def _allow_depth(steps: Mapping[str, AxlStep]) -> None:
    """Let Dagster build a job whose longest chain of steps is deep.

    Dagster orders a job's graph with a recursive walk, a frame or so per op
    along the longest chain: past about 900 steps in a row it fails with a
    ``RecursionError``. The limit is raised to what the chain needs.
    """
    depth: dict[str, int] = {}
    for name, step in steps.items():  # topological order
        depth[name] = 1 + max((depth.get(up, 0) for up in step.upstream), default=0)
    needed = 2 * max(depth.values(), default=0) + 1000
    if needed > sys.getrecursionlimit():
        sys.setrecursionlimit(needed)


def _params(config: dg.Config | None) -> dict[str, Any]:
    """The run's params from the op's config: declared names, JSON data; unset ones left out."""
    if config is None:
        return {}
    fields = type(config).model_fields
    values = config.model_dump(by_alias=True)
    out = {}
    for attribute, info in fields.items():
        name = info.alias or attribute
        value = values.get(name)
        if value is None and info.default is None:
            continue  # not given: the runner applies the workflow's default, as locally
        out[name] = wire_value(value, f"param {name!r}")
    return out


def _default(config: dg.Config | None, name: str) -> Any:
    if config is None:
        return None
    for attribute, info in type(config).model_fields.items():
        if (info.alias or attribute) == name:
            return None if info.is_required() else info.default
    return None


def _log_metadata(outcome: RunnerExit) -> dict[str, Any]:
    metadata: dict[str, Any] = {"log": dg.MetadataValue.path(str(outcome.log))}
    if outcome.tail:
        fence = "`" * max(3, _longest_run(outcome.tail, "`") + 1)
        metadata["log tail"] = dg.MetadataValue.md(f"{fence}\n{outcome.tail}\n{fence}")
    return metadata


def _longest_run(text: str, ch: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        longest = max(longest, run)
    return longest
