"""What the KFP compiler can be told besides the IR: a small frozen options object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from axl.compiler.argo.options import default_image
from axl.errors import UsageError
from axl.manifest import PACKAGE_POLICIES
from axl.naming import WORKFLOW_REF

PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
"""A pipeline name the KFP API server takes (at most 100 characters)."""


class KfpOptionsError(UsageError):
    """A KFP compiler option is invalid, or the workflow uses what the target cannot express."""

    code = "invalid_option"


@dataclass(frozen=True)
class KfpOptions:
    """How to compile an IR to a KFP v2 ``PipelineSpec``; every field has a working default.

    ``image`` is the image of steps that set none (neither ``@step(image=)``
    nor the workflow's ``image``): the axl runner image by default.
    ``packages_policy`` is what the runner does about missing step packages;
    ``python_path`` entries go on ``sys.path`` before the workflow is imported;
    ``workflow_ref`` is the ``module:Class`` the containers import (default:
    the IR's own); ``name`` is the pipeline's name (default: the workflow's).
    """

    image: str = field(default_factory=default_image)
    packages_policy: str = "check"
    python_path: tuple[str, ...] = ()
    workflow_ref: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.image or any(c.isspace() for c in self.image):
            raise KfpOptionsError(f"image {self.image!r} is not an image reference")
        if self.packages_policy not in PACKAGE_POLICIES:
            raise KfpOptionsError(
                f"packages_policy {self.packages_policy!r} is not one of "
                f"{', '.join(PACKAGE_POLICIES)}"
            )
        if self.name is not None:
            check_pipeline_name(self.name)
        if self.workflow_ref is not None and not WORKFLOW_REF.match(self.workflow_ref):
            raise KfpOptionsError(
                f"workflow_ref {self.workflow_ref!r} is not a module:Class reference",
                hint="e.g. wordstats.flow:WordStats",
            )
        object.__setattr__(self, "python_path", tuple(self.python_path))


def check_pipeline_name(name: str) -> str:
    """``name`` if KFP takes it as a pipeline name; otherwise a usage error saying the rule."""
    if not PIPELINE_NAME.match(name):
        raise KfpOptionsError(
            f"pipeline name {name!r} is not valid on KFP",
            hint="at most 100 lower-case letters, digits and '-', starting with a letter "
            "or digit (set the workflow's name, or pass --name)",
        )
    return name
