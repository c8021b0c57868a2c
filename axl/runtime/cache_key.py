"""The step cache's key: a digest of everything a step's result depends on.

The key is blake3 over the canonical JSON of its named parts; each part is
itself digested, so :func:`cache_key` returns the part digests too, and
``axl cache explain`` can say which part changed since an earlier run:

``schema``       the key's own format (:data:`KEY_SCHEMA`);
``step``         the workflow reference (as the code archive names it) and the step;
``code``         the project's files as the code archive packs them (``cache.code``,
                 computed once per run or compile), else the shipped archive's digest:
                 any helper module counts, not only the step's source;
``environment``  a baked image's digest (never a tag), else the lock or requirements
                 file's digest, the step's requirements, the Python and the platform;
``params``       all the run's params (a step may read any);
``inputs``       each input: an artifact by content digest, handler and its version;
                 a param by name; a literal by value;
``outputs``      each output's handler and its version;
``env``          literal env values, and each Secret's *names* (never its value);
``axl``          axl's version.

Run ids, paths, timestamps, retries and resources are left out: they do not
change what a step returns. Computing a key reads each input's sidecar and
hashes its file (blake3, checked as a reader checks it); nothing is imported.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from blake3 import blake3

from axl._version import __version__
from axl.dataclass_fast import dataclass
from axl.digests import digest_hex, format_digest
from axl.manifest import Manifest, ManifestError

KEY_SCHEMA = 1
"""The version of the key's format: a new one makes every earlier entry a miss."""
PART_NAMES = (
    "schema", "step", "code", "environment", "params", "inputs", "outputs", "env", "axl",
)  # fmt: skip
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class CacheKey:
    """A step's key (hex blake3), its parts, and each part's digest."""

    key: str
    parts: Mapping[str, Any]
    digests: Mapping[str, str]


def cache_key(manifest: Manifest, input_digests: Mapping[str, str]) -> CacheKey:
    """The key of ``manifest``'s step, given each artifact input's ``blake3:`` digest by name.

    Raises :class:`~axl.manifest.ManifestError` when the manifest has no cache
    section, or names no code digest.
    """
    cache = manifest.cache
    if cache is None:
        raise ManifestError(f"step {manifest.step!r} has no cache section in its manifest")
    shipped = manifest.code.digest if manifest.code is not None else None
    hex_digest = digest_hex(cache.code or shipped or "")
    if hex_digest is None:
        raise ManifestError(f"step {manifest.step!r}: the cache section names no code digest")
    handlers = cache.handlers
    inputs = []
    for item in manifest.inputs:
        if item.source == "artifact":
            handler = item.handler or ""
            inputs.append(
                [item.name, "artifact", input_digests[item.name], handler, handlers.get(handler),
                 item.mode]
            )  # fmt: skip
        elif item.source == "param":
            inputs.append([item.name, "param", item.ref])
        else:
            inputs.append([item.name, "value", item.value])
    parts: dict[str, Any] = {
        "schema": KEY_SCHEMA,
        "step": {"workflow": cache.workflow or manifest.workflow, "step": manifest.step},
        "code": format_digest(hex_digest),
        "environment": environment(manifest),
        "params": manifest.params,
        "inputs": inputs,
        "outputs": [[out.name, out.handler, handlers.get(out.handler)] for out in manifest.outputs],
        "env": {"values": manifest.env, "secrets": sorted(cache.secrets)},
        "axl": __version__,
    }
    digests = {name: _digest(value) for name, value in parts.items()}
    return CacheKey(key=blake3(_ENCODER.encode(digests).encode()).hexdigest(), parts=parts,
                    digests=digests)  # fmt: skip


def environment(manifest: Manifest) -> dict[str, Any]:
    """What the step runs in: the image pinned by digest, else lock, requirements, Python."""
    assert manifest.cache is not None
    given: dict[str, Any] = dict(manifest.cache.environment)
    if "image" in given:
        return given
    given["requirements"] = sorted(manifest.packages.requirements)
    given["python"] = sys.implementation.cache_tag or sys.version.split()[0]
    given["platform"] = f"{sys.platform}-{os.uname().machine}"
    return given


def _digest(value: Any) -> str:
    return format_digest(blake3(_ENCODER.encode(value).encode()).hexdigest())
