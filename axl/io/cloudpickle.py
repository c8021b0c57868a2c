"""Pickle by value: lambdas, closures and classes defined in ``__main__`` or a function."""

from __future__ import annotations

from typing import Any, BinaryIO

from axl.io.pickle import PROTOCOL, PickleHandler


class CloudpickleHandler(PickleHandler):
    """Values plain pickle refuses, stored as ``.cpkl``.

    The file is an ordinary pickle stream, so it loads with :mod:`pickle`;
    reading needs ``cloudpickle`` importable (an axl dependency) and the Python
    minor version that wrote it, since code objects are not portable across
    versions.
    """

    name = "cloudpickle"
    ext = ".cpkl"

    def dump(self, obj: Any, file: BinaryIO) -> None:
        import cloudpickle

        cloudpickle.dump(obj, file, protocol=PROTOCOL)

    def suggestion(self, obj: Any, exc: BaseException) -> str:
        return (
            "the value holds an object no pickler can store (a lock, an open file, "
            "a connection, a generator); return plain data instead"
        )
