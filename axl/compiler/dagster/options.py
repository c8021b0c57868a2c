"""What the Dagster target can be told besides the IR: a small frozen options object."""

from __future__ import annotations

import re

from axl.dataclass_fast import dataclass
from axl.errors import UsageError
from axl.manifest import PACKAGE_POLICIES
from axl.planning.cache import CacheSettings

DAGSTER_NAME = re.compile(r"^[A-Za-z0-9_]+$")
"""A name Dagster takes for a job, an op, an input or a resource."""
RESERVED_NAMES = frozenset(
    {
        "context", "conf", "config", "meta", "arg_dict", "dict", "input_arg_dict",
        "output_arg_dict", "int", "str", "float", "bool", "input", "output", "type",
    }
)  # fmt: skip
"""Names Dagster refuses besides Python's keywords (``dagster._core.definitions.utils``)."""
DEFAULT_WORKSPACE = ".axl"
EXECUTORS = ("in_process", "multiprocess")
"""Dagster executors a job can be given (none: Dagster's default, a process per op)."""


class DagsterOptionsError(UsageError):
    """A Dagster target option is invalid, or the workflow uses what the target cannot express."""

    code = "invalid_option"


@dataclass(frozen=True)
class DagsterOptions:
    """How to compile an IR to a Dagster job module; every field has a working default.

    ``workspace`` is the folder whose ``runs/<Dagster run id>/`` holds each
    run's artifacts and record (relative: to the working directory of the
    Dagster process), as ``axl run local --workspace`` does;
    ``python_path`` entries go on ``sys.path`` before a step imports the
    workflow; ``packages_policy`` is what the runner does about missing step
    packages; ``name`` is the job's name (default: the workflow's, with
    ``_`` for every character Dagster does not take); ``executor`` is
    ``in_process`` (every op in the run's process, one after the other) or
    ``multiprocess`` (a process per op, at most ``max_concurrent`` at once;
    0: as many as CPUs), and None leaves Dagster's default (multiprocess).
    The job's run config is the workflow's params, so the executor is chosen
    here rather than in the run config. ``cache`` is the step cache of
    ``cache=True`` steps (a folder or S3 store, whose credentials an op reads
    from its process's environment; None: no step has a cache section).
    """

    workspace: str = DEFAULT_WORKSPACE
    python_path: tuple[str, ...] = ()
    packages_policy: str = "check"
    name: str | None = None
    executor: str | None = None
    max_concurrent: int | None = None
    cache: CacheSettings | None = None

    def __post_init__(self) -> None:
        if not self.workspace or "\0" in self.workspace:
            raise DagsterOptionsError(f"workspace {self.workspace!r} is not a folder path")
        if self.packages_policy not in PACKAGE_POLICIES:
            raise DagsterOptionsError(
                f"packages_policy {self.packages_policy!r} is not one of "
                f"{', '.join(PACKAGE_POLICIES)}"
            )
        if self.name is not None:
            check_job_name(self.name)
        if self.executor is not None and self.executor not in EXECUTORS:
            raise DagsterOptionsError(
                f"executor {self.executor!r} is not one of {', '.join(EXECUTORS)}"
            )
        if self.max_concurrent is not None:
            if self.executor != "multiprocess":
                raise DagsterOptionsError(
                    "max_concurrent applies to the multiprocess executor",
                    hint="add --executor multiprocess, or leave out --max-concurrent",
                )
            if self.max_concurrent < 0:
                raise DagsterOptionsError(
                    f"max_concurrent {self.max_concurrent} is negative",
                    hint="give a number of processes, or 0 for as many as CPUs",
                )
        object.__setattr__(self, "python_path", tuple(self.python_path))


def is_dagster_name(name: str) -> bool:
    """Whether Dagster takes ``name`` for a job, an op or an input."""
    import keyword

    return (
        DAGSTER_NAME.match(name) is not None
        and name not in RESERVED_NAMES
        and not keyword.iskeyword(name)
    )


def check_job_name(name: str) -> str:
    """``name`` if Dagster takes it as a job name; otherwise a usage error saying the rule."""
    if not is_dagster_name(name):
        raise DagsterOptionsError(
            f"job name {name!r} is not valid on Dagster",
            hint="letters, digits and '_' only, and not a Python keyword or one of Dagster's "
            "reserved names (config, context, input, output, type...)",
        )
    return name
