"""Where a step's files are: a path scheme per backend, one shape of answer."""

from __future__ import annotations

from typing import Protocol

from axl.dataclass_fast import dataclass
from axl.ir import IRNode


def output_file(node: IRNode) -> str:
    """The name of a step's output file: ``<name><ext>`` (``output.pkl``)."""
    return f"{node.output.name}{node.output.ext}"


def run_path(root: str, step: str, file: str) -> str:
    """The one layout of a run folder: ``<root>/<step>/<file>``."""
    return f"{root}/{step}/{file}"


class PathScheme(Protocol):
    """Where the runner of a step reads its inputs and writes its output."""

    def input_path(self, arg: str, upstream: IRNode) -> str:
        """The file argument ``arg`` is read from; ``upstream`` produced it."""
        ...

    def output_path(self, node: IRNode) -> str:
        """The file the step's return value is written to."""
        ...

    def value_path(self, node: IRNode) -> str | None:
        """Where the value also goes as JSON text for a backend that branches on it."""
        ...


@dataclass(frozen=True)
class RunFolder:
    """Every step's files in one folder per run: a local run, a shared volume.

    ``value_file``: where a step a condition reads writes its value as JSON
    (``None`` where the engine reads the artifact itself).
    """

    root: str
    value_file: str | None = None

    def input_path(self, arg: str, upstream: IRNode) -> str:
        return run_path(self.root, upstream.name, output_file(upstream))

    def output_path(self, node: IRNode) -> str:
        return run_path(self.root, node.name, output_file(node))

    def value_path(self, node: IRNode) -> str | None:
        return self.value_file
