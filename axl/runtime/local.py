"""The local engine: run a whole workflow on this machine, independent steps in parallel.

Each step runs through the same runner as on a cluster (a manifest handed to
:func:`axl.runtime.runner.execute`), in its own process (see
:mod:`axl.runtime.workers`), with retries, timeouts, ``when`` conditions and
per-step environment. Artifacts and the run record go to
``<workspace>/runs/<run_id>/``, which one process at a time owns (a lock).

What starts, waits, retries, is skipped or never runs is decided by the
pure state machine of :mod:`axl.runtime.scheduler`; this module drives it:
it starts a process for each step it hands out (:class:`~axl.runtime.workers.StepProcesses`),
tells it how each one ended, and keeps the run record and its journal.

What the engine promises: a run is ``succeeded`` only when every step is
succeeded, cached or skipped with the inputs present now; each step that ends
is journaled at once, so a run killed at any moment resumes from what it
finished; Ctrl-C or SIGTERM stops the steps and records the run as
``cancelled``; and no step process is forked from a process with threads
(they come from the run's fork server).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import AxlError
from axl.ir import IRWorkflow
from axl.manifest import Manifest
from axl.planning import retry_delay
from axl.runtime.fork_server import ForkServer
from axl.runtime.interrupts import Interrupts, RunInterrupted, watch_interrupts
from axl.runtime.local_options import LocalOptions
from axl.runtime.local_plan import local_manifests, local_warm
from axl.runtime.record import (
    CACHED,
    CANCELLED,
    FAILED,
    NOT_RUN,
    PENDING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    Journal,
    OutputInfo,
    RunRecord,
    StepRecord,
)
from axl.runtime.resume import check_same_params, previous_record, reuse_previous
from axl.runtime.run_folder import RunLock, check_run_id, remove_leftovers
from axl.runtime.scheduler import Change, Scheduler, StepFacts
from axl.runtime.step_inputs import condition_holds, current_key
from axl.runtime.step_process import preload
from axl.runtime.workers import STEP_LOG, Launched, StepProcesses, fork_server, step_error

_SETTLED_EVENTS = ("succeeded", "failed", "cached", "skipped", "cancelled", "not_run", "stale")


@dataclass
class _State:
    ir: IRWorkflow
    record: RunRecord
    manifests: dict[str, Manifest]
    options: LocalOptions
    sched: Scheduler = field(init=False)
    journal: Journal | None = None
    server: ForkServer | None = None
    procs: StepProcesses | None = None
    interrupts: Interrupts = field(default_factory=Interrupts)
    checked: dict[str, str] = field(default_factory=dict)
    """Output files of this run by path, with the digest taken as they were written or
    restored (by a step's process, or by a hit here): a hit downstream keys on it."""


def new_run_id() -> str:
    """``20261129-041500-3fa2c1``: sortable by time, unique enough for one machine."""
    # os.urandom, which secrets.token_hex reads too (importing secrets loads OpenSSL)
    return time.strftime("%Y%m%d-%H%M%S", time.localtime()) + "-" + os.urandom(3).hex()


def execute_run(ir: IRWorkflow, params: Mapping[str, Any], options: LocalOptions) -> RunRecord:
    """Run every step of ``ir`` and return the run record (also saved as ``run.json``).

    Raises:
        RunInterrupted: SIGINT or SIGTERM stopped the run (recorded as ``cancelled``).
        UsageError: the run id is invalid, in use, or taken without ``--resume``/``--only``.
    """
    run_id = check_run_id(options.run_id) if options.run_id else new_run_id()
    run_dir = (options.workspace / "runs" / run_id).resolve()
    existed = run_dir.exists()
    lock = RunLock(run_dir)
    try:
        previous = previous_record(run_dir, options)
        if previous is not None:
            check_same_params(previous, params)
            params = previous.params
        if existed:
            remove_leftovers(run_dir)
        return _execute(ir, dict(params), options, run_id, run_dir, previous, lock)
    finally:
        lock.release()


def _execute(
    ir: IRWorkflow,
    params: dict[str, Any],
    options: LocalOptions,
    run_id: str,
    run_dir: Path,
    previous: RunRecord | None,
    lock: RunLock,
) -> RunRecord:
    record = RunRecord(
        run_id=run_id,
        workflow=ir.name,
        ref=ir.ref,
        ir_hash=ir.compute_hash(),
        status=RUNNING,
        params=params,
        run_dir=str(run_dir),
        started=time.time(),
        steps={node.name: StepRecord(name=node.name) for node in ir.nodes},
        target=options.target,
        upstream={name: list(ups) for name, ups in ir.lookups()[1].items()},
    )
    manifests = local_manifests(ir, params, run_dir, run_id, options)
    warm = local_warm(ir, manifests, options)
    if warm is not None:  # warm_env: every step's env in the cache before any step starts
        from axl.runtime.envs import warm_envs

        warm_envs(warm)
    state = _State(ir=ir, record=record, manifests=manifests, options=options)
    if options.isolation in ("fork", "worker"):
        preload(manifests.values())
        # Before anything in this run can start a thread: see axl.runtime.fork_server.
        state.server = fork_server(close_in_server=(lock.fd,))
    try:
        kept = reuse_previous(
            record.steps, ir, previous, options, lambda name: _current_key(state, name)
        )
        record.save()
    except BaseException:  # nothing ran: the earlier record stays as it was
        if state.server is not None:
            state.server.close()
        raise
    limit = max(1, options.max_parallel or os.cpu_count() or 1)
    try:
        state.sched = _scheduler(state, kept, limit)
        state.journal = Journal(run_dir)
        for name in ir.topological_order():  # listeners learn the whole plan first
            _notify(options, "planned", record.steps[name])
        with watch_interrupts() as interrupts:
            state.interrupts = interrupts
            _schedule(state, limit)
    except BaseException as exc:
        record.status = FAILED
        if isinstance(exc, AxlError):
            record.error = exc.to_dict()
        elif isinstance(exc, Exception):
            record.error = {"code": "internal", "message": f"{type(exc).__name__}: {exc}"}
        else:  # SystemExit (a closed stdout) or KeyboardInterrupt outside the main thread
            record.status = CANCELLED
            record.error = {"code": "cancelled", "message": f"stopped by {type(exc).__name__}"}
        _close(state)
        raise
    if state.interrupts.signum is not None:
        record.status = CANCELLED
    else:
        record.status = record.final_status()
    _close(state)
    if state.interrupts.signum is not None:
        raise RunInterrupted(state.interrupts.signum, record)
    return record


def _close(state: _State) -> None:
    """Stop every process of the run, then save the record (and drop the journal)."""
    if state.procs is not None:
        state.procs.close()
    if state.server is not None:
        state.server.close()
    record = state.record
    for step in record.steps.values():
        if step.status == RUNNING:
            step.status = CANCELLED
            step.reason = "the engine stopped"
    record.finished = time.time()
    record.duration_ms = round((record.finished - record.started) * 1000, 3)
    journal, state.journal = state.journal, None
    try:
        record.save()
    finally:
        if journal is not None:
            journal.close(remove=True)


def _scheduler(state: _State, kept: set[str], limit: int) -> Scheduler:
    """The run's state machine; its questions and decisions go through the record."""
    record = state.record
    nodes, upstream = state.ir.lookups()
    facts = {}
    for name in state.ir.topological_order():
        node = nodes[name]
        facts[name] = StepFacts(
            upstream=tuple(upstream[name]),
            when=node.when.text if node.when is not None else None,
            retries=node.retries.count if node.retries is not None else 0,
        )

    def backoff(name: str, attempt: int) -> float:
        retries = nodes[name].retries
        assert retries is not None
        return retry_delay(retries, attempt)

    return Scheduler(
        facts,
        max_parallel=limit,
        statuses={name: step.status for name, step in record.steps.items()},
        kept=kept,
        only=state.options.only is not None,
        holds=lambda name: condition_holds(state.ir, record.params, record.steps, nodes[name]),
        input_changed=lambda name: _current_key(state, name) not in (None, record.steps[name].key),
        backoff=backoff,
        report=lambda change: _record(state, change),
    )


def _schedule(state: _State, limit: int) -> None:
    """Start what the scheduler says is ready and tell it how each step ended, until done."""
    sched = state.sched
    state.procs = procs = StepProcesses(
        state.options.isolation,
        state.server,
        durable=state.options.durable,
        parallel=limit,
        steps=len(state.manifests),
        interrupts=state.interrupts,
    )
    while True:
        if state.interrupts.signum is not None:
            for job in procs.stop():
                _complete(state, procs, job, cancelled=True)
            sched.cancel()
            return
        while names := sched.ready(time.monotonic()):
            for name in names:
                _start(state, procs, name)
        if sched.done():
            sched.finish()
            return
        for job in procs.wait(sched.next_wakeup()):
            _complete(state, procs, job)


def _record(state: _State, change: Change) -> None:
    """Write one of the scheduler's decisions into the run record, and journal it."""
    name, status = change.name, change.status
    if status == PENDING:  # journaled: a kill from now on must not leave it "succeeded"
        state.record.steps[name] = StepRecord(name=name, reason=change.reason)
        if state.journal is not None:
            state.journal.append(state.record.steps[name])
        return
    step = state.record.steps[name]
    step.status = status
    if status == CANCELLED:
        step.error = _cancelled_error(state)
        step.reason = step.error["message"]
    elif status == NOT_RUN:
        step.reason = step.reason or change.reason
    elif change.reason is not None:
        step.reason = change.reason
    if status == SKIPPED:
        step.key = _current_key(state, name)
    _settle(state, status, step)


def _cancelled_error(state: _State) -> dict[str, Any]:
    return {
        "code": "cancelled",
        "message": f"cancelled by {state.interrupts.describe()}",
        "hint": "finish the run with --resume",
    }


def _current_key(state: _State, name: str) -> str | None:
    return current_key(state.ir, state.record.steps, state.manifests[name], name)


def _start(state: _State, procs: StepProcesses, name: str) -> None:
    options = state.options
    step = state.record.steps[name]
    node = state.ir.get_node(name)
    manifest = state.manifests[name]
    step_dir = Path(state.record.run_dir) / name
    step_dir.mkdir(exist_ok=True)
    step.key = _current_key(state, name)
    step.attempts = state.sched.started(name)
    step.status = RUNNING
    now = time.time()
    if step.started is None:
        step.started = now
    if manifest.cache is not None:
        if _answer_from_cache(state, name, step_dir, now):
            return
        from axl.runtime.cache import for_step_process

        manifest = for_step_process(manifest)  # no cache left when its store is unreachable
    job = procs.start(manifest, step_dir, attempt=step.attempts, started=now, timeout=node.timeout)
    step.log = str(job.log_path)
    _notify(options, "started", step)


def _answer_from_cache(state: _State, name: str, step_dir: Path, started: float) -> bool:
    """A cached step whose entry the store holds is restored here, by the runner's own
    lookup, without a step process; False on a miss (the step's process looks up again,
    runs the step and stores it). A hit imports no user code and starts no thread pool
    that outlives it, and the step processes come from the fork server, so this is safe.

    A hit writes no step log (its record holds the cache report); a lookup that warns
    starts the log the step's process then appends to."""
    from axl.runtime.logs import LazyLog
    from axl.runtime.runner import execute_cached

    step = state.record.steps[name]
    log = LazyLog(str(step_dir / STEP_LOG))
    try:
        result = execute_cached(
            state.manifests[name], durable=state.options.durable, log=log, checked=state.checked
        )
    finally:
        log.close()
    if result is None:
        return False
    if log.written:
        step.log = log.path
    _notify(state.options, "started", step)
    step.finished = time.time()
    step.duration_ms = round((step.finished - started) * 1000, 3)
    step.exit_code = 0
    _succeeded(state, name, result.to_dict())
    return True


def _complete(
    state: _State, procs: StepProcesses, job: Launched, *, cancelled: bool = False
) -> None:
    ended = procs.end(job)
    sched, step = state.sched, state.record.steps[job.step]
    node = state.ir.get_node(job.step)
    step.finished = time.time()
    step.duration_ms = round((step.finished - job.started) * 1000, 3)
    step.exit_code = ended.exit_code
    if ended.exit_code == 0 and ended.result is not None:
        _succeeded(state, job.step, ended.result)
        return
    if cancelled:  # the scheduler's cancel() records it
        step.exit_code = None
        return
    if ended.lost and sched.lost(job.step):  # never started: not an attempt
        step.attempts = sched.attempts(job.step)
        step.status = PENDING
        return
    step.error = step_error(ended, job, node.timeout)
    if sched.failed(job.step, time.monotonic()) is not None:
        step.status = PENDING
        _notify(state.options, "retrying", step)
        return
    step.status = FAILED
    manifest_file = Path(state.record.run_dir) / job.step / "manifest.json"
    if not manifest_file.exists():  # kept for debugging: what exactly the step was given
        manifest_file.write_text(state.manifests[job.step].to_json(indent=2))
    _settle(state, "failed", step)


def _succeeded(state: _State, name: str, result: Mapping[str, Any]) -> None:
    """Record a step's result (a runner's report): succeeded, or cached on a hit."""
    step = state.record.steps[name]
    step.error = None
    step.outputs = [OutputInfo(**o) for o in result.get("outputs", [])]
    for output in step.outputs:
        state.checked[output.path] = output.digest
    cache = result.get("cache")
    step.cache = cache if isinstance(cache, dict) else None
    if step.cache is not None and step.cache.get("status") == "hit":  # the runner's lookup
        step.status = CACHED
        step.reason = "unchanged code, environment, inputs and params: reused the cached result"
        _settle(state, "cached", step)
        state.sched.succeeded(name, cached=True)
        return
    step.status = SUCCEEDED
    _settle(state, "succeeded", step)
    state.sched.succeeded(name)


def _settle(state: _State, event: str, step: StepRecord) -> None:
    """A step reached a state worth keeping: journal it, then tell the listener."""
    assert event in _SETTLED_EVENTS
    if state.journal is not None:
        state.journal.append(step)
    _notify(state.options, event, step)


def _notify(options: LocalOptions, event: str, step: StepRecord) -> None:
    if options.listener is not None:
        options.listener(event, step)
