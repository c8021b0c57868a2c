"""The job in memory, for code-first users: ``definitions(IrisKNN)`` is ``defs`` of the module.

:func:`definitions` builds, from the same plan as ``axl compile --target
dagster``, the job the module's ``defs`` holds (:mod:`.objects`: the same
ops, config, retries, tags and resources, as Dagster's snapshot of each
shows), without writing the module's source and having Dagster inspect
every op function of it: a 2,000-step job builds in about a second.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from axl.compiler.dagster.options import DEFAULT_WORKSPACE, DagsterOptions
from axl.compiler.dagster.plan import make_plan
from axl.errors import MissingDependencyError
from axl.ir import IRWorkflow, build_ir
from axl.planning.cache import CacheSettings

if TYPE_CHECKING:
    from axl.dsl.workflow import Workflow

DAGSTER_HINT = "pip install 'axl-workflows[dagster]'"


class JobOptions(TypedDict, total=False):
    """The keyword arguments of :func:`definitions` and :func:`to_job`."""

    workspace: str | Path
    python_path: Sequence[str] | None
    packages_policy: str
    name: str | None
    executor: str | None
    max_concurrent: int | None
    cache_store: str | None
    cache_endpoint: str | None


def definitions(workflow: type[Workflow] | IRWorkflow, **options: Unpack[JobOptions]) -> Any:
    """A ``dagster.Definitions`` holding the workflow's job and the workspace resource.

    ``workflow`` is a workflow class or its IR. ``python_path`` lists the
    folders a step imports the workflow from; for a class, the default is
    the folder its module is imported from (as ``axl.run_local`` does), for
    an IR none (the working directory). ``workspace`` (default ``.axl``),
    ``packages_policy``, ``name``, ``executor`` and ``max_concurrent`` are those of
    :class:`~axl.compiler.dagster.DagsterOptions`.

    Raises:
        MissingDependencyError: Dagster is not installed.
    """
    require_dagster()
    ir = workflow if isinstance(workflow, IRWorkflow) else build_ir(workflow)
    python_path = options.get("python_path")
    if python_path is None:
        python_path = () if isinstance(workflow, IRWorkflow) else _import_root(workflow)
    plan = make_plan(
        ir,
        DagsterOptions(
            workspace=str(options.get("workspace", DEFAULT_WORKSPACE)),
            python_path=tuple(python_path),
            packages_policy=options.get("packages_policy", "check"),
            name=options.get("name"),
            executor=options.get("executor"),
            max_concurrent=options.get("max_concurrent"),
            cache=_cache(ir, workflow, options),
        ),
    )
    from axl.compiler.dagster.objects import build_definitions

    return build_definitions(plan, f"<axl dagster {ir.ref}>")


def to_job(workflow: type[Workflow] | IRWorkflow, **options: Unpack[JobOptions]) -> Any:
    """The workflow's ``dagster.JobDefinition``, its workspace resource bound.

    The arguments are those of :func:`definitions`.
    """
    defs = definitions(workflow, **options)
    (job,) = defs.jobs
    return defs.resolve_job_def(job.name)


def require_dagster() -> None:
    """Raise a one-line :class:`MissingDependencyError` unless Dagster imports."""
    try:
        import dagster  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "the Dagster target's job needs the dagster extra", hint=DAGSTER_HINT
        ) from None


def _cache(
    ir: IRWorkflow, workflow: type[Workflow] | IRWorkflow, options: JobOptions
) -> CacheSettings | None:
    store = options.get("cache_store")
    if store is None and not isinstance(workflow, IRWorkflow):
        store = workflow.cache_store
    module_file = getattr(sys.modules.get(ir.module), "__file__", None)
    if store is None or not module_file or not any(node.cache for node in ir.nodes):
        return None
    from axl.planning.cache_code import project_cache

    found = project_cache(
        ir, store, Path(module_file).resolve(), endpoint=options.get("cache_endpoint")
    )
    return found.settings


def _import_root(cls: type[Workflow]) -> tuple[str, ...]:
    from axl.dsl.loader import module_for_file

    module_file = getattr(sys.modules.get(cls.__module__), "__file__", None)
    return (str(module_for_file(Path(module_file))[1]),) if module_file else ()
