"""Per-artifact cost of write_artifact + read_artifact for a tiny value under pickle.

Run: ``python -m tests.io.bench_artifacts [FOLDER] [--durable] [--n N]``. Prints the
median write and read times next to the same system calls made bare (open,
write, close, rename for data and sidecar; open, fstat, read, close to read
back), so what axl itself adds is the difference.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import tempfile
import time
from collections.abc import Callable

from axl.io import get_handler
from axl.io.artifacts import read_artifact, write_artifact


def bare_write(folder: str, value: object, durable: bool) -> None:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    for name in ("output.pkl", "output.meta.json"):
        temp = f"{folder}/.{name}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.write(fd, data)
        if durable:
            os.fsync(fd)
        os.close(fd)
        os.replace(temp, f"{folder}/{name}")
    if durable:
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def bare_read(folder: str) -> object:
    fd = os.open(f"{folder}/output.meta.json", os.O_RDONLY)
    os.read(fd, 4096)
    os.close(fd)
    fd = os.open(f"{folder}/output.pkl", os.O_RDONLY)
    data = os.read(fd, os.fstat(fd).st_size)
    os.close(fd)
    return pickle.loads(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default=None)
    parser.add_argument("--durable", action="store_true")
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    root = tempfile.mkdtemp(dir=args.folder)
    handler = get_handler("pickle")
    clock: Callable[[], int] = time.perf_counter_ns
    for value in (1, {"a": 1, "b": [1, 2, 3]}):
        times: dict[str, list[int]] = {"write": [], "read": [], "bare write": [], "bare read": []}
        for i in range(args.n):
            ours, bare = (
                f"{root}/{type(value).__name__}-{i}",
                f"{root}/bare-{type(value).__name__}-{i}",
            )
            os.mkdir(ours)
            os.mkdir(bare)
            t0 = clock()
            write_artifact(value, f"{ours}/output.pkl", handler, step="s", durable=args.durable)
            t1 = clock()
            read_artifact(f"{ours}/output.pkl", "pickle")
            t2 = clock()
            bare_write(bare, value, args.durable)
            t3 = clock()
            bare_read(bare)
            t4 = clock()
            for key, took in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                times[key].append(took)
        med = {key: statistics.median(v) / 1000 for key, v in times.items()}
        own = med["write"] + med["read"] - med["bare write"] - med["bare read"]
        print(
            f"{type(value).__name__:4} durable={args.durable!s:5} write {med['write']:7.1f}us "
            f"read {med['read']:5.1f}us | bare write {med['bare write']:7.1f}us "
            f"read {med['bare read']:5.1f}us | axl adds {own:5.1f}us"
        )


if __name__ == "__main__":
    main()
