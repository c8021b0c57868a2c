"""What the parquet and arrow handlers share: pyarrow import, Table/DataFrame conversion,
memory maps, and :class:`TableHandler`, their common base.

Both formats store a ``pyarrow.Table``. A pandas DataFrame goes through
``Table.from_pandas``, whose schema metadata keeps the index and dtypes; the
key :data:`KIND_KEY` records which type the step returned, so reading gives
back a Table for a Table and a DataFrame for a DataFrame.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO

from axl.errors import MissingDependencyError

KIND_KEY = b"axl.kind"
ARROW = b"pyarrow.Table"
PANDAS = b"pandas.DataFrame"


def require_pyarrow(handler: str) -> Any:
    """The ``pyarrow`` module, or a :class:`MissingDependencyError` naming the extra."""
    try:
        import pyarrow
    except ImportError:
        raise MissingDependencyError(
            f"the {handler} IO handler needs pyarrow, which is not installed",
            hint="install axl-workflows[arrow]",
            handler=handler,
        ) from None
    return pyarrow


def is_dataframe(obj: Any) -> bool:
    """True for a pandas DataFrame, without importing pandas."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, pandas.DataFrame)


def to_table(obj: Any, handler: str) -> Any:
    """``obj`` as a ``pyarrow.Table`` whose schema metadata names its original type."""
    pa = require_pyarrow(handler)
    if isinstance(obj, pa.Table):
        table, kind = obj, ARROW
    elif is_dataframe(obj):
        table, kind = pa.Table.from_pandas(obj), PANDAS
    else:
        kind_name = f"{type(obj).__module__}.{type(obj).__qualname__}"
        raise TypeError(f"expected a pyarrow.Table or pandas.DataFrame, got {kind_name}")
    metadata = dict(table.schema.metadata or {})
    metadata[KIND_KEY] = kind
    return table.replace_schema_metadata(metadata)


def from_table(table: Any, handler: str) -> Any:
    """The value :func:`to_table` was given: a Table, or a DataFrame with its index and dtypes."""
    metadata = dict(table.schema.metadata or {})
    kind = metadata.pop(KIND_KEY, ARROW)
    table = table.replace_schema_metadata(metadata or None)
    if kind != PANDAS:
        return table
    try:
        import pandas  # noqa: F401  (to_pandas imports it; the error names what to install)
    except ImportError:
        raise MissingDependencyError(
            f"this {handler} artifact holds a pandas DataFrame, and pandas is not installed",
            hint="install pandas",
            handler=handler,
        ) from None
    return table.to_pandas()


def map_file(path: Path, handler: str) -> Any:
    """The file's bytes as a ``pyarrow.Buffer`` over a read-only memory map.

    The file is closed on return; the mapping lasts as long as the buffer and
    the tables read from it (pyarrow counts their references).
    """
    pa = require_pyarrow(handler)
    with pa.memory_map(str(path), "r") as source:
        return source.read_buffer()


def table_metadata(obj: Any) -> dict[str, Any]:
    """Rows and columns of a Table or DataFrame."""
    if is_dataframe(obj):
        return {"rows": len(obj), "columns": len(obj.columns)}
    return {"rows": obj.num_rows, "columns": obj.num_columns}


SUGGESTION = "return a pyarrow.Table or pandas.DataFrame, or use io_handler='pickle'"


class TableHandler:
    """A handler of Tables and DataFrames; a subclass knows its file format only.

    It writes to the file the artifact layer hashes on the way, and reads a
    large file from the memory map the digest check hashed, in place.
    """

    name: str
    ext: str

    def write_table(self, table: Any, file: BinaryIO) -> None:
        """Write a ``pyarrow.Table`` to an open binary file."""
        raise NotImplementedError

    def read_table(self, source: Any) -> Any:
        """The ``pyarrow.Table`` in ``source``: bytes or a ``pyarrow.Buffer``."""
        raise NotImplementedError

    def save(self, obj: Any, path: Path) -> None:
        with open(path, "wb") as file:
            self.dump(obj, file)

    def dump(self, obj: Any, file: BinaryIO) -> None:
        self.write_table(to_table(obj, self.name), file)

    def load(self, path: Path) -> Any:
        return self.load_mapped(self.map(path))

    def loads(self, data: bytes) -> Any:
        return self.load_mapped(data)

    def map(self, path: Path) -> Any:
        return map_file(path, self.name)

    def load_mapped(self, mapped: Any) -> Any:
        return from_table(self.read_table(mapped), self.name)

    def metadata(self, obj: Any) -> dict[str, Any]:
        return table_metadata(obj)

    def suggestion(self, obj: Any, exc: BaseException) -> str:
        return SUGGESTION
