"""What the IO handlers cost, digest included, beside the library's own write and read.

Each case writes one value to a new file and reads it back, three ways in the
same run:

``raw``  the library alone, as its docs show it: for Arrow,
         ``pa.ipc.new_file`` on a ``pa.OSFile`` and ``pa.ipc.open_file`` on a
         ``pa.memory_map``; for Parquet, ``pq.write_table`` and
         ``pq.read_table`` (the options the handler uses: the defaults); for
         pickle, ``pickle.dump`` and ``pickle.load`` on ``open()`` files,
         protocol 5.
``raw + blake3 twice``  the same, plus the least any digest check costs: the
         file hashed by blake3 on all cores (from a memory map) after it is
         written and again before it is read.
``axl``  :func:`axl.io.write_artifact` and :func:`axl.io.read_artifact` with the
         handler: a temporary file renamed into place, the blake3 digest of the
         file's bytes recorded in a sidecar, and checked before the value is
         returned.

The cases: a table of ``--size-mb`` (an int64 and a float64 column and a
string column) through ``arrow`` and through ``parquet``; a pickle of numpy
arrays of ``--size-mb`` in all; and a pickle of Python objects (a list of
tuples of an int, a float and a short string) of about a tenth of that.

Every side gets one untimed warm run, then ``--repeats`` rounds in turn
(interleaved, so a drift in the machine's speed falls on all alike). Files
are read back right after they are written, so reads come from a warm page
cache; nothing is fsynced unless ``--durable`` is given (then both sides
fsync the data file before it is closed, and axl also its sidecar and
folder). Each figure is min / median / max in seconds; ratios are over raw, of
the medians, and for axl also pair by pair (same round). The folder's
filesystem is printed (pass ``--folder`` to measure another disk), and so is
the load average before and after: the digest's threads need idle cores. Run::

    uv run python benchmarks/io_handlers.py [--size-mb 240] [--repeats 5] [--folder DIR] [--check]

With ``--check`` (for ``make bench``) it exits 1 when axl's median takes over
1.75x the raw side plus its two hashes, e.g. if a second read of the file came
back. It takes about a minute on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import filesystem, interleaved, spread, table

GOALS = {"arrow": 1.3, "parquet": 1.3, "pickle": 1.5}
CHECK = 1.75  # --check fails when axl's median exceeds this many times "raw + blake3 twice"
Timing = tuple[float, float]  # write and read seconds


def make_table(size_mb: float) -> Any:
    """A pyarrow Table of about ``size_mb`` MB: int64, float64 and string columns."""
    import numpy as np
    import pyarrow as pa

    rows = int(size_mb * 1e6 / 30)  # 8 + 8 + about 10 bytes of text and a 4-byte offset
    rng = np.random.default_rng(0)
    words = np.array([f"word-{i:05d}" for i in range(1000)])
    return pa.table(
        {
            "id": np.arange(rows, dtype=np.int64),
            "score": rng.random(rows),
            "label": pa.array(words[rng.integers(0, len(words), rows)]),
        }
    )


def make_arrays(size_mb: float) -> dict[str, Any]:
    """A dict of four numpy arrays of ``size_mb`` MB in all."""
    import numpy as np

    n = int(size_mb * 1e6 / 8 / 4)
    rng = np.random.default_rng(0)
    return {
        "ids": np.arange(n, dtype=np.int64),
        "weights": rng.random(n),
        "matrix": rng.random(n).reshape(-1, 8),
        "counts": rng.integers(0, 1000, n),
    }


def make_records(size_mb: float) -> list[tuple[int, float, str]]:
    """A list of tuples of an int, a float and a short string, about ``size_mb`` MB pickled."""
    n = int(size_mb * 1e6 / 30)
    return [(i, i * 0.5, f"name-{i % 5000}") for i in range(n)]


class Case:
    """One value, written and read back by the library alone and by axl's handler."""

    def __init__(self, name: str, handler: str, value: Any, folder: Path, durable: bool) -> None:
        self.name, self.handler, self.value = name, handler, value
        self.folder, self.durable = folder, durable
        self.runs = count()

    def _path(self, side: str, ext: str) -> str:
        folder = self.folder / f"{self.name}-{side}-{next(self.runs)}"
        folder.mkdir()
        return str(folder / f"output{ext}")

    def raw(self) -> Timing:
        path = self._path("raw", "." + self.handler.replace("pickle", "pkl"))
        start = time.perf_counter()
        raw_write(self.handler, self.value, path, self.durable)
        middle = time.perf_counter()
        back = raw_read(self.handler, path)
        end = time.perf_counter()
        del back
        shutil.rmtree(os.path.dirname(path))
        return middle - start, end - middle

    def hashed(self) -> Timing:
        """The library alone plus the least a digest check costs: blake3 of the file by all
        cores after writing it, and again before reading it back."""
        from blake3 import blake3

        path = self._path("hashed", "." + self.handler.replace("pickle", "pkl"))
        start = time.perf_counter()
        raw_write(self.handler, self.value, path, self.durable)
        blake3(max_threads=blake3.AUTO).update_mmap(path).hexdigest()
        middle = time.perf_counter()
        blake3(max_threads=blake3.AUTO).update_mmap(path).hexdigest()
        back = raw_read(self.handler, path)
        end = time.perf_counter()
        del back
        shutil.rmtree(os.path.dirname(path))
        return middle - start, end - middle

    def axl(self) -> Timing:
        from axl.io.artifacts import read_artifact, write_artifact

        path = self._path("axl", "." + self.handler.replace("pickle", "pkl"))
        start = time.perf_counter()
        write_artifact(self.value, path, self.handler, step="bench", durable=self.durable)
        middle = time.perf_counter()
        back = read_artifact(path, self.handler)
        end = time.perf_counter()
        del back
        shutil.rmtree(os.path.dirname(path))
        return middle - start, end - middle


def raw_write(handler: str, value: Any, path: str, durable: bool) -> None:
    """``value`` written to ``path`` by the library alone."""
    if handler == "arrow":
        import pyarrow as pa

        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, value.schema) as writer:
            writer.write_table(value)
    elif handler == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(value, path)
    else:
        with open(path, "wb") as file:
            pickle.dump(value, file, protocol=5)
    if durable:  # pyarrow has no fsync: reopen (the same page cache)
        with open(path, "rb") as file:
            os.fsync(file.fileno())


def raw_read(handler: str, path: str) -> Any:
    """The value at ``path``, read back by the library alone."""
    if handler == "arrow":
        import pyarrow as pa

        with pa.memory_map(path, "r") as source:
            return pa.ipc.open_file(source).read_all()
    if handler == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path)
    with open(path, "rb") as file:
        return pickle.load(file)


def measure(case: Case, repeats: int) -> tuple[list[list[str]], float, float]:
    """The case's rows and its median axl/raw and axl/hashed ratios of write + read."""
    sides: dict[str, Callable[[], Timing]] = {
        "raw": case.raw,
        "raw + blake3 twice": case.hashed,
        "axl": case.axl,
    }
    _, timed = interleaved(sides, repeats)
    totals = {side: [w + r for w, r in runs] for side, runs in timed.items()}
    medians = {side: statistics.median(seconds) for side, seconds in totals.items()}
    pairs = [a / b for a, b in zip(totals["axl"], totals["raw"], strict=True)]
    rows = []
    for side, runs in timed.items():
        rows.append(
            [
                f"{case.name}: {side}",
                spread([w for w, _ in runs]),
                spread([r for _, r in runs]),
                spread(totals[side]),
                f"{medians[side] / medians['raw']:.2f}x" if side != "raw" else "",
                spread(pairs).replace(" / ", "x / ") + "x" if side == "axl" else "",
            ]
        )
    return rows, medians["axl"] / medians["raw"], medians["axl"] / medians["raw + blake3 twice"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=240, help="table and arrays size")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folder", default=None, help="where to write (default: the temp dir)")
    parser.add_argument("--durable", action="store_true", help="fsync on both sides")
    parser.add_argument("--only", nargs="*", default=None, help="case names to run")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when axl takes over {CHECK}x the raw side plus its two hashes",
    )
    args = parser.parse_args()
    frame = make_table(args.size_mb)
    cases = [
        ("arrow", "arrow", frame),
        ("parquet", "parquet", frame),
        ("pickle arrays", "pickle", make_arrays(args.size_mb)),
        ("pickle objects", "pickle", make_records(args.size_mb / 10)),
    ]
    with tempfile.TemporaryDirectory(dir=args.folder, prefix="axl-io-bench-") as tmp:
        folder = Path(tmp)
        print(
            f"{args.size_mb:g} MB table ({frame.num_rows:,} rows, {frame.nbytes / 1e6:.0f} MB in "
            f"memory); folder {folder} ({filesystem(folder)}); "
            f"{'fsync on both sides' if args.durable else 'no fsync'}; reads from a warm page "
            f"cache; {args.repeats} interleaved rounds after one untimed warm run; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        rows, verdicts, regressions = [], [], []
        for name, handler, value in cases:
            if args.only and name.split()[0] not in args.only and name not in args.only:
                continue
            case = Case(name.replace(" ", "-"), handler, value, folder, args.durable)
            case_rows, ratio, hashed = measure(case, args.repeats)
            for row in case_rows:
                row[0] = row[0].replace(case.name, name)
            rows += case_rows
            goal = GOALS[handler]
            verdicts.append(
                f"{name}: {ratio:.2f}x raw (median), goal at most {goal}x: "
                + ("met" if ratio <= goal else "not met")
                + f"; {hashed:.2f}x raw + blake3 twice"
            )
            if hashed > CHECK:
                regressions.append(f"{name}: {hashed:.2f}x raw + blake3 twice, over {CHECK}x")
    headers = ["seconds", "write", "read", "write + read", "vs raw", "pair by pair"]
    print(table(headers, rows))
    print("\n".join(verdicts))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    if args.check and regressions:
        sys.exit("regression: " + "; ".join(regressions))


if __name__ == "__main__":
    main()
