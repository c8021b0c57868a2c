"""Tables as Parquet files (needs the ``axl-workflows[arrow]`` extra).

Writing the same table twice gives the same bytes with the same pyarrow
version (the file records ``created_by`` with pyarrow's version and no time).
A pandas DataFrame comes back equal, index and dtypes included. A Table comes
back with equal values, though Parquet may change a few Arrow types (e.g. the
value type of a dictionary column, ``large_string`` versus ``string``); use
the ``arrow`` handler when the exact Arrow schema matters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axl.io._tables import SUGGESTION, from_table, require_pyarrow, table_metadata, to_table


class ParquetHandler:
    """A ``pyarrow.Table`` or ``pandas.DataFrame``, stored as ``.parquet``."""

    name = "parquet"
    ext = ".parquet"

    def save(self, obj: Any, path: Path) -> None:
        table = to_table(obj, self.name)
        import pyarrow.parquet as pq

        pq.write_table(table, str(path))

    def load(self, path: Path) -> Any:
        require_pyarrow(self.name)
        import pyarrow.parquet as pq

        return from_table(pq.read_table(str(path)), self.name)

    def metadata(self, obj: Any) -> dict[str, Any]:
        return table_metadata(obj)

    def suggestion(self, obj: Any, exc: BaseException) -> str:
        return SUGGESTION
