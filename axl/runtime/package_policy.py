"""The manifest's package policy, applied before the step is imported.

``none`` trusts the environment; ``check`` fails, naming every missing
requirement; ``install`` makes an env of what is missing ready
(:func:`axl.runtime.envs.ready_env`: the cache, the env store, then uv)
and puts it first on ``sys.path``.
"""

from __future__ import annotations

import sys

from axl.manifest import Manifest
from axl.runtime.env_cache import base_path
from axl.runtime.packages import PackagesError, missing_requirements


def ensure_packages(manifest: Manifest) -> None:
    """Apply the manifest's package policy before the step is imported and run."""
    packages, step = manifest.packages, manifest.step
    missing = missing_requirements(packages.requirements, base_path())
    if not missing:
        return
    if packages.policy == "check":
        raise PackagesError(
            f"step {step!r} needs {', '.join(missing)}, which this environment lacks",
            hint="install them in the image (or locally), or run with packages policy 'install'",
            step=step,
        )
    from axl.runtime.envs import ready_env
    from axl.runtime.logs import log_event

    env = ready_env(missing, store=packages.store, step=step)
    if str(env.path) not in sys.path:
        sys.path.insert(0, str(env.path))
    log_event(
        "env_ready",
        workflow=manifest.workflow_name or manifest.workflow,
        step=step,
        run_id=manifest.run_id,
        duration_ms=env.duration_ms,
        env=env.key,
        source=env.source,
    )
