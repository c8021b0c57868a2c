"""Requirements: which of a step's are missing here, and the key of an env of them.

An env (:mod:`axl.runtime.envs`) is named by :func:`env_key`: the blake3
digest of its canonical requirement set and of this Python's tag, so every
later step (and pod, and run) that lacks the same requirements on the same
kind of Python reuses it, and two Pythons never share one.

On the runner's start path, imported only when a step has packages: the
standard library and blake3.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata

from blake3 import blake3

from axl.errors import InfrastructureError

ENV_FORMAT = 1
"""The layout of an env (``uv pip install --target``, with axl's marker); part of the key."""

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PLAIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*([A-Za-z0-9.+!_-]+))?\s*$")
"""``name`` or ``name==version``: a requirement that needs no parser to check."""


class PackagesError(InfrastructureError):
    """A step's packages are missing, or cannot be installed or fetched."""

    code = "packages"


def requirement_name(requirement: str) -> str:
    """``"scikit-learn>=1.4; python_version>'3'"`` -> ``"scikit-learn"``."""
    match = _NAME.match(requirement)
    if not match:
        raise PackagesError(f"cannot read the package name in requirement {requirement!r}")
    return match.group(1)


def missing_requirements(
    requirements: Iterable[str], path: Sequence[str] | None = None
) -> list[str]:
    """Requirements whose distribution is not installed (or whose version does not fit).

    ``path``: the folders to look in (default ``sys.path``).
    """
    folders = list(sys.path if path is None else path)
    missing = []
    for requirement in requirements:
        name = requirement_name(requirement)
        found = next(iter(metadata.distributions(name=name, path=folders)), None)
        if found is None or not _version_fits(requirement, found.version):
            missing.append(requirement)
    return missing


def _version_fits(requirement: str, version: str) -> bool:
    plain = _PLAIN.match(requirement)
    if plain and plain.group(2) in (None, version):  # no need to import packaging (~70 ms)
        return True
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # without packaging, presence is all we can check
        return True
    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return True
    if req.marker is not None and not req.marker.evaluate():
        return True
    return req.specifier.contains(version, prereleases=True)


def canonical_requirements(requirements: Iterable[str]) -> tuple[str, ...]:
    """The requirement set as a key sees it: stripped, without repeats, sorted."""
    return tuple(sorted({text.strip() for text in requirements if text.strip()}))


def python_tag() -> str:
    """What decides which wheels fit this Python: ``cpython-311-x86_64-linux-gnu/linux-x86_64``.

    The ABI tag (implementation, version, ABI flags, architecture, libc) and
    the platform (with the macOS deployment target).
    """
    import sysconfig

    abi = sysconfig.get_config_var("SOABI") or f"{sys.implementation.cache_tag}{sys.abiflags}"
    return f"{abi}/{sysconfig.get_platform()}"


def env_key(requirements: Iterable[str], tag: str | None = None) -> str:
    """The name of the env of ``requirements`` for Python ``tag`` (default: this one).

    Hex blake3 of canonical JSON: the env format, the Python tag and
    :func:`canonical_requirements`; the same set in any order gives the same key.
    """
    data = {
        "format": ENV_FORMAT,
        "python": python_tag() if tag is None else tag,
        "requirements": list(canonical_requirements(requirements)),
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return str(blake3(text.encode("utf-8")).hexdigest())
