"""Code archives: byte-identical for the same tree anywhere, normalised, bounded, warned about."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from blake3 import blake3

from axl.errors import AxlError, InfrastructureError
from axl.packaging.archive import (
    ARCHIVE_MTIME,
    ArchiveError,
    ArchiveResult,
    build_archive,
    select_files,
)

LONG = "pkg/" + "deep_folder_name/" * 7 + "a_module_with_a_rather_long_name.py"
TREE = {
    "pyproject.toml": "[project]\nname = 'demo'\n",
    "flows/train.py": "print('train')\n",
    "flows/__init__.py": "",
    "scripts/run.sh": "#!/bin/sh\necho hi\n",
    "data/small.csv": "a,b\n1,2\n",
    LONG: "x = 1\n",
    "caf\u00e9/men\u00fc.py": "y = 2\n",
    ".gitignore": "*.log\n",
    "debug.log": "noise\n",
}

# Creates the tree in the order given, under a umask, with scattered mtimes, then archives it.
_BUILDER = r"""
import json, os, sys
from pathlib import Path
spec = json.loads(sys.argv[1])
os.umask(int(spec["umask"], 8))
root = Path(spec["root"])
for i, rel in enumerate(spec["order"]):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec["files"][rel])
    if rel in spec["executable"]:
        path.chmod(0o777 & ~int(spec["umask"], 8))
    os.utime(path, (spec["mtime"] + i * 7919, spec["mtime"] + i * 7919))
if spec["link"]:
    (root / "flows" / "current.py").symlink_to("train.py")
from axl.packaging.archive import build_archive
result = build_archive(root, Path(spec["out"]))
print(json.dumps({"digest": result.digest, "path": str(result.path)}))
"""


def _build_in_subprocess(tmp_path: Path, name: str, umask: str, order: list[str], mtime: int):
    spec = {
        "root": str(tmp_path / name / "some" / "where" / "proj"),
        "out": str(tmp_path / f"{name}-out"),
        "files": TREE,
        "order": order,
        "executable": ["scripts/run.sh"],
        "umask": umask,
        "mtime": mtime,
        "link": True,
    }
    out = subprocess.run(
        [sys.executable, "-c", _BUILDER, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_same_tree_gives_identical_bytes_across_paths_times_umasks_and_order(tmp_path):
    order = sorted(TREE)
    first = _build_in_subprocess(tmp_path, "a", "022", order, 1_600_000_000)
    second = _build_in_subprocess(tmp_path, "b", "077", list(reversed(order)), 1_700_000_123)
    third = _build_in_subprocess(tmp_path, "c", "002", order[3:] + order[:3], 946_684_800)
    assert first["digest"] == second["digest"] == third["digest"]
    data = Path(first["path"]).read_bytes()
    assert data == Path(second["path"]).read_bytes() == Path(third["path"]).read_bytes()
    assert blake3(data).hexdigest() == first["digest"]


def test_entries_are_sorted_and_normalised(make_tree):
    root = make_tree(TREE, executable=["scripts/run.sh"])
    (root / "flows" / "current.py").symlink_to("train.py")
    result = build_archive(root, root.parent / "out")
    with tarfile.open(result.path) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert LONG in names and "caf\u00e9/men\u00fc.py" in names
    assert "debug.log" not in names
    assert not any(m.isdir() for m in members)
    for m in members:
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (ARCHIVE_MTIME, 0, 0, "", "")
    modes = {m.name: (m.type, m.mode) for m in members}
    assert modes["scripts/run.sh"] == (tarfile.REGTYPE, 0o755)
    assert modes["flows/train.py"] == (tarfile.REGTYPE, 0o644)
    assert modes["flows/current.py"] == (tarfile.SYMTYPE, 0o777)
    assert result.files == len(members) == 9
    assert result.uncompressed_size == sum(len(v) for k, v in TREE.items() if k != "debug.log")


def test_gzip_header_has_no_time_and_no_name(make_tree):
    result = build_archive(make_tree(TREE), None)
    head = result.path.read_bytes()[:10]
    assert head[:3] == b"\x1f\x8b\x08"
    assert head[3] == 0  # no FNAME, FEXTRA or FCOMMENT
    assert head[4:8] == b"\0\0\0\0"


def test_tar_stream_is_pinned(make_tree):
    """The uncompressed stream of a fixed tree: a change here changes every user's digest."""
    root = make_tree({"a.py": "a = 1\n", "b/c.txt": "c\n", LONG: "long\n"}, executable=["a.py"])
    (root / "b" / "link").symlink_to("c.txt")
    result = build_archive(root, None)
    stream = gzip.decompress(result.path.read_bytes())
    assert len(stream) == 10240
    assert (
        blake3(stream).hexdigest()
        == "ca78c334a6251aae7ec6d3a1acba433fccf166fefd6dda13540024480dee8c6d"
    )


def test_result_names_the_archive_by_digest(make_tree):
    root = make_tree(TREE)
    result = build_archive(root)
    assert isinstance(result, ArchiveResult)
    assert result.name == f"code-{result.digest[:16]}.tar.gz"
    assert result.path == root / ".axl" / "archives" / result.name
    assert result.size == result.path.stat().st_size
    assert len(result.digest) == 64
    assert list(result.path.parent.iterdir()) == [result.path]  # no temporary file left


def test_rebuilding_into_a_folder_inside_the_root_is_stable(make_tree):
    root = make_tree(TREE)
    first = build_archive(root, root / "dist")
    second = build_archive(root, root / "dist")
    assert first.digest == second.digest
    assert second.files == first.files


def test_out_may_name_the_file(make_tree, tmp_path):
    result = build_archive(make_tree(TREE), tmp_path / "x" / "code.tar.gz")
    assert result.path == tmp_path / "x" / "code.tar.gz"
    assert result.path.is_file()


def test_size_limit_lists_the_biggest_files_and_writes_nothing(make_tree, tmp_path):
    files: dict[str, str | bytes] = {f"data/part{i:02d}.bin": b"x" * (1000 + i) for i in range(12)}
    files["flow.py"] = "pass\n"
    root = make_tree(files)
    out = tmp_path / "out"
    with pytest.raises(ArchiveError, match=r"over the 0\.0 MiB archive limit") as caught:
        build_archive(root, out, size_limit=5000)
    message = str(caught.value)
    listed = message.split("biggest files: ")[1]
    assert listed.startswith("data/part11.bin (0.0 MiB), data/part10.bin")
    assert "data/part02.bin" in listed and "data/part01.bin" not in listed
    assert "flow.py" not in listed
    assert ".axlignore" in message and "raise the archive size limit" in message
    assert caught.value.exit_code == 2
    assert not out.exists()


def test_ignored_files_do_not_count_towards_the_limit(make_tree):
    root = make_tree({"flow.py": "pass\n", "data/big.bin": b"x" * 10_000, ".axlignore": "data/\n"})
    result = build_archive(root, size_limit=1000)
    assert result.files == 2


def test_files_that_look_like_secrets_are_warned_about(make_tree):
    secrets = [
        ".env",
        ".env.local",
        "certs/server.pem",
        "tls.key",
        "keys/id_rsa",
        "id_ed25519",
        "store.p12",
        "aws/credentials",
    ]
    root = make_tree({"flow.py": "", ".env.example": "", **dict.fromkeys(secrets, "secret")})
    result = build_archive(root)
    warned = [w.split(" ")[0] for w in result.warnings]
    assert warned == sorted(secrets)
    assert all("list it in .axlignore" in w for w in result.warnings)
    assert result.files == len(secrets) + 2


def test_symlink_inside_is_kept_and_absolute_one_made_relative(make_tree):
    root = make_tree({"lib/util.py": "u = 1\n"})
    (root / "rel.py").symlink_to("lib/util.py")
    (root / "lib" / "abs.py").symlink_to(root / "lib" / "util.py")
    (root / "dangling.py").symlink_to("lib/missing.py")
    result = build_archive(root)
    with tarfile.open(result.path) as tar:
        links = {m.name: m.linkname for m in tar.getmembers() if m.issym()}
    assert links == {
        "dangling.py": "lib/missing.py",
        "lib/abs.py": "util.py",
        "rel.py": "lib/util.py",
    }


def test_symlink_leaving_the_root_is_refused(make_tree, tmp_path):
    (tmp_path / "outside").mkdir()
    root = make_tree({"flow.py": ""})
    (root / "data").symlink_to(tmp_path / "outside")
    with pytest.raises(
        ArchiveError, match=r"symlink data -> .*outside points outside the archive root"
    ):
        build_archive(root)
    (root / ".axlignore").write_text("data\n")
    assert build_archive(root).files == 2


def test_symlink_escaping_through_dotdot_is_refused(make_tree):
    root = make_tree({"flow.py": ""})
    (root / "up").symlink_to("../..")
    with pytest.raises(ArchiveError, match="symlink up -> ../.. points outside"):
        build_archive(root)


def test_special_files_are_skipped_with_a_warning(make_tree):
    root = make_tree({"flow.py": ""})
    os.mkfifo(root / "pipe")
    result = build_archive(root)
    assert result.files == 1
    assert result.warnings == ("pipe is not a regular file or symlink; it was left out",)


def test_file_name_that_is_not_utf8_is_refused(make_tree):
    root = make_tree({"flow.py": ""})
    with open(os.path.join(os.fsencode(root), b"bad\xff.py"), "wb"):
        pass
    with pytest.raises(ArchiveError, match=r"file name 'bad\\udcff.py' .* is not valid UTF-8"):
        build_archive(root)


def test_missing_root_and_unwritable_output(tmp_path, make_tree):
    with pytest.raises(ArchiveError, match="is not a folder"):
        build_archive(tmp_path / "nope")
    root = make_tree({"flow.py": ""})
    (tmp_path / "blocker").write_text("a file where the output folder should go")
    with pytest.raises(InfrastructureError, match=r"cannot archive .*blocker") as caught:
        build_archive(root, tmp_path / "blocker" / "out")
    assert caught.value.exit_code == 4


def test_empty_tree_warns(tmp_path):
    (tmp_path / "empty").mkdir()
    result = build_archive(tmp_path / "empty", tmp_path / "out")
    assert result.files == 0
    assert result.warnings == (
        f"no files selected under {tmp_path / 'empty'}: the archive is empty",
    )
    with tarfile.open(result.path) as tar:
        assert tar.getmembers() == []


def test_select_files_matches_the_archive(make_tree):
    root = make_tree(TREE)
    result = build_archive(root)
    with tarfile.open(result.path) as tar:
        names = [m.name for m in tar.getmembers()]
    assert [p.as_posix() for p in select_files(root)] == names


def test_archive_error_is_an_axl_error():
    assert issubclass(ArchiveError, AxlError)
