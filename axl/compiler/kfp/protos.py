"""KFP's ``PipelineSpec`` protos and protobuf's JSON mapping, imported when a compile needs them.

They come with the extra ``axl-workflows[kfp]``; ``import axl`` and the runner
never load protobuf. The protos live in the package ``kfp.pipeline_spec``;
when the whole kfp SDK is installed beside them, importing that package runs
the SDK's ``kfp/__init__`` (about 2 s here), so the module file is loaded by
itself, under its own name (a second import of it then finds it loaded).
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

from axl.errors import MissingDependencyError

PIPELINE_SPEC = "kfp.pipeline_spec.pipeline_spec_pb2"


def pipeline_spec_pb2() -> Any:
    """The module ``kfp.pipeline_spec.pipeline_spec_pb2``, without the kfp SDK's ``__init__``."""
    if PIPELINE_SPEC in sys.modules or "kfp" in sys.modules:
        return _imported(PIPELINE_SPEC)
    relative = os.path.join(*PIPELINE_SPEC.split(".")) + ".py"
    for entry in sys.path:
        path = os.path.join(entry or ".", relative)
        if os.path.isfile(path):
            return _loaded_file(PIPELINE_SPEC, path)
    return _imported(PIPELINE_SPEC)


def json_format() -> Any:
    """The module ``google.protobuf.json_format``."""
    return _imported("google.protobuf.json_format")


_ENUM_VALUES: dict[str, int] = {}


def parameter_enum(kind: str) -> int:
    """The ``ParameterType.ParameterTypeEnum`` value called ``kind`` (``STRING``...)."""
    value = _ENUM_VALUES.get(kind)
    if value is None:
        value = _ENUM_VALUES[kind] = pipeline_spec_pb2().ParameterType.ParameterTypeEnum.Value(kind)
    return value


def _loaded_file(name: str, path: str) -> ModuleType:
    """The module ``name`` executed from ``path`` alone, as importlib's recipe has it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        del sys.modules[name]
        raise MissingDependencyError(
            f"--target kfp needs the kfp extra ({exc.name or name} is missing)",
            hint="pip install 'axl-workflows[kfp]'",
        ) from None
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _imported(name: str) -> ModuleType:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingDependencyError(
            f"--target kfp needs the kfp extra ({exc.name or name} is missing)",
            hint="pip install 'axl-workflows[kfp]'",
        ) from None
