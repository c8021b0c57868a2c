"""Tables as Arrow IPC files (needs the ``axl-workflows[arrow]`` extra).

The IPC *file* format (Feather v2, uncompressed) is read back memory-mapped,
so loading a large table costs almost nothing until its columns are used.
Writing the same table twice gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axl.io._tables import SUGGESTION, from_table, require_pyarrow, table_metadata, to_table


class ArrowHandler:
    """A ``pyarrow.Table`` or ``pandas.DataFrame``, stored as ``.arrow``."""

    name = "arrow"
    ext = ".arrow"

    def save(self, obj: Any, path: Path) -> None:
        table = to_table(obj, self.name)
        pa = require_pyarrow(self.name)
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    def load(self, path: Path) -> Any:
        pa = require_pyarrow(self.name)
        with pa.ipc.open_file(pa.memory_map(str(path), "r")) as reader:
            table = reader.read_all()
        return from_table(table, self.name)

    def metadata(self, obj: Any) -> dict[str, Any]:
        return table_metadata(obj)

    def suggestion(self, obj: Any, exc: BaseException) -> str:
        return SUGGESTION
