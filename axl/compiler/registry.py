"""The compile targets, by name: each a module holding a ``TARGET``, imported when asked for."""

from __future__ import annotations

import importlib

from axl.compiler.target import Target
from axl.errors import UsageError

TARGET_MODULES: dict[str, str] = {
    "argo": "axl.compiler.argo.target",
    "kfp": "axl.compiler.kfp.target",
    "dagster": "axl.compiler.dagster.target",
}
"""Target name -> the module that defines it (its ``TARGET``)."""

PLANNED: tuple[str, ...] = ()


def target_names() -> tuple[str, ...]:
    """The names ``--target`` takes."""
    return tuple(TARGET_MODULES)


def get_target(name: str) -> Target:
    """The target called ``name``; an unknown or planned one is a usage error naming the rest."""
    module = TARGET_MODULES.get(name)
    if module is None:
        known = f"targets: {', '.join(TARGET_MODULES)}"
        if PLANNED:
            known += f" (planned: {', '.join(PLANNED)})"
        if name in PLANNED:
            raise UsageError(f"--target {name!r} is not available yet", hint=known)
        raise UsageError(f"unknown --target {name!r}", hint=known)
    target: Target = importlib.import_module(module).TARGET
    return target


def all_targets() -> list[Target]:
    """Every available target (each module imported)."""
    return [get_target(name) for name in TARGET_MODULES]
