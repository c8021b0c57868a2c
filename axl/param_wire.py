"""Param values as they cross process boundaries: JSON data, read from flags and files.

Params travel as JSON everywhere: in the manifest of a local subprocess, in
an Argo pod's ``--param k=v`` arguments, in the run record. So a param value
must be JSON data (mappings with text keys, lists, text, finite numbers,
booleans, null), and :func:`wire_value` makes every value that form once,
where it enters, so a step sees the same value in every isolation mode and
on every backend:

* a date or datetime (YAML reads ``2024-01-01`` as one) becomes its ISO text,
  which is what a pod receives for ``-p d=2024-01-01``;
* a tuple becomes a list; a number, boolean or null mapping key becomes its
  JSON text (``1`` -> ``"1"``), as JSON itself would write it;
* anything else (sets, bytes, NaN, infinities, objects, text that is not
  valid Unicode, values nested deeper than :data:`MAX_DEPTH` or larger than
  :data:`MAX_ITEMS` items) is a :class:`~axl.errors.ParamsError` naming the
  param and where in it the problem is.

Standard library only: the runner in a pod parses its ``--param`` flags here.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

from axl.errors import ParamsError

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings a param value may have."""

MAX_ITEMS = 1_000_000
"""Most values (scalars and containers, counted once per place) in one param."""

_MAX_INT_BITS = 14_000  # about Python's 4,300-digit limit of int <-> text conversion

_JSON_HINT = "a param is JSON data: mappings, lists, text, finite numbers, true/false, null"


def wire_value(value: Any, where: str) -> Any:
    """``value`` as plain JSON data (see the module docstring); ``where`` names it in errors.

    Iterative, so a deep value cannot exhaust the stack, and bounded, so a
    YAML alias bomb (a few lines that expand to billions of items) fails fast.
    """
    budget = [MAX_ITEMS]
    root: list[Any] = [None]
    # (value, container to write into, key or index there, depth, path for messages)
    stack: list[tuple[Any, Any, Any, int, str]] = [(value, root, 0, 0, "")]
    while stack:
        item, parent, slot, depth, path = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise ParamsError(
                f"{where} holds more than {MAX_ITEMS:,} values",
                hint="pass large data as a step input (an artifact), not as a param",
            )
        if isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise ParamsError(
                    f"{where} is nested deeper than {MAX_DEPTH} levels (or refers to itself)",
                    hint="flatten the value; a param is small configuration data",
                )
            if isinstance(item, dict):
                out: Any = {}
                keys: dict[str, Any] = {}
                for key, child in item.items():
                    text = _key_text(key, where, path)
                    if text in keys:
                        raise ParamsError(
                            f"{_at(where, path)}: keys {shown(keys[text])} and "
                            f"{shown(key)} are the same in JSON",
                            hint="keep one of them",
                        )
                    keys[text] = key
                    out[text] = None
                    stack.append((child, out, text, depth + 1, f"{path}.{label(text)}"))
            else:
                out = [None] * len(item)
                for index in range(len(item) - 1, -1, -1):
                    stack.append((item[index], out, index, depth + 1, f"{path}[{index}]"))
            parent[slot] = out
        else:
            parent[slot] = _scalar(item, where, path)
    return root[0]


def _scalar(value: Any, where: str, path: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > _MAX_INT_BITS:
            raise ParamsError(f"{_at(where, path)} is an integer too large to write as text")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParamsError(f"{_at(where, path)} is {value!r}, which is not a JSON number")
        return float(value)
    if isinstance(value, str):
        return _text(value, where, path)
    if isinstance(value, datetime.date):  # a datetime is a date too
        return value.isoformat()
    raise ParamsError(
        f"{_at(where, path)} holds a {type(value).__name__}, which is not JSON data",
        hint=_JSON_HINT,
    )


def _text(value: str, where: str, path: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ParamsError(
                f"{_at(where, path)} is text that is not valid Unicode (a lone surrogate)",
                hint="pass UTF-8 text",
            ) from None
    return str(value)


def _key_text(key: Any, where: str, path: str) -> str:
    """A mapping key as JSON writes it: text as is, scalars as their JSON text."""
    if isinstance(key, str):
        return _text(key, where, path)
    if key is None or isinstance(key, bool | int | float):
        return str(json.dumps(_scalar(key, where, path)))
    if isinstance(key, datetime.date):
        return key.isoformat()
    raise ParamsError(
        f"{_at(where, path)} has a key of type {type(key).__name__}; JSON keys are text",
        hint=_JSON_HINT,
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} overflows a float")
    return number


def parse_param_value(text: str, name: str = "") -> Any:
    """A ``--param k=v`` value: JSON when it parses (numbers, true/false, null, lists,
    objects), otherwise the text itself. The runner in a pod parses the same way.

    ``NaN``, ``Infinity`` and numbers that overflow a float are not JSON, so
    they stay text. A value nested deeper than :data:`MAX_DEPTH` is an error.
    """
    where = f"--param {label(name)}" if name else "--param value"
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ParamsError(
            f"{where} is nested deeper than {MAX_DEPTH} levels",
            hint="flatten the value; a param is small configuration data",
        ) from None
    except ValueError:
        return wire_value(text, where)
    return wire_value(value, where)


def load_params_file(path: Path) -> dict[str, Any]:
    """Read a ``--params`` file (YAML or JSON); it must hold a mapping of name to value."""
    import yaml

    name = label(str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParamsError(
            f"cannot read params file {name}: {exc.strerror or exc}",
            hint="pass an existing YAML or JSON file",
        ) from None
    except ValueError as exc:  # a NUL in the path
        raise ParamsError(f"cannot read params file {shown(str(path))}: {exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParamsError(
            f"params file {name} is not UTF-8 text (byte {data[exc.start]:#04x} at offset "
            f"{exc.start})",
            hint="save the file as UTF-8",
        ) from None
    try:
        # libyaml when present: PyYAML's own scanner is quadratic in the nesting depth.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loaded = yaml.load(text, Loader=loader) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise ParamsError(
            f"params file {name}{where} is not valid YAML/JSON"
            + (f": {problem}" if problem else ""),
            hint="fix the syntax; a params file is a mapping of name to value",
        ) from None
    except RecursionError:
        raise ParamsError(
            f"params file {name} is nested too deeply to read",
            hint=f"a param value may be nested at most {MAX_DEPTH} levels",
        ) from None
    except Exception as exc:  # PyYAML's constructors raise plain errors on some bad scalars
        raise ParamsError(
            f"params file {name} holds a value YAML cannot read: "
            f"{type(exc).__name__}: {_short(str(exc).splitlines()[0] if str(exc) else '')}",
            hint="quote the value to pass it as text",
        ) from None
    if not isinstance(loaded, dict):
        raise ParamsError(
            f"params file {name} must hold a mapping of name to value, not {type(loaded).__name__}"
        )
    values: dict[str, Any] = {}
    for key, value in loaded.items():
        if not isinstance(key, str):
            raise ParamsError(
                f"params file {name}: key {shown(key)} is not a param name but a "
                f"{type(key).__name__}",
                hint="quote it; YAML reads yes/no/on/off/null and numbers as values",
            )
        where = f"params file {name}: param {shown(key)}"
        values[wire_value(key, where)] = wire_value(value, where)
    return values


def merge_cli_params(params_file: Path | None, pairs: list[str] | None) -> dict[str, Any]:
    """Params from ``--params FILE`` overridden by ``--param key=value`` flags."""
    values = load_params_file(params_file) if params_file is not None else {}
    for pair in pairs or ():
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamsError(
                f"--param {shown(pair)} is not key=value", hint="write --param name=value"
            )
        values[wire_value(key, "--param name")] = parse_param_value(text, key)
    return values


def _at(where: str, path: str) -> str:
    return f"{where}{_short(path)}"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def shown(value: Any) -> str:
    """``repr(value)`` cut to one short line, for untrusted input inside an error message."""
    return _short(repr(value))


def label(name: str) -> str:
    """A name as it is when it is short printable text, else :func:`shown`."""
    return name if name.isprintable() and len(name) <= 80 else shown(name)
