"""``--target argo``: the flags, options, compile, render and check of Argo Workflows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from axl.compiler.argo.checks import document_warnings
from axl.compiler.argo.compiler import compile
from axl.compiler.argo.options import (
    ArgoCodeArchive,
    ArgoOptions,
    ArtifactRepositoryRef,
    default_image,
)
from axl.compiler.target import (
    IMAGE_FLAG,
    PACKAGES_FLAG,
    PYTHON_PATH_FLAG,
    Compiled,
    ShippedCode,
    Target,
    TargetFlag,
    with_pod_cache,
)
from axl.compiler.yaml_render import to_yaml
from axl.errors import LintError
from axl.ir import IRWorkflow
from axl.planning.cache import CacheSettings
from axl.planning.warm import env_store_at

_SHOWN_FINDINGS = 5


class ArgoTarget(Target):
    """An Argo ``Workflow`` or ``WorkflowTemplate`` as YAML."""

    name = "argo"
    summary = "Argo Workflows YAML (a Workflow, or a reusable WorkflowTemplate)"
    flags = (
        TargetFlag("--kind", "kind", "workflow (runs once) or workflow-template (reusable)."),
        TargetFlag("--artifacts", "artifacts", "s3 (the artifact repository) or pvc (a volume)."),
        TargetFlag("--namespace", "namespace", "Kubernetes namespace."),
        TargetFlag("--service-account", "service_account", "Service account the pods run as."),
        IMAGE_FLAG,
        TargetFlag(
            "--artifact-repository",
            "artifact_repository",
            "Artifact repository ConfigMap and key (default: the cluster's).",
            metavar="CONFIGMAP/KEY",
        ),
        TargetFlag("--pvc-size", "pvc_size", "Size of the pvc-mode volume (default 1Gi)."),
        TargetFlag(
            "--pod-gc",
            "pod_gc",
            "podGC strategy (default OnPodSuccess), or 'none' to keep every pod.",
        ),
        TargetFlag(
            "--ttl",
            "ttl_seconds",
            "Delete the Workflow this many seconds after it completes.",
            kind=int,
            metavar="SECONDS",
        ),
        PACKAGES_FLAG,
        PYTHON_PATH_FLAG,
    )

    def options(self, values: Mapping[str, Any]) -> ArgoOptions:
        given = dict(values)
        repository = given.pop("artifact_repository", None)
        if repository is not None:
            given["artifact_repository_ref"] = ArtifactRepositoryRef.parse(repository)
        if given.get("pod_gc") == "none":
            given["pod_gc"] = None
        if "python_path" in given:
            given["python_path"] = tuple(given["python_path"])
        given.setdefault("image", default_image())
        return ArgoOptions(**given)

    def with_code(self, options: ArgoOptions, code: ShippedCode) -> ArgoOptions:
        return replace(
            options,
            code_archive=ArgoCodeArchive.at(code),
            workflow_ref=code.workflow_ref,
            env_store=env_store_at(code.bucket, code.key, code.endpoint, code.insecure),
        )

    def with_cache(
        self, options: ArgoOptions, cache: CacheSettings, secret: str | None
    ) -> ArgoOptions:
        result: ArgoOptions = with_pod_cache(self.name, options, cache, secret)
        return result

    def compile(self, ir: IRWorkflow, options: ArgoOptions) -> Compiled:
        document = compile(ir, options)
        text = to_yaml(document)
        warnings = document_warnings(ir, len(text.encode("utf-8")), options)
        return Compiled(
            document=document,
            text=text,
            warnings=tuple(warnings),
            kind=document["kind"],
            hash=ir.compute_hash(),
        )

    def check(self, compiled: Compiled) -> list[str]:
        return lint_findings(compiled.document)


def lint_findings(document: dict[str, Any]) -> list[str]:
    """The compile-time lint: errors stop the compile (exit 1), warnings are returned."""
    from axl.compiler.argo import checks
    from axl.compiler.argo.lint import format_finding

    findings = checks.lint(document)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        shown = "; ".join(format_finding(f) for f in errors[:_SHOWN_FINDINGS])
        hidden = len(errors) - _SHOWN_FINDINGS
        more = f" (and {hidden} more)" if hidden > 0 else ""
        raise LintError(
            f"the compiled document fails the Argo lint: {shown}{more}",
            hint="this is likely a bug in axl's Argo compiler; --no-lint writes it anyway",
        )
    return [format_finding(f).replace("warning: ", "", 1) for f in findings]


TARGET = ArgoTarget()
