"""One error hierarchy for axl.

Every error axl anticipates derives from :class:`AxlError`. Each carries a
machine-readable ``code``, a one-line ``message`` that names what went wrong
(workflow, step, argument), a ``hint`` that says what to do, and the process
``exit_code`` the CLI and the runner use for it.

Exit codes (stable, documented in the README):

====  ==========================================================
0     success
1     the command ran and reports a failure (a lint finding, a failed run)
2     bad input: invalid workflow, bad params, bad arguments
3     user code raised an exception inside a step
4     infrastructure: storage, artifacts, environment, imports in a pod
5     deploy: an orchestrator's API (a KFP server) cannot be reached or refuses a request
70    an unexpected internal error (a bug in axl; please report it)
====  ==========================================================
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_USER_CODE = 3
EXIT_INFRA = 4
EXIT_DEPLOY = 5
EXIT_INTERNAL = 70


class AxlError(Exception):
    """Root of every error axl anticipates."""

    code = "axl_error"
    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.context = {k: v for k, v in context.items() if v is not None}

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """The error as the ``error`` object of a ``--json`` answer."""
        out: dict[str, Any] = {"code": self.code, "message": self.message, "hint": self.hint}
        if self.context:
            out["context"] = {k: _jsonable(v) for k, v in self.context.items()}
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


# --- definition time: the user's workflow class, params and arguments -------------


class UsageError(AxlError):
    """Bad command-line arguments or API arguments."""

    code = "usage"


class WorkflowDefinitionError(AxlError):
    """A workflow class or one of its steps is declared wrongly."""

    code = "invalid_workflow"


class StepOptionError(WorkflowDefinitionError):
    """An option given to ``@step`` or ``@workflow`` is invalid."""

    code = "invalid_option"


class GraphError(WorkflowDefinitionError):
    """The DAG cannot be built: unbound, ambiguous or incompatible inputs, cycles."""

    code = "invalid_graph"


class ParamsError(AxlError):
    """Workflow parameters are missing, unknown or of the wrong type."""

    code = "invalid_params"


class TargetError(AxlError):
    """A ``-m TARGET`` reference cannot be resolved to a workflow class."""

    code = "invalid_target"


class WorkflowImportError(AxlError):
    """The user's workflow module failed to import."""

    code = "import_failed"


# --- run time ----------------------------------------------------------------------


class StepError(AxlError):
    """User code raised inside a step."""

    code = "step_failed"
    exit_code = EXIT_USER_CODE


class InfrastructureError(AxlError):
    """Storage, artifacts, environment: anything outside the user's code."""

    code = "infrastructure"
    exit_code = EXIT_INFRA


class ArtifactError(InfrastructureError):
    """An artifact is missing, corrupt, or cannot be written."""

    code = "artifact"


class SerializationError(AxlError):
    """An IO handler cannot serialise or deserialise a value."""

    code = "serialization"
    exit_code = EXIT_USER_CODE


class MissingDependencyError(AxlError):
    """An optional dependency (an extra) is not installed."""

    code = "missing_dependency"
    exit_code = EXIT_INFRA


class DeployError(AxlError):
    """An orchestrator's API cannot be reached, or refuses or fails a request."""

    code = "deploy"
    exit_code = EXIT_DEPLOY


class WaitTimeoutError(DeployError):
    """What was waited for (a run on an orchestrator) did not finish in time: a failure."""

    code = "timeout"
    exit_code = EXIT_FAILED


class LintError(AxlError):
    """A compiled document does not pass the schema or semantic lint."""

    code = "lint"
    exit_code = EXIT_FAILED
