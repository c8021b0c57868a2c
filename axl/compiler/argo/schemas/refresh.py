"""Rebuild one release's folder here from a copy of Argo's originals (see ``PROVENANCE.md``).

Usage: ``python -m axl.compiler.argo.schemas.refresh VERSION SOURCE_DIR...``:
each file is taken from the first SOURCE_DIR that has it: ``schema.json`` and
the four ``argoproj.io_*.yaml`` CRDs (Workflow, WorkflowTemplate,
ClusterWorkflowTemplate, CronWorkflow) of one Argo release. ``schema.json``
is copied byte for byte into ``vVERSION/``; each CRD's v1alpha1
``openAPIV3Schema`` is written, without descriptions, as compact JSON with
sorted keys, once per distinct file (the two template kinds share one). Prints
the sha256 and size of every input and output for PROVENANCE.md.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from axl.compiler.argo.lint.schemas import (
    JSON_SCHEMA_FILE,
    KINDS,
    VENDORED,
    SchemaDirError,
    _load_yaml,
    check_argo_version,
    compact_json,
    crd_schema,
)


def refresh(sources: Sequence[Path], dest: Path) -> list[str]:
    """Write the vendored files of one release into ``dest``; one ``file sha256 bytes`` line each.

    Raises :class:`SchemaDirError` if a file is in none of ``sources``, or if
    two kinds that share a file (the template kinds) have different schemas.
    """
    dest.mkdir(parents=True, exist_ok=True)
    raw = _find(sources, JSON_SCHEMA_FILE).read_bytes()
    (dest / JSON_SCHEMA_FILE).write_bytes(raw)
    lines = [_line(JSON_SCHEMA_FILE, raw)]
    written: dict[str, tuple[str, bytes]] = {}
    for files in KINDS.values():
        original = _find(sources, files.crd).read_bytes()
        lines.append(_line(files.crd, original))
        text = compact_json(crd_schema(_load_yaml(original.decode("utf-8")), files.crd))
        data = text.encode("utf-8")
        if files.compact in written:
            kind, before = written[files.compact]
            if before != data:
                raise SchemaDirError(
                    f"the {kind} and {files.kind} schemas differ, so they cannot share "
                    f"{files.compact}",
                    hint="give the kinds their own files in axl.compiler.argo.lint.schemas.KINDS",
                )
            continue
        written[files.compact] = (files.kind, data)
        (dest / files.compact).write_bytes(data)
        lines.append(_line(files.compact, data))
    return lines


def _find(sources: Sequence[Path], name: str) -> Path:
    for source in sources:
        if (source / name).is_file():
            return source / name
    shown = ", ".join(str(s) for s in sources)
    raise SchemaDirError(f"{name} is in none of {shown}", hint="add the folder that holds it")


def _line(name: str, data: bytes) -> str:
    return f"{name} {hashlib.sha256(data).hexdigest()} {len(data)}"


def main(argv: list[str]) -> int:
    """Command-line entry: ``refresh VERSION SOURCE_DIR...``."""
    if len(argv) < 2:
        sys.stderr.write(__doc__ or "")
        return 2
    version = check_argo_version(argv[0])
    for line in refresh([Path(a) for a in argv[1:]], VENDORED / f"v{version}"):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
