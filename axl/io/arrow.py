"""Tables as Arrow IPC files (needs the ``axl-workflows[arrow]`` extra).

The IPC *file* format (Feather v2, uncompressed) is read in place: the
artifact layer hashes a memory map of the file and the table's columns are
views of that same mapping, so loading a large table costs the digest check
and no copy. Writing streams the table's buffers to the file as the digest is
taken. Writing the same table twice gives the same bytes.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from axl.io._tables import TableHandler, require_pyarrow


class ArrowHandler(TableHandler):
    """A ``pyarrow.Table`` or ``pandas.DataFrame``, stored as ``.arrow``."""

    name = "arrow"
    ext = ".arrow"

    def write_table(self, table: Any, file: BinaryIO) -> None:
        pa = require_pyarrow(self.name)
        with pa.ipc.new_file(pa.PythonFile(file, mode="w"), table.schema) as writer:
            writer.write_table(table)

    def read_table(self, source: Any) -> Any:
        pa = require_pyarrow(self.name)
        with pa.ipc.open_file(source) as reader:
            return reader.read_all()
