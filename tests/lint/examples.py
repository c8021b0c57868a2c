"""Example files the lint is held against, and which of them it flags (with the reason)."""

from __future__ import annotations

from pathlib import Path

from tests.lint.documents import SHARED

HERE = Path(__file__).parent
HERA = HERE / "hera_examples"

NOT_LINTED = "a kind axl does not lint (a finding, not a crash)"
_V4_REMOVED = "a field Argo 3.7 accepts and 4.1 removed"

UNSUPPORTED_KINDS = {
    "configmaps/simple-parameters-configmap.yaml": NOT_LINTED,
    "testvolume.yaml": NOT_LINTED,
    "workflow-count-resourcequota.yaml": NOT_LINTED,
    "workflow-event-binding/event-consumer-workfloweventbinding.yaml": NOT_LINTED,
    "workflow-event-binding/github-path-filter-workfloweventbinding.yaml": NOT_LINTED,
}

ARGO_FLAGGED = {
    "3.7": {
        **UNSUPPORTED_KINDS,
        "workflow-event-binding/github-path-filter-workflowtemplate.yaml": (
            "a parameter value given as a list, not text (Argo fixed the example in 4.x)"
        ),
    },
    "4.1": {
        **UNSUPPORTED_KINDS,
        "fun-with-gifs.yaml": "generateName indented under labels: the Workflow has no name",
        "k8s-jobs.yaml": "generateName indented under labels: the Workflow has no name",
    },
}
"""Argo's examples that the lint flags, per release, with the reason (all others are clean)."""

ARGO_EXAMPLES = {
    "3.7": SHARED / "v3.7.18" / "examples",
    "4.1": SHARED / "v4.1.2-extra" / "examples",
}

_HERA_BOTH = {
    "misc/global-config.yaml": "apiVersion 'argoproj.io/v0beta9000', which no Argo has",
    "misc/suspend-input-duration.yaml": (
        "step 'get-value-step' passes no 'duration' to a template that requires it"
    ),
    "upstream/workflow-event-binding--github-path-filter-workflowtemplate.upstream.yaml": (
        "a parameter value given as a list, not text"
    ),
    **{
        f"upstream/{name}.upstream.yaml": NOT_LINTED
        for name in (
            "configmaps--simple-parameters-configmap",
            "testvolume",
            "workflow-count-resourcequota",
            "workflow-event-binding--event-consumer-workfloweventbinding",
            "workflow-event-binding--github-path-filter-workfloweventbinding",
        )
    },
}
_HERA_V4_REMOVED = [
    f"upstream/{name}{suffix}"
    for name in (
        "dag-daemon-retry-strategy",
        "fibonacci-seq-conditional-param",
        "steps-daemon-retry-strategy",
        "synchronization-mutex-tmpl-level-legacy",
        "synchronization-mutex-wf-level-legacy",
        "synchronization-tmpl-level-legacy",
        "synchronization-wf-level-legacy",
    )
    for suffix in (".upstream.yaml", ".yaml")
]
HERA_FLAGGED = {
    "3.7": {
        **_HERA_BOTH,
        "upstream/artifact-passing-explicit-plugin.upstream.yaml": (
            "an artifact plugin, new in Argo 4.1"
        ),
    },
    "4.1": {
        **_HERA_BOTH,
        **dict.fromkeys(_HERA_V4_REMOVED, _V4_REMOVED),
        "upstream/dag-inline-cronworkflow.yaml": "spec.schedule, which Argo 4.1 replaced by schedules",
    },
}
"""Hera's examples that the lint flags, per release, with the reason."""


def yaml_files(root: Path) -> list[Path]:
    """Every YAML file below ``root``, sorted."""
    return sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")])
