"""Where things are inside a step's pod, and the manifest the runner reads there.

s3 mode (artifacts through the workflow's artifact repository)::

    /axl/inputs/<arg>/output<ext>      input artifact <arg>: the upstream's output
    /axl/inputs/<arg>/output.meta.json   directory (Argo tars it and untars it here)
    /axl/outputs/output/               output artifact ``output``: a directory with
                                       ``output<ext>`` and its sidecar ``output.meta.json``
    /axl/outputs/value.json            the return value as JSON, only for steps a
                                       ``when`` reads (output parameter ``value``)
    /axl/code/code.tar.gz              the code archive, when one is configured

pvc mode (one volume ``axl-data`` for the whole run, mounted in every step)::

    /axl/data/{{workflow.name}}/<step>/output<ext>

The manifest (built by :mod:`axl.planning` with these paths) is compact JSON
holding only what differs from the runner's defaults; params and the run id
come as ``--param`` / ``--run-id`` arguments so that Argo substitutes them.
"""

from __future__ import annotations

from axl.dataclass_fast import dataclass
from axl.ir import IRNode
from axl.manifest import Manifest
from axl.planning import PathScheme, RunFolder, escaped_braces, manifest_text, output_file

INPUTS_DIR = "/axl/inputs"
OUTPUTS_DIR = "/axl/outputs"
OUTPUT_ARTIFACT = "output"
OUTPUT_DIR = f"{OUTPUTS_DIR}/{OUTPUT_ARTIFACT}"
VALUE_PARAMETER = "value"
VALUE_PATH = f"{OUTPUTS_DIR}/value.json"
DATA_VOLUME = "axl-data"
DATA_DIR = "/axl/data"
RUN_DIR = DATA_DIR + "/{{workflow.name}}"
CODE_ARTIFACT = "axl-code"
CODE_DIR = "/axl/code"
CODE_PATH = f"{CODE_DIR}/code.tar.gz"
RUN_ID = "{{workflow.name}}"
_RUN_PATH = f'"path":"{RUN_DIR}/'
_ESCAPED_RUN_PATH = _RUN_PATH.replace("{{", "{\\u007b")


def input_dir(arg: str) -> str:
    """Where the input artifact of argument ``arg`` is placed (s3 mode)."""
    return f"{INPUTS_DIR}/{arg}"


@dataclass(frozen=True)
class PodArtifacts:
    """s3 mode: each input artifact unpacked in its own folder, the output in one."""

    def input_path(self, arg: str, upstream: IRNode) -> str:
        return f"{input_dir(arg)}/{output_file(upstream)}"

    def output_path(self, node: IRNode) -> str:
        return f"{OUTPUT_DIR}/{output_file(node)}"

    def value_path(self, node: IRNode) -> str | None:
        return VALUE_PATH


def path_scheme(mode: str) -> PathScheme:
    """The pod paths of an artifacts mode: ``s3`` or ``pvc``."""
    if mode == "pvc":
        return RunFolder(RUN_DIR, value_file=VALUE_PATH)
    return PodArtifacts()


def manifest_json(manifest: Manifest) -> str:
    """Compact, sorted JSON; ``{{`` never appears, so Argo substitutes nothing inside by accident.

    In compact JSON ``{{`` can only occur inside a string value, where the
    escape ``\\u007b`` means the same character to the runner. Only the
    ``{{workflow.name}}`` that starts a pvc-mode path is left for Argo.
    """
    text = manifest_text(manifest)
    # The run folder is the one placeholder meant for Argo: it starts a "path" value.
    # (A literal input holding that very text would get it substituted too: harmless.)
    return escaped_braces(text).replace(_ESCAPED_RUN_PATH, _RUN_PATH)
