"""The runner invocation every backend puts in its step: command and arguments."""

from __future__ import annotations

from collections.abc import Sequence

RUNNER_COMMAND = ("python", "-m", "axl.runtime", "run")


def runner_args(manifest_json: str, run_id: str, params: Sequence[tuple[str, str]]) -> list[str]:
    """``--manifest-json TEXT --run-id ID`` and one ``--param name=value`` each.

    ``run_id`` and the values are whatever the backend substitutes at run time
    (Argo: ``{{workflow.name}}``, ``{{workflow.parameters.k}}``).
    """
    args = ["--manifest-json", manifest_json, "--run-id", run_id]
    for name, value in params:
        args += ["--param", f"{name}={value}"]
    return args
