"""Errors raised while a Pulumi program declares axl components (at program time)."""

from __future__ import annotations

from axl.errors import AxlError, UsageError


class ComponentError(UsageError):
    """A component was given an argument it cannot use: unknown target, bad name, bad option."""

    code = "invalid_component"


def in_component(prefix: str, exc: AxlError) -> AxlError:
    """``exc`` again, its message prefixed with ``prefix`` (the component that met it)."""
    message = f"{prefix}: {exc.message}"
    try:
        again = type(exc)(message, hint=exc.hint, **exc.context)
    except TypeError:
        again = ComponentError(message, hint=exc.hint)
    return again
