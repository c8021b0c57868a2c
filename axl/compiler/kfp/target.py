"""``--target kfp``: the flags, options, compile, render and check of Kubeflow Pipelines v2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from axl.compiler.kfp.options import KfpCodeArchive, KfpOptions
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
from axl.dataclass_fast import dataclass
from axl.ir import IRWorkflow
from axl.planning.cache import CacheSettings
from axl.planning.warm import env_store_at, warm_warning


class KfpTarget(Target):
    """A KFP v2 pipeline (``PipelineSpec``) as YAML, as ``kfp.compiler.Compiler`` writes it."""

    name = "kfp"
    summary = "Kubeflow Pipelines v2 pipeline YAML (a PipelineSpec)"
    flags = (
        IMAGE_FLAG,
        TargetFlag("--name", "name", "Pipeline name (default: the workflow's)."),
        PACKAGES_FLAG,
        PYTHON_PATH_FLAG,
    )

    def options(self, values: Mapping[str, Any]) -> KfpOptions:
        given = dict(values)
        if "python_path" in given:
            given["python_path"] = tuple(given["python_path"])
        return KfpOptions(**given)

    def with_code(self, options: KfpOptions, code: ShippedCode) -> KfpOptions:
        return replace(
            options,
            code_archive=KfpCodeArchive.at(code),
            workflow_ref=code.workflow_ref,
            env_store=env_store_at(code.bucket, code.key),
        )

    def with_cache(
        self, options: KfpOptions, cache: CacheSettings, secret: str | None
    ) -> KfpOptions:
        result: KfpOptions = with_pod_cache(self.name, options, cache, secret)
        return result

    def compile(self, ir: IRWorkflow, options: KfpOptions) -> Compiled:
        from axl.compiler.kfp.checks import check_size, document_warnings
        from axl.compiler.kfp.compiler import compile_documents

        document, platform = compile_documents(ir, options)
        text = to_yaml(document)
        if platform is not None:
            text += "---\n" + to_yaml(platform)
        check_size(ir.name, text)
        return KfpCompiled(
            document=document,
            text=text,
            warnings=tuple(document_warnings(options.name or ir.name)) + _warm_warning(ir, options),
            kind="PipelineSpec",
            hash=ir.compute_hash(),
            platform=platform,
        )

    def check(self, compiled: Compiled) -> list[str]:
        from axl.compiler.kfp.checks import check

        if isinstance(compiled, KfpCompiled):
            return check(compiled.document, compiled.platform, built=True)
        return check(compiled.document)


def _warm_warning(ir: IRWorkflow, options: KfpOptions) -> tuple[str, ...]:
    found = warm_warning(ir, options.packages_policy, options.env_store)
    return (found,) if found else ()


@dataclass(frozen=True)
class KfpCompiled(Compiled):
    """A compiled pipeline: the ``PipelineSpec``, and the platform spec that follows it."""

    platform: dict[str, Any] | None = None


TARGET = KfpTarget()
