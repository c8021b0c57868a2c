"""``python -m axl.runtime warm``: the warm step's command, with the runner's JSON logs.

One ``env_ready`` line per requirement set (its key, where its env came
from, whether it was uploaded), then ``succeeded``; or ``failed`` with the
error and the exit code the runner uses for it (4: an install, the store).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from axl.errors import EXIT_INTERNAL, EXIT_OK, AxlError
from axl.manifest import WARM_STEP, ManifestError, WarmManifest
from axl.runtime.logs import log_event


def load_warm_manifest(path: Path | None, text: str | None) -> WarmManifest:
    """The warm manifest of ``--manifest FILE`` or ``--manifest-json TEXT``."""
    if path is None:
        assert text is not None
        return WarmManifest.from_json(text)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read warm manifest {path}: {exc.strerror or exc}") from None
    return WarmManifest.from_json(data)


def warm(path: Path | None, text: str | None) -> int:
    """Run the warm step; the process exit code."""
    from axl.runtime.envs import warm_envs

    start = time.perf_counter()
    workflow: str | None = None
    try:
        manifest = load_warm_manifest(path, text)
        workflow = manifest.workflow_name
        _log("started", workflow)
        for env in warm_envs(manifest):
            _log(
                "env_ready",
                workflow,
                duration_ms=env.duration_ms,
                env=env.key,
                source=env.source,
                uploaded=env.uploaded,
                requirements=list(env.requirements),
            )
    except AxlError as exc:
        error = {"code": exc.code, "message": exc.message, "hint": exc.hint}
        return _failed(workflow, start, error, exc.exit_code)
    except Exception as exc:  # a bug in axl: say so, with the traceback
        import traceback

        traceback.print_exc()
        error = {"code": "internal", "message": f"{type(exc).__name__}: {exc}", "hint": None}
        return _failed(workflow, start, error, EXIT_INTERNAL)
    _log("succeeded", workflow, duration_ms=(time.perf_counter() - start) * 1000)
    return EXIT_OK


def _log(status: str, workflow: str | None, **fields: Any) -> None:
    log_event(status, workflow=workflow, step=WARM_STEP, run_id=None, **fields)


def _failed(workflow: str | None, start: float, error: dict[str, str | None], code: int) -> int:
    _log(
        "failed",
        workflow,
        level="error",
        duration_ms=(time.perf_counter() - start) * 1000,
        error=error,
        exit_code=code,
    )
    return code
