"""The workflow a component deploys: a class or a ``file.py:Class`` target, and its IR."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from axl.errors import AxlError
from axl_pulumi.errors import ComponentError, in_component

if TYPE_CHECKING:
    from axl.dsl.workflow import Workflow
    from axl.ir import IRWorkflow


@dataclass(frozen=True)
class WorkflowSource:
    """A workflow class, the file that defines it, and its validated IR."""

    cls: type[Workflow]
    ir: IRWorkflow
    module_file: Path | None
    """The ``.py`` file of the class (None for classes defined outside a file)."""
    warnings: tuple[str, ...] = ()


WorkflowLike: TypeAlias = "type[Workflow] | str | WorkflowSource"
"""What ``workflow=`` takes: a workflow class, a target (``path/to/file.py:Class`` or
``package.module:Class``), or an already resolved :class:`WorkflowSource`."""


def resolve_workflow(workflow: WorkflowLike, owner: str) -> WorkflowSource:
    """Load and validate ``workflow``; errors carry axl's own message, prefixed by ``owner``."""
    from axl.dsl.workflow import Workflow

    if isinstance(workflow, WorkflowSource):
        return workflow
    if isinstance(workflow, str):
        from axl.dsl.loader import load_target

        try:
            cls = load_target(workflow).cls
        except AxlError as exc:
            raise in_component(owner, exc) from None
    elif isinstance(workflow, type) and issubclass(workflow, Workflow):
        cls = workflow
    else:
        raise ComponentError(
            f"{owner}: workflow={workflow!r} is not a workflow",
            hint="pass a Workflow subclass or a target such as 'flows/train.py:Train'",
        )
    return _build(cls, owner)


def project_of(
    source: WorkflowSource,
    workflow_path: str | os.PathLike[str] | None,
    owner: str,
    *,
    into: str,
) -> tuple[Path, str]:
    """The project folder whose code ships with ``source`` (``workflow_path``, or found from
    its file) and the dotted module of the workflow in it; ``into`` names what the code goes
    into in errors (``the archive``, ``the image``)."""
    from axl.packaging import archive_root_for, locate_module

    if source.module_file is None:
        raise ComponentError(
            f"{owner}: workflow {source.cls.__qualname__} is not defined in a file, "
            f"so there is no code to put into {into}",
            hint="define the workflow in a .py file and import it in the program",
        )
    folder = None if workflow_path is None else Path(workflow_path)
    try:
        root = archive_root_for(source.module_file, folder)
        module = locate_module(source.module_file, root).module
    except AxlError as exc:
        raise in_component(owner, exc) from None
    if module.rsplit(".", 1)[-1] == "__main__":
        raise ComponentError(
            f"{owner}: workflow {source.cls.__qualname__} is defined in {module}, "
            "which a runner cannot import",
            hint="move the workflow class to a module of its own and import it in the program",
        )
    return root, module


def _build(cls: type[Workflow], owner: str) -> WorkflowSource:
    from axl.ir import build

    try:
        result = build(cls)
    except AxlError as exc:
        raise in_component(f"{owner}: workflow {cls.__qualname__} does not validate", exc) from None
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    return WorkflowSource(
        cls=cls,
        ir=result.ir,
        module_file=Path(file).resolve() if file else None,
        warnings=result.warnings,
    )
