"""The manifests of a local run: the shared lowering, with the run folder's paths.

A ``cache=True`` step's manifest has a cache section (the store, the code
digest computed once for the run). Each manifest also carries the step's
literal env values (the engine's step processes set them for the step, as a
pod's container spec does); Secrets are inherited from this environment and
never written anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from axl.ir import IRWorkflow
from axl.manifest import Manifest, WarmManifest
from axl.planning import ManifestSettings, RunFolder, literal_env, lower
from axl.planning.cache import step_cache
from axl.planning.warm import warm_manifest
from axl.runtime.local_cache import cache_settings
from axl.runtime.local_options import LocalOptions


def local_manifests(
    ir: IRWorkflow,
    params: Mapping[str, Any],
    run_dir: Path,
    run_id: str,
    options: LocalOptions,
) -> dict[str, Manifest]:
    """Step name -> the manifest of that step of a local run, artifacts under ``run_dir``."""
    settings = ManifestSettings(
        run_id=run_id,
        params=params,
        code=options.archive,
        python_path=options.python_path,
        packages_policy=options.packages_policy,
    )
    lowering = lower(ir, RunFolder(str(run_dir)), settings)
    cache = cache_settings(ir, options)  # the code digested once for the whole run
    return {
        name: replace(
            step.manifest,
            env=literal_env(ir, step.node),
            cache=step_cache(ir, step.node, cache),
        )
        for name, step in lowering.steps.items()
    }


def local_warm(
    ir: IRWorkflow, manifests: Mapping[str, Manifest], options: LocalOptions
) -> WarmManifest | None:
    """The warm step of a local run: this machine's env cache only (no store)."""
    return warm_manifest(ir, manifests.values(), options.packages_policy, None)
