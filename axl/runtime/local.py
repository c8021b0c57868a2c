"""The local engine: run a whole workflow on this machine, independent steps in parallel.

Each step runs through the same runner as on a cluster (a manifest handed to
:func:`axl.runtime.runner.execute`), in its own process (see
:mod:`axl.runtime.workers`), with retries, timeouts, ``when`` conditions and
per-step environment. Artifacts and the run record go to
``<workspace>/runs/<run_id>/``, which one process at a time owns (a lock).

What the engine promises: a run is ``succeeded`` only when every step is
succeeded, cached or skipped with the inputs present now; each step that ends
is journaled at once, so a run killed at any moment resumes from what it
finished; Ctrl-C or SIGTERM stops the steps and records the run as
``cancelled``; and no step process is forked from a process with threads
(they come from the run's fork server).
"""

from __future__ import annotations

import os
import secrets
import selectors
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axl.dsl.conditions import evaluate_condition
from axl.errors import EXIT_USER_CODE, AxlError
from axl.ir import IRNode, IRWorkflow
from axl.planning import retry_delay
from axl.runtime.fork_server import ForkServer
from axl.runtime.interrupts import Interrupts, RunInterrupted, watch_interrupts
from axl.runtime.local_options import LocalOptions
from axl.runtime.local_plan import local_manifests
from axl.runtime.manifest import Manifest
from axl.runtime.record import (
    CACHED,
    CANCELLED,
    DONE_OK,
    FAILED,
    NOT_RUN,
    PENDING,
    RUNNING,
    SKIPPED,
    STALE,
    SUCCEEDED,
    Journal,
    OutputInfo,
    RunRecord,
    StepRecord,
)
from axl.runtime.resume import check_same_params, previous_record, reuse_previous
from axl.runtime.run_folder import RunLock, check_run_id, remove_leftovers
from axl.runtime.worker_pool import WorkerPool
from axl.runtime.workers import (
    Ended,
    ForkPool,
    Launched,
    drain,
    finish,
    fork_server,
    kill,
    launch,
)

_LOST_TRIES = 3  # a step whose process dies before taking it goes to a new one this often

_SETTLED_EVENTS = ("succeeded", "failed", "cached", "skipped", "cancelled", "not_run", "stale")


@dataclass
class _State:
    ir: IRWorkflow
    record: RunRecord
    manifests: dict[str, Manifest]
    options: LocalOptions
    journal: Journal | None = None
    server: ForkServer | None = None
    pool: ForkPool | WorkerPool | None = None
    running: dict[str, Launched] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    retry_at: dict[str, float] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    lost: Counter[str] = field(default_factory=Counter)
    stopping: bool = False
    interrupts: Interrupts = field(default_factory=Interrupts)


def new_run_id() -> str:
    """``20261129-041500-3fa2c1``: sortable by time, unique enough for one machine."""
    return time.strftime("%Y%m%d-%H%M%S", time.localtime()) + "-" + secrets.token_hex(3)


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
    )
    manifests = local_manifests(ir, params, run_dir, run_id, options)
    state = _State(ir=ir, record=record, manifests=manifests, options=options)
    if options.isolation in ("fork", "worker"):
        _preload(ir, manifests)
        # Before anything in this run can start a thread: see axl.runtime.fork_server.
        state.server = fork_server(close_in_server=(lock.fd,))
    try:
        state.kept = reuse_previous(
            record.steps, ir, previous, options, lambda name: _current_key(state, name)
        )
        record.save()
    except BaseException:  # nothing ran: the earlier record stays as it was
        if state.server is not None:
            state.server.close()
        raise
    try:
        state.journal = Journal(run_dir)
        for name in ir.topological_order():  # listeners learn the whole plan first
            _notify(options, "planned", record.steps[name])
        with watch_interrupts() as interrupts:
            state.interrupts = interrupts
            _schedule(state)
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
    for job in list(state.running.values()):
        kill(job)
    if state.pool is not None:
        state.pool.close()
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


def _preload(ir: IRWorkflow, manifests: Mapping[str, Manifest]) -> None:
    """Import what every forked step needs once, here, instead of once per child."""
    import axl.io.artifacts
    import axl.runtime.logs
    import axl.runtime.runner
    from axl.io import get_handler

    for node in ir.nodes:
        get_handler(node.output.handler)
    if any(m.packages.requirements for m in manifests.values()):
        import axl.runtime.packages
    if any(m.code is not None for m in manifests.values()):
        import axl.runtime.extract  # noqa: F401


def _schedule(state: _State) -> None:
    """Start steps as their inputs become ready; only steps whose inputs changed are looked at."""
    ir, record, options = state.ir, state.record, state.options
    limit = max(1, options.max_parallel or os.cpu_count() or 1)
    selector = selectors.DefaultSelector()
    if state.interrupts.fd is not None:
        selector.register(state.interrupts.fd, selectors.EVENT_READ, None)
    order = ir.topological_order()
    position = {name: i for i, name in enumerate(order)}
    state.dirty.update(order)
    if state.server is not None and options.isolation == "fork":
        state.pool = ForkPool(
            state.server, durable=options.durable, spares=min(limit, len(order)) + 1
        )
        state.pool.refill()
    elif state.server is not None:
        state.pool = WorkerPool(state.server, durable=options.durable, size=limit)
    try:
        while True:
            if state.interrupts.signum is not None:
                _cancel(state)
                break
            if state.stopping:
                _give_up_retries(state)
            else:
                now = time.monotonic()
                state.dirty.update(n for n, at in state.retry_at.items() if now >= at)
                for name in sorted(state.dirty, key=position.__getitem__):
                    if len(state.running) >= limit:
                        break
                    state.dirty.discard(name)
                    if _ready(state, name):
                        _start(state, selector, name)
            if not state.running and not state.retry_at and (state.stopping or not state.dirty):
                break
            if state.running or state.retry_at:
                _wait(state, selector)
    finally:
        selector.close()
    reason = "the run was cancelled" if state.interrupts.signum else "an upstream step failed"
    for step in record.steps.values():
        if step.status == PENDING:
            step.status = NOT_RUN
            step.reason = step.reason or reason
            _settle(state, "not_run", step)


def _cancel(state: _State) -> None:
    """Stop the running steps: each is ``cancelled`` unless it had already finished."""
    for job in state.running.values():
        kill(job)
    for job in list(state.running.values()):
        if job.mode != "subprocess":  # read what it sent until its end of the pipe closes
            os.set_blocking(job.fd, True)
            while not drain(job, state.pool):
                pass
        _complete(state, job, cancelled=True)
    for name in list(state.retry_at):
        del state.retry_at[name]
        step = state.record.steps[name]
        step.status = CANCELLED
        step.error = _cancelled_error(state)
        step.reason = step.error["message"]
        _settle(state, "cancelled", step)


def _cancelled_error(state: _State) -> dict[str, Any]:
    return {
        "code": "cancelled",
        "message": f"cancelled by {state.interrupts.describe()}",
        "hint": "finish the run with --resume",
    }


def _give_up_retries(state: _State) -> None:
    """After a final failure no new attempts start: waiting retries fail as they are."""
    for name in list(state.retry_at):
        del state.retry_at[name]
        step = state.record.steps[name]
        step.status = FAILED
        _settle(state, "failed", step)


def _ready(state: _State, name: str) -> bool:
    """Settle skipped steps on the way; True when ``name`` can start now."""
    step = state.record.steps[name]
    if step.status != PENDING:
        return False
    if name in state.retry_at:
        return time.monotonic() >= state.retry_at[name]
    ups = [state.record.steps[u] for u in state.ir.upstream(name)]
    if any(u.status not in (*DONE_OK, SKIPPED) for u in ups):
        return False
    node = state.ir.get_node(name)
    if any(u.status == SKIPPED for u in ups):
        _skip(state, step, "an upstream step was skipped")
        return False
    if node.when is not None and not _condition_holds(state, node):
        _skip(state, step, f"when {node.when.text!r} is false")
        return False
    return True


def _skip(state: _State, step: StepRecord, reason: str) -> None:
    step.status = SKIPPED
    step.reason = reason
    step.key = _current_key(state, step.name)
    _settle(state, "skipped", step)
    _inputs_settled(state, step.name)


def _condition_holds(state: _State, node: IRNode) -> bool:
    cond = node.when
    assert cond is not None
    if cond.source == "param":
        value = state.record.params.get(cond.ref)
        if value is None:
            value = next((p.default for p in state.ir.params if p.name == cond.ref), None)
    else:
        from axl.io.artifacts import read_artifact

        upstream = state.record.steps[cond.ref]
        value = read_artifact(Path(upstream.outputs[0].path))
    return evaluate_condition(cond.op, value, cond.value)


def _current_key(state: _State, name: str) -> str | None:
    """The step's key from the outputs its upstream steps hold now; None while one is to run."""
    from axl.runtime.cache import step_key

    digests: dict[str, str | None] = {}
    for up in state.ir.upstream(name):
        record = state.record.steps[up]
        if record.status in (*DONE_OK, STALE):  # a stale step's files are still its outputs
            digests[up] = record.outputs[0].digest if record.outputs else None
        elif record.status == SKIPPED:
            digests[up] = None
        else:
            return None
    node = state.ir.get_node(name)
    return step_key(state.ir, node, state.manifests[name], digests)


def _inputs_settled(state: _State, name: str) -> None:
    """``name`` settled: its dependants may start, and a kept result may now be stale."""
    for down in state.ir.downstream(name):
        state.dirty.add(down)
        if down not in state.kept:
            continue
        key = _current_key(state, down)
        if key is None or key == state.record.steps[down].key:
            continue
        state.kept.discard(down)
        why = f"its input {name!r} changed since it ran"
        if state.options.only is not None:
            step = state.record.steps[down]
            step.status = STALE
            step.reason = f"{why}; --resume reruns it"
            _settle(state, "stale", step)
        else:  # journaled: a kill from now on must not leave it "succeeded"
            state.record.steps[down] = StepRecord(name=down, reason=f"rerun: {why}")
            if state.journal is not None:
                state.journal.append(state.record.steps[down])


def _start(state: _State, selector: Any, name: str) -> None:
    options = state.options
    step = state.record.steps[name]
    node = state.ir.get_node(name)
    manifest = state.manifests[name]
    step_dir = Path(state.record.run_dir) / name
    step_dir.mkdir(exist_ok=True)
    step.key = _current_key(state, name)
    if node.cache and _restore_cached(state, node):
        return
    manifest_path = step_dir / "manifest.json"
    if options.isolation == "subprocess":  # a fresh interpreter reads it; forked ones need not
        manifest_path.write_text(manifest.to_json(indent=2))
    state.retry_at.pop(name, None)
    step.attempts += 1
    step.status = RUNNING
    now = time.time()
    if step.started is None:
        step.started = now
    step.log = str(step_dir / "step.log")
    deadline = time.monotonic() + node.timeout if node.timeout else None
    job = launch(
        manifest,
        mode=options.isolation,
        log_path=Path(step.log),
        manifest_path=manifest_path,
        durable=options.durable,
        attempt=step.attempts,
        started=now,
        deadline=deadline,
        pool=state.pool,
    )
    state.running[name] = job
    selector.register(job.fd, selectors.EVENT_READ, job)
    _notify(options, "started", step)


def _restore_cached(state: _State, node: IRNode) -> bool:
    from axl.runtime.cache import restore

    step = state.record.steps[node.name]
    assert step.key is not None
    cache_dir = state.options.workspace / "cache"
    outputs = restore(cache_dir, step.key, state.manifests[node.name], run_id=state.record.run_id)
    if outputs is None:
        return False
    step.status = CACHED
    step.outputs = outputs
    step.started = step.finished = time.time()
    step.duration_ms = 0.0
    step.reason = "unchanged code, inputs and params: reused the cached result"
    _settle(state, "cached", step)
    _inputs_settled(state, node.name)
    return True


def _wait(state: _State, selector: Any) -> None:
    now = time.monotonic()
    wakeups = [j.deadline for j in state.running.values() if j.deadline is not None]
    wakeups += list(state.retry_at.values())
    timeout = max(0.0, min(wakeups) - now) if wakeups else None
    if timeout is not None:
        timeout = min(timeout, 0.5)
    events = selector.select(timeout)
    if state.interrupts.signum is not None:  # whatever ended just now ended by the signal
        state.interrupts.clear_wakeups()
        return
    for key, _ in events:
        job = key.data
        if job is None:
            state.interrupts.clear_wakeups()
            continue
        if drain(job, state.pool):
            selector.unregister(job.fd)
            _complete(state, job)
    now = time.monotonic()
    for job in list(state.running.values()):
        if job.deadline is not None and now >= job.deadline and not job.timed_out:
            job.timed_out = True
            kill(job)


def _complete(state: _State, job: Launched, *, cancelled: bool = False) -> None:
    ended = finish(job, state.pool)
    del state.running[job.step]
    step = state.record.steps[job.step]
    node = state.ir.get_node(job.step)
    step.finished = time.time()
    step.duration_ms = round((step.finished - job.started) * 1000, 3)
    step.exit_code = ended.exit_code
    if ended.exit_code == 0 and ended.result is not None:
        step.status = SUCCEEDED
        step.error = None
        step.outputs = [OutputInfo(**o) for o in ended.result.get("outputs", [])]
        if node.cache and step.key is not None:
            from axl.runtime.cache import store

            store(state.options.workspace / "cache", step.key, node.name, step.outputs)
        _settle(state, "succeeded", step)
        _inputs_settled(state, job.step)
        return
    if cancelled:
        step.status = CANCELLED
        step.error = _cancelled_error(state)
        step.reason = step.error["message"]
        step.exit_code = None
        _settle(state, "cancelled", step)
        return
    if ended.lost and state.lost[job.step] < _LOST_TRIES:  # never started: not an attempt
        state.lost[job.step] += 1
        step.attempts -= 1
        step.status = PENDING
        state.dirty.add(job.step)
        return
    step.error = _error_of(ended, job, node)
    retries = node.retries
    if retries is not None and step.attempts <= retries.count:
        step.status = PENDING
        state.retry_at[job.step] = time.monotonic() + retry_delay(retries, step.attempts)
        _notify(state.options, "retrying", step)
        return
    step.status = FAILED
    state.stopping = True
    manifest_file = Path(state.record.run_dir) / job.step / "manifest.json"
    if not manifest_file.exists():  # kept for debugging: what exactly the step was given
        manifest_file.write_text(state.manifests[job.step].to_json(indent=2))
    _settle(state, "failed", step)


def _error_of(ended: Ended, job: Launched, node: IRNode) -> dict[str, Any]:
    error = dict(ended.error or {"code": "failed", "message": "the step failed"})
    if job.timed_out:
        error = {
            "code": "timeout",
            "message": f"step {node.name!r} timed out after {node.timeout:g}s and was killed",
            "hint": "raise the step's timeout= or make it faster",
        }
    error.setdefault("exit_code", ended.exit_code or EXIT_USER_CODE)
    return error


def _settle(state: _State, event: str, step: StepRecord) -> None:
    """A step reached a state worth keeping: journal it, then tell the listener."""
    assert event in _SETTLED_EVENTS
    if state.journal is not None:
        state.journal.append(step)
    _notify(state.options, event, step)


def _notify(options: LocalOptions, event: str, step: StepRecord) -> None:
    if options.listener is not None:
        options.listener(event, step)
