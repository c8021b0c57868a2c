"""Step keys and the step result cache of the local engine (``@step(cache=True)``).

A step's key digests everything its result depends on: its name and code
digest, the output handler, each input (artifacts by content digest), the
params, the env (secrets by name only, never by value) and axl's version.
The run record keeps each step's key; the cache files results under it.

Entries live in ``<workspace>/cache/<key>/``: the artifact files, read-only,
and ``entry.json`` naming the key, the step and each file's digest. An entry
is written in a temporary folder and renamed into place, so concurrent runs
see a whole entry or none, and the first writer wins. Restoring checks the
entry's identity and digests and copies the files (a copy-on-write clone
where the filesystem has them), so damaging a run's output never damages the
cache, nor the other way round.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from blake3 import blake3

from axl._version import __version__
from axl.errors import ArtifactError
from axl.io import atomic
from axl.io.meta import encode_sidecar, sidecar_of
from axl.ir import IRNode, IRWorkflow
from axl.manifest import Manifest
from axl.runtime.record import OutputInfo

ENTRY_FILE = "entry.json"
_FICLONE = 0x40049409  # ioctl of Linux: share the blocks, copy on write


def step_key(
    ir: IRWorkflow, node: IRNode, manifest: Manifest, upstream: Mapping[str, str | None]
) -> str:
    """A digest of everything the step's result can depend on.

    ``upstream`` maps each upstream step to its output's digest (``None`` when skipped).
    """
    inputs: list[Any] = []
    for item in node.inputs:
        if item.source == "step":
            inputs.append([item.name, "step", item.ref, upstream.get(item.ref or ""), item.mode])
        else:
            inputs.append([item.name, item.source, item.ref, item.value])
    env = [
        [var.name, "secret", var.secret.name, var.secret.key]
        if var.secret is not None
        else [var.name, "value", var.value]
        for var in (*ir.env, *node.env)
    ]
    material = {
        "axl": __version__,
        "step": node.name,
        "code": node.code_digest,
        "handler": node.output.handler,
        "inputs": inputs,
        "upstream": sorted([name, upstream.get(name)] for name in ir.upstream(node.name)),
        "params": manifest.params,
        "env": env,
        "when": node.when.model_dump(mode="json") if node.when is not None else None,
    }
    text = json.dumps(material, sort_keys=True, default=repr)
    return blake3(text.encode()).hexdigest()[:32]


def clone_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically: a clone where possible, else a copy."""
    fd, temp = atomic.open_temp(str(target))
    try:
        try:
            with open(source, "rb") as src:
                try:
                    import fcntl

                    fcntl.ioctl(fd, _FICLONE, src.fileno())
                except OSError:
                    with open(fd, "wb", closefd=False) as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
        finally:
            os.close(fd)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException as exc:
        atomic.remove(temp)
        if isinstance(exc, OSError):
            raise atomic.cannot_write(str(target), exc.strerror or str(exc)) from None
        raise


def restore(
    cache_dir: Path, key: str, manifest: Manifest, *, run_id: str
) -> list[OutputInfo] | None:
    """Put a cached result in place of the step's outputs; None on a miss.

    An entry that does not check out (another key or step, a changed file) is
    removed, so the next store can replace it.
    """
    from axl.io.artifacts import verify_artifact

    entry = cache_dir / key
    try:
        info = json.loads((entry / ENTRY_FILE).read_bytes())
    except (OSError, ValueError):
        if entry.exists():
            _discard(entry)
        return None
    digests = info.get("digests") if isinstance(info, dict) else None
    if info.get("key") != key or info.get("step") != manifest.step or not isinstance(digests, dict):
        _discard(entry)
        return None
    found = []
    for out in manifest.outputs:
        cached = entry / Path(out.path).name
        try:
            meta = verify_artifact(cached)
        except ArtifactError:
            _discard(entry)
            return None
        if meta.digest != digests.get(cached.name) or meta.step != manifest.step:
            _discard(entry)
            return None
        found.append((out, cached, meta))
    outputs = []
    for out, cached, meta in found:
        target = Path(out.path)
        atomic.remove(sidecar_of(str(target)))
        clone_file(cached, target)
        mine = dataclasses.replace(meta, run_id=run_id)
        atomic.write_file(sidecar_of(str(target)), encode_sidecar(mine), durable=False)
        outputs.append(
            OutputInfo(
                name=out.name,
                path=out.path,
                handler=meta.handler,
                digest=meta.digest,
                size=meta.size,
                python_type=meta.python_type,
            )
        )
    return outputs


def store(cache_dir: Path, key: str, step: str, outputs: list[OutputInfo]) -> None:
    """Keep a step's outputs for later runs (the first complete entry for a key stays)."""
    entry = cache_dir / key
    if entry.exists():
        return
    temp = cache_dir / f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        temp.mkdir(parents=True)
        digests = {}
        for out in outputs:
            data = Path(out.path)
            for source in (data, Path(sidecar_of(str(data)))):
                clone_file(source, temp / source.name)
                os.chmod(temp / source.name, 0o444)
            digests[data.name] = out.digest
        (temp / ENTRY_FILE).write_text(
            json.dumps({"key": key, "step": step, "digests": digests}, sort_keys=True)
        )
        os.chmod(temp / ENTRY_FILE, 0o444)
        os.rename(temp, entry)
    except OSError:  # another run stored it first, or the cache is not writable: no entry
        _discard(temp)


def _discard(folder: Path) -> None:
    """Remove a folder of the cache (renamed aside first, so no reader sees it half gone)."""
    aside = folder.with_name(f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    with contextlib.suppress(OSError):
        os.rename(folder, aside)
        shutil.rmtree(aside, ignore_errors=True)
