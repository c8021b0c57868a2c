"""Step result cache of the local engine (``@step(cache=True)``).

A result is reused when nothing it could depend on changed: the step's code
digest, its output handler, the digests of its input artifacts, and the run's
params. Entries live in ``<workspace>/cache/<key>/`` and are linked (or
copied) into the run folder, so the run record stays complete.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from blake3 import blake3

from axl.ir import IRNode
from axl.runtime.manifest import Manifest
from axl.runtime.record import OutputInfo


def cache_key(node: IRNode, manifest: Manifest, upstream_digests: dict[str, str]) -> str:
    """A digest of everything the step's result can depend on."""
    inputs: list[Any] = []
    for item in manifest.inputs:
        if item.source == "artifact":
            inputs.append([item.name, "artifact", upstream_digests.get(item.name), item.mode])
        else:
            inputs.append([item.name, item.source, item.ref, item.value])
    material = {
        "code": node.code_digest,
        "handler": node.output.handler,
        "inputs": inputs,
        "params": manifest.params,
        "env": manifest.env,
    }
    text = json.dumps(material, sort_keys=True, default=repr)
    return blake3(text.encode()).hexdigest()[:32]


def _files(data_path: Path) -> list[Path]:
    stem = data_path.name.split(".", 1)[0]
    return [data_path, data_path.with_name(f"{stem}.meta.json")]


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copy2(source, tmp)
    os.replace(tmp, target)


def restore(cache_dir: Path, key: str, manifest: Manifest) -> list[OutputInfo] | None:
    """Put a cached result in place of the step's outputs; None on a miss."""
    from axl.errors import ArtifactError
    from axl.io.artifacts import verify_artifact

    entry = cache_dir / key
    outputs = []
    for out in manifest.outputs:
        cached = entry / Path(out.path).name
        try:
            meta = verify_artifact(cached)
        except ArtifactError:
            return None
        for source, target in zip(_files(cached), _files(Path(out.path))):
            _link_or_copy(source, target)
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


def store(cache_dir: Path, key: str, outputs: list[OutputInfo]) -> None:
    """Keep a step's outputs for later runs."""
    entry = cache_dir / key
    for out in outputs:
        for source in _files(Path(out.path)):
            _link_or_copy(source, entry / source.name)
