"""KFP's ``PipelineSpec`` protos and protobuf's JSON mapping, imported when a compile needs them.

They come with the extra ``axl-workflows[kfp]``; ``import axl`` and the runner
never load protobuf.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from axl.errors import MissingDependencyError


def pipeline_spec_pb2() -> Any:
    """The module ``kfp.pipeline_spec.pipeline_spec_pb2``."""
    return _imported("kfp.pipeline_spec.pipeline_spec_pb2")


def json_format() -> Any:
    """The module ``google.protobuf.json_format``."""
    return _imported("google.protobuf.json_format")


def parameter_enum(kind: str) -> int:
    """The ``ParameterType.ParameterTypeEnum`` value called ``kind`` (``STRING``...)."""
    enum = pipeline_spec_pb2().ParameterType.ParameterTypeEnum
    value: int = enum.Value(kind)
    return value


def _imported(name: str) -> ModuleType:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingDependencyError(
            f"--target kfp needs the kfp extra ({exc.name or name} is missing)",
            hint="pip install 'axl-workflows[kfp]'",
        ) from None
