"""The sidecar: what an artifact is, in a small JSON file next to it.

An output named ``NAME`` in folder ``DIR`` is the data file ``DIR/NAME<ext>``
and the sidecar ``DIR/NAME.meta.json``. ``NAME`` has no dots, so the sidecar
of a data path is found from the part of its file name before the first dot.
The sidecar is written last: a present sidecar means a complete artifact.
It holds no timestamps, so writing the same value twice gives the same bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.errors import ArtifactError

SIDECAR_SUFFIX = ".meta.json"
FORMAT = 1
_TEXT_FIELDS = ("handler", "ext", "digest", "python_type", "axl_version", "step")


@dataclass(frozen=True)
class ArtifactMeta:
    """The facts in a sidecar.

    Attributes:
        handler: the IO handler's name.
        ext: the data file's extension, with the dot.
        size: the data file's size in bytes.
        digest: ``"blake3:<hex>"`` of the data file's bytes.
        python_type: ``module.qualname`` of the value that was written.
        axl_version: the axl version that wrote it.
        step: the step that produced it.
        workflow: the workflow's name, when known.
        run_id: the run it belongs to, when known (a reader checks it).
        metadata: the handler's extra facts (e.g. rows and columns of a table).
    """

    handler: str
    ext: str
    size: int
    digest: str
    python_type: str
    axl_version: str
    step: str
    workflow: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The sidecar's JSON object."""
        return {
            "format": FORMAT,
            "handler": self.handler,
            "ext": self.ext,
            "size": self.size,
            "digest": self.digest,
            "python_type": self.python_type,
            "axl_version": self.axl_version,
            "step": self.step,
            "workflow": self.workflow,
            "metadata": self.metadata,
            "run_id": self.run_id,
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: object = "sidecar") -> ArtifactMeta:
        """Rebuild from :meth:`to_dict` output; ``source`` names the file in errors."""
        if not isinstance(data, dict):
            raise _invalid(source, "it is not a JSON object")
        if data.get("format", FORMAT) != FORMAT:
            raise ArtifactError(
                f"sidecar {source} has format {data.get('format')!r}; "
                f"this axl reads format {FORMAT}",
                hint="read it with the axl version that wrote it, or re-run the step",
            )
        for name in _TEXT_FIELDS:
            if not isinstance(data.get(name), str):
                raise _invalid(source, f"field {name!r} is missing or not text")
        size, workflow, metadata = data.get("size"), data.get("workflow"), data.get("metadata", {})
        run_id = data.get("run_id")
        if type(size) is not int or size < 0:
            raise _invalid(source, "field 'size' is not a byte count")
        if workflow is not None and not isinstance(workflow, str):
            raise _invalid(source, "field 'workflow' is not text")
        if not isinstance(metadata, dict):
            raise _invalid(source, "field 'metadata' is not an object")
        if run_id is not None and not isinstance(run_id, str):
            raise _invalid(source, "field 'run_id' is not text")
        return cls(
            handler=data["handler"],
            ext=data["ext"],
            size=size,
            digest=data["digest"],
            python_type=data["python_type"],
            axl_version=data["axl_version"],
            step=data["step"],
            workflow=workflow,
            metadata=metadata,
            run_id=run_id,
        )


def _invalid(source: object, why: str) -> ArtifactError:
    return ArtifactError(
        f"sidecar {source} is not a valid artifact sidecar: {why}",
        hint="re-run the step that writes it",
        path=str(source),
    )


def artifact_name(data_path: str | os.PathLike[str]) -> str:
    """``NAME`` of ``DIR/NAME<ext>``: the file name up to its first dot."""
    path = os.fspath(data_path)
    name = path.rpartition("/")[2].partition(".")[0]
    if not name:
        raise ArtifactError(
            f"artifact path {path} has no name before its extension",
            hint="name data files NAME<ext>, e.g. 'output.pkl'",
            path=path,
        )
    return name


def sidecar_of(data_path: str) -> str:
    """``DIR/NAME.meta.json`` for the data file ``DIR/NAME<ext>``, as text."""
    folder = data_path.rpartition("/")[0]
    name = artifact_name(data_path) + SIDECAR_SUFFIX
    return f"{folder}/{name}" if folder else name


def sidecar_path(data_path: str | os.PathLike[str]) -> Path:
    """``DIR/NAME.meta.json`` for the data file ``DIR/NAME<ext>``."""
    return Path(sidecar_of(os.fspath(data_path)))


def encode_sidecar(meta: ArtifactMeta) -> bytes:
    """The sidecar's bytes: sorted keys, UTF-8, one trailing newline."""
    try:
        text = json.dumps(meta.to_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ArtifactError(
            f"the {meta.handler} IO handler gave metadata that is not JSON: {exc}",
            hint="return only strings, numbers, booleans, None, lists and dicts from metadata()",
            handler=meta.handler,
        ) from None
    return (text + "\n").encode("utf-8")


def decode_sidecar(raw: bytes, source: str) -> ArtifactMeta:
    """Parse a sidecar's bytes; ``source`` names it in errors."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        raise _invalid(source, "it is not valid JSON") from None
    return ArtifactMeta.from_dict(data, source=source)
