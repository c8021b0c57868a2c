"""Rebuild ``argo/`` from a copy of Argo's originals (see ``argo/PROVENANCE.md``).

Usage: ``python -m axl.compiler.schemas.refresh SOURCE_DIR`` where SOURCE_DIR
holds ``schema.json`` and the three ``argoproj.io_*.yaml`` CRDs of one Argo
release. ``schema.json`` is copied byte for byte; each CRD's v1alpha1
``openAPIV3Schema`` is written, without descriptions, as compact JSON with
sorted keys. Prints the sha256 of every input and output for PROVENANCE.md.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from axl.compiler.lint.schemas import (
    JSON_SCHEMA_FILE,
    KINDS,
    _load_yaml,
    compact_json,
    crd_schema,
)

DEST = Path(__file__).resolve().parent / "argo"


def refresh(source: Path, dest: Path = DEST) -> list[str]:
    """Write the vendored files from ``source``; one ``file sha256 bytes`` line per file."""
    dest.mkdir(parents=True, exist_ok=True)
    lines = []
    raw = (source / JSON_SCHEMA_FILE).read_bytes()
    (dest / JSON_SCHEMA_FILE).write_bytes(raw)
    lines.append(_line(JSON_SCHEMA_FILE, raw))
    for files in KINDS.values():
        original = (source / files.crd).read_bytes()
        lines.append(_line(files.crd, original))
        text = compact_json(crd_schema(_load_yaml(original.decode("utf-8")), files.crd))
        data = text.encode("utf-8")
        (dest / files.compact).write_bytes(data)
        lines.append(_line(files.compact, data))
    return lines


def _line(name: str, data: bytes) -> str:
    return f"{name} {hashlib.sha256(data).hexdigest()} {len(data)}"


def main(argv: list[str]) -> int:
    """Command-line entry: ``refresh SOURCE_DIR``."""
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    for line in refresh(Path(argv[0])):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
