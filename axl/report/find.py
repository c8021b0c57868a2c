"""Which run folder a run id names: the id itself, or a prefix that only one run id has."""

from __future__ import annotations

import os
from pathlib import Path

from axl.errors import UsageError
from axl.runtime.run_folder import RUN_ID

_CANDIDATES_SHOWN = 10


class RunNotFoundError(UsageError):
    """No run of the workspace has the id (or prefix) asked for."""

    code = "run_not_found"


class AmbiguousRunError(UsageError):
    """Several runs of the workspace have ids that start with the prefix asked for."""

    code = "ambiguous_run"


def find_run(workspace: Path, run_ref: str) -> Path:
    """The folder of run ``run_ref`` in ``workspace``: an exact id first, else a unique prefix."""
    runs_dir = workspace / "runs"
    list_hint = f"list the runs with: axl runs ls --workspace {workspace}"
    if not RUN_ID.fullmatch(run_ref):
        raise RunNotFoundError(
            f"{run_ref!r} is not a run id (letters, digits, '.', '_' and '-')", hint=list_hint
        )
    if (runs_dir / run_ref).is_dir():
        return runs_dir / run_ref
    try:
        ids = sorted(
            entry.name
            for entry in os.scandir(runs_dir)
            if entry.is_dir() and not entry.name.startswith(".")
        )
    except (FileNotFoundError, NotADirectoryError):
        raise RunNotFoundError(
            f"no runs in {runs_dir}",
            hint="run a workflow first (axl run local -m FILE.py), or pass the --workspace it used",
        ) from None
    matches = [run_id for run_id in ids if run_id.startswith(run_ref)]
    if not matches:
        raise RunNotFoundError(f"no run {run_ref!r} in {runs_dir}", hint=list_hint)
    if len(matches) > 1:
        shown = ", ".join(matches[:_CANDIDATES_SHOWN])
        more = len(matches) - _CANDIDATES_SHOWN
        raise AmbiguousRunError(
            f"run id prefix {run_ref!r} matches {len(matches)} runs: {shown}"
            + (f" and {more} more" if more > 0 else ""),
            hint="give more of the run id",
            candidates=matches,
        )
    return runs_dir / matches[0]
