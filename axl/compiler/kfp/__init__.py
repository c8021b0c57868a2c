"""The Kubeflow Pipelines v2 target: a ``PipelineSpec`` built from KFP's own protos.

Each step is a task of the root DAG, with a component (its input artifacts,
the workflow's params, its output artifact) and a container executor that
runs axl's runner on the step's manifest and KFP's executor input
(:mod:`axl.compiler.kfp.layout`). Importing this package imports no
protobuf; compiling needs the ``axl-workflows[kfp]`` extra.
"""

from axl.compiler.kfp.compiler import compile
from axl.compiler.kfp.options import KfpOptions, KfpOptionsError

__all__ = ["KfpOptions", "KfpOptionsError", "compile"]
