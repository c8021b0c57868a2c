"""The local engine: run a whole workflow on this machine, independent steps in parallel.

Each step runs through the same runner as on a cluster (a manifest handed to
:func:`axl.runtime.runner.execute`), in its own process (see
:mod:`axl.runtime.workers`), with retries, timeouts, ``when`` conditions and
per-step environment. Artifacts and the run record go to
``<workspace>/runs/<run_id>/``.
"""

from __future__ import annotations

import os
import secrets
import selectors
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axl.dsl.conditions import evaluate_condition
from axl.errors import EXIT_USER_CODE
from axl.ir import IRNode, IRWorkflow
from axl.runtime.local_plan import step_manifest
from axl.runtime.manifest import (
    CodeArchive,
    Manifest,
)
from axl.runtime.record import (
    CACHED,
    DONE_OK,
    FAILED,
    NOT_RUN,
    PENDING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    OutputInfo,
    RunRecord,
    StepRecord,
)
from axl.runtime.resume import previous_record, reuse_previous
from axl.runtime.worker_pool import WorkerPool
from axl.runtime.workers import Ended, ForkPool, Launched, drain, finish, kill, launch

Listener = Callable[[str, StepRecord], None]


@dataclass
class LocalOptions:
    """How to run: parallelism, where, isolation, durability, which steps."""

    max_parallel: int | None = None
    workspace: Path = Path(".axl")
    run_id: str | None = None
    isolation: str = "worker"
    durable: bool = False
    packages_policy: str = "check"
    archive: CodeArchive | None = None
    python_path: tuple[str, ...] = ()
    only: str | None = None
    resume: bool = False
    target: str | None = None
    listener: Listener | None = None


@dataclass
class _State:
    ir: IRWorkflow
    record: RunRecord
    manifests: dict[str, Manifest]
    pool: ForkPool | WorkerPool | None = None
    running: dict[str, Launched] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    retry_at: dict[str, float] = field(default_factory=dict)
    stopping: bool = False


def new_run_id() -> str:
    """``20261129-041500-3fa2c1``: sortable by time, unique enough for one machine."""
    return time.strftime("%Y%m%d-%H%M%S", time.localtime()) + "-" + secrets.token_hex(3)


def execute_run(ir: IRWorkflow, params: Mapping[str, Any], options: LocalOptions) -> RunRecord:
    """Run every step of ``ir`` and return the run record (also saved as ``run.json``)."""
    run_id = options.run_id or new_run_id()
    run_dir = (options.workspace / "runs" / run_id).resolve()
    previous = previous_record(run_dir, options)
    run_dir.mkdir(parents=True, exist_ok=True)
    record = RunRecord(
        run_id=run_id,
        workflow=ir.name,
        ref=ir.ref,
        ir_hash=ir.compute_hash(),
        status=RUNNING,
        params=dict(params),
        run_dir=str(run_dir),
        started=time.time(),
        steps={node.name: StepRecord(name=node.name) for node in ir.nodes},
        target=options.target,
    )
    manifests = {
        node.name: step_manifest(ir, node, params, run_dir, run_id, options) for node in ir.nodes
    }
    if options.isolation in ("fork", "worker"):
        _preload(ir, manifests)
    state = _State(ir=ir, record=record, manifests=manifests)
    reuse_previous(record.steps, ir, previous, options)
    record.save()
    for name in ir.topological_order():  # listeners learn the whole plan first
        _notify(options, "planned", record.steps[name])
    try:
        _schedule(state, options)
    except KeyboardInterrupt:
        for job in state.running.values():
            kill(job)
        for job in list(state.running.values()):
            _complete(state, options, job, interrupted=True)
        record.status = "cancelled"
        raise
    finally:
        record.finished = time.time()
        record.duration_ms = round((record.finished - record.started) * 1000, 3)
        if record.status == RUNNING:
            failed = any(s.status == FAILED for s in record.steps.values())
            record.status = FAILED if failed else SUCCEEDED
        record.save()
    return record


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


def _schedule(state: _State, options: LocalOptions) -> None:
    """Start steps as their inputs become ready; only steps whose inputs changed are looked at."""
    ir, record = state.ir, state.record
    limit = max(1, options.max_parallel or os.cpu_count() or 1)
    selector = selectors.DefaultSelector()
    order = ir.topological_order()
    position = {name: i for i, name in enumerate(order)}
    state.dirty.update(order)
    if options.isolation == "fork":
        state.pool = ForkPool(durable=options.durable, spares=min(limit, len(order)) + 1)
        state.pool.refill()
    elif options.isolation == "worker":
        state.pool = WorkerPool(durable=options.durable, size=limit)
    try:
        while True:
            if state.stopping:
                _give_up_retries(state, options)
            else:
                now = time.monotonic()
                state.dirty.update(n for n, at in state.retry_at.items() if now >= at)
                for name in sorted(state.dirty, key=position.__getitem__):
                    if len(state.running) >= limit:
                        break
                    state.dirty.discard(name)
                    if _ready(state, name, options):
                        _start(state, options, selector, name)
                    elif record.steps[name].status == SKIPPED:
                        state.dirty.update(ir.downstream(name))
            if not state.running and not state.retry_at and (state.stopping or not state.dirty):
                break
            if state.running or state.retry_at:
                _wait(state, options, selector)
    finally:
        selector.close()
        if state.pool is not None:
            state.pool.close()
    for step in record.steps.values():
        if step.status == PENDING:
            step.status = NOT_RUN
            step.reason = step.reason or "an upstream step failed"
            _notify(options, "not_run", step)


def _give_up_retries(state: _State, options: LocalOptions) -> None:
    """After a final failure no new attempts start: waiting retries fail as they are."""
    for name in list(state.retry_at):
        del state.retry_at[name]
        step = state.record.steps[name]
        step.status = FAILED
        _notify(options, "failed", step)


def _ready(state: _State, name: str, options: LocalOptions) -> bool:
    """Settle skipped steps on the way; True when ``name`` can start now."""
    step = state.record.steps[name]
    if step.status != PENDING:
        return False
    if name in state.retry_at:
        return time.monotonic() >= state.retry_at[name]
    ups = [state.record.steps[u] for u in state.ir.upstream(name)]
    if any(u.status in (FAILED, NOT_RUN) for u in ups):
        return False
    if any(u.status == SKIPPED for u in ups):
        step.status = SKIPPED
        step.reason = "an upstream step was skipped"
        _notify(options, "skipped", step)
        return False
    if not all(u.status in DONE_OK for u in ups):
        return False
    node = state.ir.get_node(name)
    if node.when is not None and not _condition_holds(state, node):
        step.status = SKIPPED
        step.reason = f"when {node.when.text!r} is false"
        _notify(options, "skipped", step)
        return False
    return True


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


def _cache_key(state: _State, node: IRNode) -> str:
    from axl.runtime.cache import cache_key

    digests = {
        item.name: state.record.steps[item.ref].outputs[0].digest
        for item in node.inputs
        if item.source == "step" and item.ref is not None
    }
    return cache_key(node, state.manifests[node.name], digests)


def _start(state: _State, options: LocalOptions, selector: Any, name: str) -> None:
    step = state.record.steps[name]
    node = state.ir.get_node(name)
    manifest = state.manifests[name]
    step_dir = Path(state.record.run_dir) / name
    step_dir.mkdir(exist_ok=True)
    if node.cache and _restore_cached(state, options, node):
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


def _restore_cached(state: _State, options: LocalOptions, node: IRNode) -> bool:
    from axl.runtime.cache import restore

    outputs = restore(
        options.workspace / "cache", _cache_key(state, node), state.manifests[node.name]
    )
    if outputs is None:
        return False
    step = state.record.steps[node.name]
    step.status = CACHED
    step.outputs = outputs
    step.started = step.finished = time.time()
    step.duration_ms = 0.0
    step.reason = "unchanged code, inputs and params: reused the cached result"
    state.dirty.update(state.ir.downstream(node.name))
    _notify(options, "cached", step)
    return True


def _wait(state: _State, options: LocalOptions, selector: Any) -> None:
    now = time.monotonic()
    wakeups = [j.deadline for j in state.running.values() if j.deadline is not None]
    wakeups += list(state.retry_at.values())
    timeout = max(0.0, min(wakeups) - now) if wakeups else None
    if timeout is not None:
        timeout = min(timeout, 0.5)
    for key, _ in selector.select(timeout):
        job = key.data
        if drain(job, state.pool):
            selector.unregister(job.fd)
            _complete(state, options, job)
    now = time.monotonic()
    for job in list(state.running.values()):
        if job.deadline is not None and now >= job.deadline and not job.timed_out:
            job.timed_out = True
            kill(job)


def _complete(
    state: _State, options: LocalOptions, job: Launched, interrupted: bool = False
) -> None:
    ended = finish(job, state.pool)
    del state.running[job.step]
    step = state.record.steps[job.step]
    step.finished = time.time()
    step.duration_ms = round((step.finished - job.started) * 1000, 3)
    step.exit_code = ended.exit_code
    if ended.exit_code == 0 and ended.result is not None:
        step.status = SUCCEEDED
        step.error = None
        step.outputs = [OutputInfo(**o) for o in ended.result.get("outputs", [])]
        node = state.ir.get_node(job.step)
        if node.cache:
            from axl.runtime.cache import store

            store(options.workspace / "cache", _cache_key(state, node), step.outputs)
        state.dirty.update(state.ir.downstream(job.step))
        _notify(options, "succeeded", step)
        return
    step.error = _error_of(ended, job, state.ir.get_node(job.step))
    node = state.ir.get_node(job.step)
    retries = node.retries
    if not interrupted and retries is not None and step.attempts <= retries.count:
        step.status = PENDING
        delay = retries.backoff * float(retries.factor) ** (step.attempts - 1)
        if retries.max_backoff is not None:
            delay = min(delay, retries.max_backoff)
        state.retry_at[job.step] = time.monotonic() + delay
        _notify(options, "retrying", step)
        return
    step.status = FAILED
    state.stopping = True
    manifest_file = Path(state.record.run_dir) / job.step / "manifest.json"
    if not manifest_file.exists():  # kept for debugging: what exactly the step was given
        manifest_file.write_text(state.manifests[job.step].to_json(indent=2))
    _notify(options, "failed", step)


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


def _notify(options: LocalOptions, event: str, step: StepRecord) -> None:
    if options.listener is not None:
        options.listener(event, step)
