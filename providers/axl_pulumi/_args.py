"""What every component shares: its ``Args`` from an object or from keywords, and name checks."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from axl.errors import AxlError
from axl.naming import is_dns_label, is_dns_subdomain
from axl_pulumi.errors import ComponentError, in_component

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

A = TypeVar("A", bound="DataclassInstance")


def args_from(args_type: type[A], args: A | None, kwargs: dict[str, Any], owner: str) -> A:
    """``args`` itself, or an ``args_type`` built from keyword arguments, with clear errors.

    Components take either form (``CodeArchive("c", CodeArchiveArgs(...))`` or
    ``CodeArchive("c", bucket=..., workflow=...)``), never both.
    """
    if args is not None:
        if kwargs:
            raise ComponentError(
                f"{owner}: pass an {args_type.__name__} or keyword arguments, not both",
                hint=f"move {', '.join(sorted(kwargs))} into the {args_type.__name__}",
            )
        if not isinstance(args, args_type):
            raise ComponentError(
                f"{owner}: args must be an {args_type.__name__}, not {type(args).__name__}"
            )
        return args
    fields = dataclasses.fields(args_type)
    names = [f.name for f in fields]
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise ComponentError(
            f"{owner}: unknown argument(s) {', '.join(unknown)}",
            hint=f"{args_type.__name__} takes {', '.join(names)}",
        )
    missing = [
        f.name
        for f in fields
        if f.name not in kwargs
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ComponentError(
            f"{owner}: missing required argument(s) {', '.join(missing)}",
            hint=f"pass {', '.join(f'{m}=...' for m in missing)}",
        )
    return args_type(**kwargs)


def shared_fields(source: DataclassInstance, target: type[DataclassInstance]) -> dict[str, Any]:
    """The values of ``source``'s fields that ``target`` has too (to forward options by name)."""
    names = {f.name for f in dataclasses.fields(target)}
    return {f.name: getattr(source, f.name) for f in dataclasses.fields(source) if f.name in names}


def compiler_extra(
    options: Mapping[str, Any],
    set_by_component: frozenset[str],
    owner: str,
    argument: str = "compiler_options",
) -> dict[str, Any]:
    """``options`` (the component's ``argument``, ``compiler_options`` by default) as a dict,
    refusing the fields the component sets itself."""
    extra = dict(options)
    clash = sorted(set_by_component & set(extra))
    if clash:
        raise ComponentError(
            f"{owner}: {argument} cannot set {', '.join(clash)}",
            hint="pass them as the component's own arguments",
        )
    return extra


@contextlib.contextmanager
def compiler_options_errors(owner: str, options_type: str) -> Iterator[None]:
    """Building a compiler's options: its errors named after ``owner``, unknown fields too."""
    try:
        yield
    except AxlError as exc:
        raise in_component(owner, exc) from None
    except TypeError as exc:
        raise ComponentError(
            f"{owner}: compiler_options: {exc}",
            hint=f"see {options_type} for the fields it takes",
        ) from None


def check_namespace(value: object, owner: str) -> None:
    """A plain namespace must be a DNS-1123 label (an ``Output`` is checked once it resolves)."""
    if isinstance(value, str) and not is_dns_label(value):
        raise ComponentError(
            f"{owner}: namespace {value!r} is not a valid Kubernetes namespace name",
            hint="use at most 63 lower-case letters, digits and '-', "
            "starting and ending with a letter or digit",
        )


def check_object_name(value: str, what: str, owner: str) -> None:
    """A Kubernetes object name (DNS-1123 subdomain, at most 253 characters)."""
    if not isinstance(value, str) or not is_dns_subdomain(value):
        raise ComponentError(
            f"{owner}: {what} {value!r} is not a valid Kubernetes name",
            hint="lower-case letters, digits, '-' and '.', starting and ending with a letter "
            "or digit",
        )


def describe(token: str, name: str) -> str:
    """How errors name a component: ``AxlWorkflow 'iris'``."""
    return f"{token.rsplit(':', 1)[-1]} {name!r}"


def program_path(path: Path) -> str:
    """``path`` relative to the program's folder when inside it (else absolute).

    A relative path makes an asset's or a build context's inputs the same on every
    machine that runs the program (a laptop, CI), so only the content can change them.
    """
    cwd = Path.cwd().resolve()
    resolved = path.resolve()
    if resolved.is_relative_to(cwd):
        return resolved.relative_to(cwd).as_posix()
    return str(resolved)
