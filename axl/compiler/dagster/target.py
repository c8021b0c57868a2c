"""``--target dagster``: the flags, options, compile and check of a Dagster job module."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from axl.compiler.dagster.options import DEFAULT_WORKSPACE, DagsterOptions
from axl.compiler.target import PACKAGES_FLAG, PYTHON_PATH_FLAG, Compiled, Target, TargetFlag
from axl.errors import LintError, UsageError
from axl.ir import IRWorkflow
from axl.planning.cache import CacheSettings


class DagsterTarget(Target):
    """A Python module defining ``defs = Definitions(jobs=[...])``, one op per step."""

    name = "dagster"
    summary = "Dagster job module (defs = Definitions(...); one op per step)"
    flags = (
        TargetFlag(
            "--workspace",
            "workspace",
            f"Folder of the run folders (<folder>/runs/<Dagster run id>/; "
            f"default {DEFAULT_WORKSPACE}).",
            metavar="DIR",
        ),
        TargetFlag("--name", "name", "Job name (default: the workflow's, '-' written '_')."),
        TargetFlag(
            "--executor",
            "executor",
            "in_process or multiprocess (default: Dagster's, a process per op).",
        ),
        TargetFlag(
            "--max-concurrent",
            "max_concurrent",
            "Ops at once with --executor multiprocess (0: as many as CPUs).",
            kind=int,
            metavar="N",
        ),
        PACKAGES_FLAG,
        PYTHON_PATH_FLAG,
    )

    def options(self, values: Mapping[str, Any]) -> DagsterOptions:
        return DagsterOptions(**values)

    def with_cache(
        self, options: DagsterOptions, cache: CacheSettings, secret: str | None
    ) -> DagsterOptions:
        """The ops run in the code location's process: its environment holds the S3
        credentials, and a folder store is a folder of that machine."""
        if secret is not None:
            raise UsageError(
                "--target dagster takes no --cache-secret: an op reads the store's "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from its process's environment",
                hint="set them where the Dagster code location runs, and leave --cache-secret out",
            )
        return replace(options, cache=cache)

    def compile(self, ir: IRWorkflow, options: DagsterOptions) -> Compiled:
        """The module; without ``--python-path``, the steps import the workflow from where
        this process imported it (:func:`import_root`)."""
        from axl.compiler.dagster.module import module_source
        from axl.compiler.dagster.plan import make_plan

        if not options.python_path:
            options = replace(options, python_path=import_root(ir.module))
        plan = make_plan(ir, options)
        text = module_source(plan)
        return Compiled(
            document=plan,
            text=text,
            warnings=plan.warnings,
            kind="Dagster job module",
            hash=ir.compute_hash(),
        )

    def check(self, compiled: Compiled) -> list[str]:
        """The module compiles as Python (importing it would import Dagster: too slow here)."""
        try:
            compile(compiled.text, "<dagster job module>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise LintError(
                f"the Dagster job module does not compile: {exc.msg} (line {exc.lineno})",
                hint="this is a bug in axl's Dagster target; please report it",
            ) from None
        return []


def import_root(module: str) -> tuple[str, ...]:
    """The folder ``module`` was imported from, for the runner's ``sys.path``.

    Relative to the working directory when inside it (the module is then the
    same on every machine: ``examples`` for ``examples/iris_knn.py``), and
    none when it is the working directory itself (``python -m`` starts from
    there) or the module is not loaded; absolute otherwise.
    """
    loaded = sys.modules.get(module)
    file = getattr(loaded, "__file__", None)
    if not file:
        return ()
    from axl.dsl.loader import module_for_file

    root = module_for_file(Path(file))[1]
    here = Path.cwd().resolve()
    if root == here:
        return ()
    if root.is_relative_to(here):
        return (root.relative_to(here).as_posix(),)
    return (str(root),)


TARGET = DagsterTarget()
