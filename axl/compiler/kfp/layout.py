"""Where a step's files are on KFP, and the runner invocation of its container.

KFP decides artifact locations at run time: the launcher hands each
container its executor input (``{{$}}``, a JSON document) naming the local
path of every input artifact, of every output artifact and of every output
parameter's file. A compiled manifest therefore holds *placeholders* in
place of paths, one URI-like form per kind, that the runner's KFP mode
replaces with the paths of the executor input before the step runs
(:mod:`axl.runtime.kfp_mode`)::

    kfp://inputs/<arg>/output<ext>     input artifact <arg> (a folder): the upstream's output
    kfp://outputs/output/output<ext>   output artifact ``output`` (a folder with the
                                       file and its sidecar ``output.meta.json``)
    kfp://outputs/value                output parameter ``Output``: the return value
                                       (text as is, anything else as JSON, as KFP
                                       reads such files), only for steps a ``when`` reads

The placeholders (:mod:`axl.kfp_paths`, which the runner imports too) are
not KFP's own ``{{$...}}`` syntax, so KFP substitutes nothing inside the
manifest (whose ``{{`` are escaped as well); params too
come from the executor input, typed, rather than from text arguments. The
run id is KFP's run uuid, passed as the task input ``axl_run_id``.
"""

from __future__ import annotations

from axl.dataclass_fast import dataclass
from axl.ir import IRNode
from axl.kfp_paths import INPUTS, OUTPUT_ARTIFACT, OUTPUTS, RUN_ID_INPUT, VALUE_PATH
from axl.manifest import Manifest
from axl.planning import RUNNER_COMMAND, escaped_braces, manifest_text, output_file, runner_args

RUN_ID_VALUE = "{{$.pipeline_job_uuid}}"
RUN_ID = f"{{{{$.inputs.parameters['{RUN_ID_INPUT}']}}}}"
EXECUTOR_INPUT_FLAG = "--executor-input"
EXECUTOR_INPUT = "{{$}}"


@dataclass(frozen=True)
class KfpArtifacts:
    """The placeholder paths that the runner's KFP mode resolves from the executor input."""

    def input_path(self, arg: str, upstream: IRNode) -> str:
        return f"{INPUTS}/{arg}/{output_file(upstream)}"

    def output_path(self, node: IRNode) -> str:
        return f"{OUTPUTS}/{OUTPUT_ARTIFACT}/{output_file(node)}"

    def value_path(self, node: IRNode) -> str | None:
        return VALUE_PATH


def container_command() -> list[str]:
    """The runner, as every executor runs it."""
    return list(RUNNER_COMMAND)


def container_args(manifest: Manifest) -> list[str]:
    """``--manifest-json M --run-id <the task input> --executor-input {{$}}``."""
    text = escaped_braces(manifest_text(manifest))
    return [*runner_args(text, RUN_ID, ()), EXECUTOR_INPUT_FLAG, EXECUTOR_INPUT]
