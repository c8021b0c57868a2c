"""Tables as Parquet files (needs the ``axl-workflows[arrow]`` extra).

Writing the same table twice gives the same bytes with the same pyarrow
version (the file records ``created_by`` with pyarrow's version and no time).
A pandas DataFrame comes back equal, index and dtypes included. A Table comes
back with equal values, though Parquet may change a few Arrow types (e.g. the
value type of a dictionary column, ``large_string`` versus ``string``); use
the ``arrow`` handler when the exact Arrow schema matters.

pyarrow's defaults are used both ways. The file is written as its digest is
taken, and a large one is decoded from the memory map the digest check hashed.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from axl.io._tables import TableHandler, require_pyarrow


class ParquetHandler(TableHandler):
    """A ``pyarrow.Table`` or ``pandas.DataFrame``, stored as ``.parquet``."""

    name = "parquet"
    ext = ".parquet"

    def write_table(self, table: Any, file: BinaryIO) -> None:
        require_pyarrow(self.name)
        import pyarrow.parquet as pq

        pq.write_table(table, file)

    def read_table(self, source: Any) -> Any:
        pa = require_pyarrow(self.name)
        import pyarrow.parquet as pq

        return pq.read_table(pa.BufferReader(source))
