"""The run-folder placeholder of a Dagster manifest, and how an op resolves it.

A run's folder is ``<workspace>/runs/<Dagster run id>``, known only when the
run starts, so a manifest compiled for Dagster holds ``$RUN_DIR`` in place of
it (``$RUN_DIR/train/output.pkl``: the layout of every run folder, see
:func:`axl.planning.run_path`); each op replaces it before it hands the
manifest to the runner. Standard library and the manifest only: the ops
import it, and so does the compiler.
"""

from __future__ import annotations

from dataclasses import replace

from axl.manifest import Manifest

RUN_DIR = "$RUN_DIR"
"""The run folder, in a compiled manifest's paths."""


def resolve_path(path: str, run_dir: str) -> str:
    """``path`` with a leading :data:`RUN_DIR` replaced by ``run_dir``."""
    if path == RUN_DIR or path.startswith(RUN_DIR + "/"):
        return run_dir + path[len(RUN_DIR) :]
    return path


def resolve(manifest: Manifest, run_dir: str) -> Manifest:
    """``manifest`` with every input and output path inside ``run_dir``."""
    inputs = tuple(
        replace(item, path=resolve_path(item.path, run_dir)) if item.path is not None else item
        for item in manifest.inputs
    )
    outputs = tuple(
        replace(
            out,
            path=resolve_path(out.path, run_dir),
            value_path=resolve_path(out.value_path, run_dir) if out.value_path else None,
        )
        for out in manifest.outputs
    )
    return replace(manifest, inputs=inputs, outputs=outputs)
