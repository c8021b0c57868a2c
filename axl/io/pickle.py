"""The default handler: Python's pickle at the highest protocol.

The pickle goes straight to the file as its digest is taken. A small one is
read into memory once, hashed and unpickled from there; a large one is hashed
from a memory map, then unpickled from the same open file (the page cache),
which costs less than unpickling from the map or from a copy in memory.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, BinaryIO

PROTOCOL = pickle.HIGHEST_PROTOCOL


class PickleHandler:
    """Any picklable value, stored as ``.pkl``.

    Lambdas, closures and classes defined inside functions cannot be pickled
    by reference; :class:`axl.io.cloudpickle.CloudpickleHandler` stores them.
    """

    name = "pickle"
    ext = ".pkl"

    def save(self, obj: Any, path: Path) -> None:
        with open(path, "wb") as file:
            self.dump(obj, file)

    def dump(self, obj: Any, file: BinaryIO) -> None:
        pickle.dump(obj, file, protocol=PROTOCOL)

    def load(self, path: Path) -> Any:
        with open(path, "rb") as file:
            return self.load_file(file)

    def loads(self, data: bytes) -> Any:
        return pickle.loads(data)

    def load_file(self, file: BinaryIO) -> Any:
        return pickle.load(file)

    def metadata(self, obj: Any) -> dict[str, Any]:
        return {"protocol": PROTOCOL}

    def suggestion(self, obj: Any, exc: BaseException) -> str:
        if isinstance(exc, TypeError) and "cannot pickle" in str(exc):
            return (
                "the value holds an object no pickler can store (a lock, an open file, "
                "a connection); return plain data instead"
            )
        return "use io_handler='cloudpickle' for lambdas, closures and local classes"
