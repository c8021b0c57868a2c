"""Find an IO handler by name, or register a handler object under its name.

The built-in handlers are imported the first time their name is resolved, so
resolving ``"parquet"`` imports neither pyarrow nor pandas (the handler
imports them when it reads or writes).
"""

from __future__ import annotations

import importlib
import re
import threading
from typing import Any

from axl.errors import StepOptionError
from axl.io.base import IOHandler

_BUILTINS: dict[str, tuple[str, str]] = {
    "arrow": ("axl.io.arrow", "ArrowHandler"),
    "cloudpickle": ("axl.io.cloudpickle", "CloudpickleHandler"),
    "json": ("axl.io.json", "JsonHandler"),
    "parquet": ("axl.io.parquet", "ParquetHandler"),
    "pickle": ("axl.io.pickle", "PickleHandler"),
}
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_EXT = re.compile(r"^(\.[A-Za-z0-9_-]+)+$")

_handlers: dict[str, IOHandler] = {}
_lock = threading.Lock()


class HandlerError(StepOptionError):
    """An IO handler name is unknown, or a handler object cannot be registered."""

    code = "invalid_handler"


def handler_names() -> list[str]:
    """The names :func:`get_handler` resolves: the built-ins and every registered handler."""
    return sorted(set(_BUILTINS) | set(_handlers))


def get_handler(name_or_handler: str | IOHandler) -> IOHandler:
    """The handler for a name, or a handler object (registered under its name on the way).

    Raises:
        HandlerError: the name is unknown, or the object is not an :class:`IOHandler`
            or clashes with a different handler of the same name.
    """
    if isinstance(name_or_handler, str):
        handler = _handlers.get(name_or_handler)
        if handler is not None:
            return handler
        if name_or_handler in _BUILTINS:
            return _load_builtin(name_or_handler)
        raise HandlerError(
            f"unknown IO handler {name_or_handler!r}; known handlers: "
            + ", ".join(handler_names()),
            hint="pass one of these names, or an IOHandler object",
            handler=name_or_handler,
        )
    if _handlers.get(str(getattr(name_or_handler, "name", ""))) is name_or_handler:
        return name_or_handler  # already registered: skip the protocol check
    return register_handler(name_or_handler)


def register_handler(handler: IOHandler) -> IOHandler:
    """Make ``handler`` resolvable by its ``name``; returns the registered handler.

    Registering the same object again, or another instance of the same class
    with the same extension (a module imported twice), is allowed. Any other
    handler under a name already taken is an error.
    """
    _check_handler(handler)
    with _lock:
        existing = _handlers.get(handler.name)
        if existing is None and handler.name in _BUILTINS:
            existing = _load_builtin(handler.name)
        if existing is None:
            _handlers[handler.name] = handler
            return handler
        if existing is handler:
            return handler
        if _same_kind(existing, handler):
            _handlers[handler.name] = handler
            return handler
    raise HandlerError(
        f"IO handler name {handler.name!r} is taken by {_describe(existing)}; "
        f"cannot register {_describe(handler)}",
        hint="give the new handler a different name",
        handler=handler.name,
    )


def _load_builtin(name: str) -> IOHandler:
    module_name, class_name = _BUILTINS[name]
    handler: IOHandler = getattr(importlib.import_module(module_name), class_name)()
    return _handlers.setdefault(name, handler)


def _check_handler(handler: Any) -> None:
    if isinstance(handler, type) or not isinstance(handler, IOHandler):
        raise HandlerError(
            f"{handler!r} is not an IO handler name or an IOHandler object",
            hint="pass a name such as 'pickle', or an instance with name, ext, save, load "
            "and metadata",
        )
    if not isinstance(handler.name, str) or not _NAME.match(handler.name):
        raise HandlerError(
            f"IO handler {_describe(handler)} has the invalid name {handler.name!r}",
            hint="use lower-case letters, digits, '-' and '_', starting with a letter",
        )
    if not isinstance(handler.ext, str) or not _EXT.match(handler.ext):
        raise HandlerError(
            f"IO handler {handler.name!r} has the invalid extension {handler.ext!r}",
            hint="use a file extension with its dot, such as '.pkl' or '.tar.gz'",
            handler=handler.name,
        )


def _same_kind(a: IOHandler, b: IOHandler) -> bool:
    return _describe(a) == _describe(b) and a.ext == b.ext


def _describe(handler: Any) -> str:
    kind = type(handler)
    return f"{kind.__module__}.{kind.__qualname__}"
