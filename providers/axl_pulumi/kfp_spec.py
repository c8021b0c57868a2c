"""A workflow compiled for Kubeflow Pipelines the way ``axl compile --target kfp`` compiles it.

The options are checked when the program runs; the spec is compiled inside an
``apply`` once the image and the bucket (which may be other resources'
outputs) are known, through the same registry target the CLI uses, so the
text uploaded is the text the CLI writes for the same options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from axl_pulumi._args import compiler_extra, compiler_options_errors
from axl_pulumi.errors import ComponentError, in_component

if TYPE_CHECKING:
    from axl.compiler.target import Target
    from axl.ir import IRWorkflow
    from axl.packaging import CodeLocation

TARGET: Final = "kfp"
SET_BY_COMPONENT: Final = frozenset({"image", "name", "workflow_ref"})
"""``KfpOptions`` fields the component sets itself (not through ``compiler_options``)."""


class KfpSpecCompiler:
    """Checks the plain inputs at program time; compiles once the ``Output`` ones resolve."""

    def __init__(
        self,
        ir: IRWorkflow,
        *,
        owner: str,
        pipeline_name: str | None,
        compiler_options: Mapping[str, Any],
        code: CodeLocation | None,
        params: Mapping[str, Any] | None,
    ) -> None:
        from axl.compiler.kfp.options import check_pipeline_name
        from axl.compiler.registry import get_target
        from axl.errors import AxlError

        self.ir = ir
        self.owner = owner
        self.code = code
        self.target: Target = get_target(TARGET)
        if params:
            raise ComponentError(
                f"{owner}: the kfp target cannot set param defaults yet (params={sorted(params)})",
                hint="the pipeline's params default to the workflow's own; set them per run",
            )
        self.extra = compiler_extra(compiler_options, SET_BY_COMPONENT, owner)
        try:
            name = check_pipeline_name(pipeline_name or ir.name)
        except AxlError as exc:
            raise in_component(owner, exc) from None
        self.pipeline_name: str = name
        """The pipeline's name on the server, as the compiled spec names it."""
        # The options known now are checked now; the image, if an Output, when it resolves.
        self.options(image=None)

    def options(self, *, image: str | None) -> Any:
        """The target's options for the image (None: its default), without the code."""
        values: dict[str, Any] = {**self.extra, "name": self.pipeline_name}
        if image is not None:
            values["image"] = image
        with compiler_options_errors(self.owner, "axl.compiler.kfp.KfpOptions"):
            return self.target.options(values)

    def compile(self, values: Mapping[str, Any]) -> CompiledSpec:
        """The checked spec, from the resolved ``image`` and ``bucket`` values."""
        from axl.errors import AxlError

        options = self.options(image=values.get("image"))
        try:
            if self.code is not None:
                code = replace(self.code, bucket=values.get("bucket"))
                options = self.target.with_code(options, code)
            compiled = self.target.compile(self.ir, options)
            found = self.target.check(compiled)
        except AxlError as exc:
            raise in_component(self.owner, exc) from None
        return CompiledSpec(compiled.text, (*compiled.warnings, *found))


@dataclass(frozen=True)
class CompiledSpec:
    """The spec's YAML text and what the compile and its check warned about."""

    text: str
    warnings: tuple[str, ...]
