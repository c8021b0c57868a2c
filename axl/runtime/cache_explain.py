"""``axl cache explain``: a step's cache key now, and which of its parts changed since the
last run of the workflow in a workspace that recorded one.

The key is computed as the local engine's runner would compute it for a new
run (:mod:`axl.runtime.local_cache`, :mod:`axl.runtime.cache_key`), with each
artifact input's digest taken from the last run whose upstream step holds an
output; without one, the inputs part is unknown and the key too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import UsageError
from axl.ir import IRWorkflow
from axl.runtime.cache_key import PART_NAMES, cache_key
from axl.runtime.local_options import LocalOptions
from axl.runtime.record import DONE_OK, RECORD_FILE, RunRecord


@dataclass(frozen=True)
class Explanation:
    """The step's key (None while an input is unknown), its parts, and what changed."""

    step: str
    key: str | None
    parts: Mapping[str, Any]
    digests: Mapping[str, str]
    previous_run: str | None = None
    previous_key: str | None = None
    changed: tuple[str, ...] = ()
    missing_inputs: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON data: what ``--json`` prints."""
        return {
            "step": self.step,
            "key": self.key,
            "parts": dict(self.parts),
            "digests": dict(self.digests),
            "previous_run": self.previous_run,
            "previous_key": self.previous_key,
            "changed": list(self.changed),
            "missing_inputs": list(self.missing_inputs),
        }


def explain(
    ir: IRWorkflow, step: str, params: Mapping[str, Any], options: LocalOptions
) -> Explanation:
    """Explain ``step``'s key for a run of ``ir`` with ``params`` in ``options.workspace``."""
    from axl.runtime.local_plan import local_manifests

    names = [node.name for node in ir.nodes]
    if step not in names:
        raise UsageError(
            f"workflow {ir.name!r} has no step {step!r}", hint=f"steps: {', '.join(names)}"
        )
    if not ir.get_node(step).cache:
        raise UsageError(
            f"step {step!r} of workflow {ir.name!r} is not cached",
            hint="give it @step(cache=True) to cache its result",
        )
    manifest = local_manifests(ir, params, options.workspace / "runs" / "explain", "explain",
                               options)[step]  # fmt: skip
    if manifest.cache is None:
        raise UsageError(
            f"the cache is off for workflow {ir.name!r}: its code cannot be digested here",
            hint="define the workflow in a .py file inside its project",
        )
    runs = _runs(options.workspace, ir.name)
    digests: dict[str, str] = {}
    missing = []
    for item in manifest.inputs:
        if item.source == "artifact":
            found = _upstream_digest(runs, item.ref or "")
            if found is None:
                missing.append(item.name)
            else:
                digests[item.name] = found
    for name in missing:
        digests[name] = "unknown"
    key = cache_key(manifest, digests)
    previous = next((run for run in runs if (run.steps.get(step) or _NO).cache), None)
    changed: tuple[str, ...] = ()
    previous_key = None
    if previous is not None:
        recorded = previous.steps[step].cache or {}
        previous_key = recorded.get("key")
        before = recorded.get("parts") or {}
        changed = tuple(p for p in PART_NAMES if before.get(p) != key.digests.get(p))
    return Explanation(
        step=step,
        key=None if missing else key.key,
        parts=key.parts,
        digests=key.digests,
        previous_run=previous.run_id if previous is not None else None,
        previous_key=previous_key,
        changed=changed,
        missing_inputs=tuple(missing),
    )


class _NoStep:
    cache: dict[str, Any] | None = None


_NO: Any = _NoStep()


def _runs(workspace: Path, workflow: str) -> list[RunRecord]:
    """The workspace's runs of ``workflow``, the latest first."""
    found = []
    for path in (workspace / "runs").glob(f"*/{RECORD_FILE}"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("workflow") == workflow:
                found.append(RunRecord.load(path.parent))
        except (OSError, ValueError, UsageError):
            continue
    return sorted(found, key=lambda run: run.started, reverse=True)


def _upstream_digest(runs: list[RunRecord], producer: str) -> str | None:
    for run in runs:
        record = run.steps.get(producer)
        if record is not None and record.status in DONE_OK and record.outputs:
            return record.outputs[0].digest
    return None
