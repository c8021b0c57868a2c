"""Lowering, shared by every backend: from the IR to what each step's runner is given.

A target supplies a :class:`~axl.planning.paths.PathScheme` (where a step's
files are in its world) and :class:`~axl.planning.manifests.ManifestSettings`
(the workflow reference, code, params as the runner should see them);
:func:`lower` answers, per step, the one :class:`~axl.manifest.Manifest`
and the effective env, image, resources, retries, timeout and condition.
The local engine and every compiler build their steps from it, so a step is
described the same way everywhere; only paths and the run id differ.
"""

from axl.planning.lower import Lowering, StepPlan, lower
from axl.planning.manifests import (
    ManifestSettings,
    escaped_braces,
    manifest_data,
    manifest_text,
    step_manifest,
)
from axl.planning.params import param_kind, param_text, value_steps, workflow_params
from axl.planning.paths import PathScheme, RunFolder, output_file, run_path
from axl.planning.runner import RUNNER_COMMAND, runner_args
from axl.planning.steps import (
    condition_warnings,
    kubernetes_resources,
    literal_env,
    merged_env,
    retry_delay,
    step_image,
)

__all__ = [
    "RUNNER_COMMAND",
    "Lowering",
    "ManifestSettings",
    "PathScheme",
    "RunFolder",
    "StepPlan",
    "condition_warnings",
    "escaped_braces",
    "kubernetes_resources",
    "literal_env",
    "lower",
    "manifest_data",
    "manifest_text",
    "merged_env",
    "output_file",
    "param_kind",
    "param_text",
    "retry_delay",
    "run_path",
    "runner_args",
    "step_image",
    "step_manifest",
    "value_steps",
    "workflow_params",
]
