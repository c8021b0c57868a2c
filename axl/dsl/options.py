"""Typed step options: resources, retries, secrets, timeouts and their validation.

Every ``@step`` option is normalised here into a small frozen value, so the IR
builder and the compilers never see the loose forms users may write
(``retries=3``, ``resources={"cpu": 2}``, ``timeout="10m"``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from axl.dataclass_fast import dataclass

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class OptionValueError(ValueError):
    """An option value is malformed; the caller adds the step and option names."""


@dataclass(frozen=True)
class Resources:
    """Compute a step asks for: ``cpu`` ("500m", 2), ``memory`` ("2Gi"), ``gpu`` (count).

    ``cpu`` and ``memory`` are requests; ``cpu_limit`` and ``memory_limit`` are
    optional limits (memory's limit defaults to its request on Kubernetes backends).
    """

    cpu: str | None = None
    memory: str | None = None
    gpu: int | None = None
    cpu_limit: str | None = None
    memory_limit: str | None = None

    def __post_init__(self) -> None:
        for field in ("cpu", "memory", "cpu_limit", "memory_limit"):
            value = getattr(self, field)
            if value is None:
                continue
            text = _quantity_text(value)
            if not _QUANTITY.match(text):
                raise OptionValueError(
                    f"{field}={value!r} is not a Kubernetes quantity (e.g. '500m', 2, '4Gi')"
                )
            object.__setattr__(self, field, text)
        if self.gpu is not None and (
            isinstance(self.gpu, bool) or not isinstance(self.gpu, int) or self.gpu < 0
        ):
            raise OptionValueError(f"gpu={self.gpu!r} must be a whole number of GPUs >= 0")


def _quantity_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OptionValueError(f"{value!r} is not a Kubernetes quantity (e.g. '500m', 2, '4Gi')")
    if isinstance(value, float):
        if value <= 0 or not math.isfinite(value):
            raise OptionValueError(f"{value!r} must be a positive quantity")
        millis = round(value * 1000)
        return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"
    return str(value)


@dataclass(frozen=True)
class Retry:
    """How often a failed step is retried, and how long to wait between attempts.

    ``count`` retries after the first attempt; the n-th wait is
    ``backoff * factor ** (n - 1)`` seconds, capped by ``max_backoff``.
    """

    count: int
    backoff: float = 0.0
    factor: int = 2
    max_backoff: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise OptionValueError(f"count={self.count!r} must be a whole number >= 0")
        if not _is_number(self.backoff) or self.backoff < 0:
            raise OptionValueError(f"backoff={self.backoff!r} must be seconds >= 0")
        if isinstance(self.factor, bool) or not isinstance(self.factor, int) or self.factor < 1:
            raise OptionValueError(f"factor={self.factor!r} must be a whole number >= 1")
        if self.max_backoff is not None and (
            not _is_number(self.max_backoff) or self.max_backoff < self.backoff
        ):
            raise OptionValueError(f"max_backoff={self.max_backoff!r} must be seconds >= backoff")
        object.__setattr__(self, "backoff", float(self.backoff))
        if self.max_backoff is not None:
            object.__setattr__(self, "max_backoff", float(self.max_backoff))

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        wait = self.backoff * float(self.factor) ** (attempt - 1)
        return min(wait, self.max_backoff) if self.max_backoff is not None else wait


@dataclass(frozen=True)
class Secret:
    """An environment value read from a Kubernetes Secret, never written into YAML.

    On Kubernetes backends it becomes ``valueFrom.secretKeyRef``; the local
    engine reads the variable from the caller's environment instead.
    """

    name: str
    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SECRET_NAME.match(self.name):
            raise OptionValueError(
                f"Secret name {self.name!r} is not a valid Kubernetes name (lower-case, '-', '.')"
            )
        if not isinstance(self.key, str) or not _SECRET_KEY.match(self.key):
            raise OptionValueError(f"Secret key {self.key!r} is not a valid Secret data key")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_keys(value: Mapping[Any, Any], known: set[str]) -> None:
    unknown = sorted(repr(key) for key in value if key not in known)
    if unknown:
        raise OptionValueError(
            f"unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}"
        )


def parse_resources(value: Any) -> Resources | None:
    """``resources=`` as a :class:`Resources` or a mapping of its fields."""
    if value is None or isinstance(value, Resources):
        return value
    if not isinstance(value, Mapping):
        raise OptionValueError("expected a mapping like {'cpu': '500m', 'memory': '1Gi', 'gpu': 1}")
    _check_keys(value, set(Resources.__dataclass_fields__))
    return Resources(**value)


def parse_retries(value: Any) -> Retry | None:
    """``retries=`` as a count, a :class:`Retry`, or a mapping of its fields."""
    if value is None or isinstance(value, Retry):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Retry(count=value)
    if isinstance(value, Mapping):
        _check_keys(value, set(Retry.__dataclass_fields__))
        if "count" not in value:
            raise OptionValueError("a retries mapping needs 'count'")
        return Retry(**value)
    raise OptionValueError("expected a retry count (3) or {'count': 3, 'backoff': 5}")


def parse_duration(value: Any) -> float | None:
    """Seconds from a number or a duration text like ``"90s"``, ``"10m"``, ``"1h30m"``."""
    if value is None:
        return None
    if _is_number(value):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise OptionValueError(f"{value!r} is not a duration (e.g. 30, '90s', '10m', '1h30m')")
        seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
    else:
        raise OptionValueError(f"{value!r} is not a duration (e.g. 30, '90s', '10m', '1h30m')")
    if seconds <= 0:
        raise OptionValueError(f"{value!r} must be a positive duration")
    return seconds


def parse_env(value: Any) -> dict[str, str | Secret]:
    """``env=`` as a mapping of variable names to text or :class:`Secret` values."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise OptionValueError("expected a mapping of variable names to values")
    out: dict[str, str | Secret] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not _ENV_NAME.match(name):
            raise OptionValueError(f"{name!r} is not a valid environment variable name")
        if isinstance(item, Secret):
            out[name] = item
        elif isinstance(item, bool):
            out[name] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            out[name] = str(item)
        else:
            raise OptionValueError(
                f"value of {name} must be text, a number or axl.Secret(name, key), "
                f"not {type(item).__name__}"
            )
    return out


def parse_packages(value: Any) -> tuple[str, ...]:
    """``packages=`` / ``requirements=`` as a sequence of requirement strings."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise OptionValueError("expected a list of requirement strings like ['scikit-learn>=1.4']")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise OptionValueError(f"{item!r} is not a requirement string")
    return tuple(item.strip() for item in value)
