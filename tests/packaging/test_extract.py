"""Extracting code archives: digest first, unsafe entries refused, nothing written outside."""

from __future__ import annotations

import json
import os
import tarfile
import time
from pathlib import Path

import pytest

from axl.errors import InfrastructureError, UsageError
from axl.packaging.archive import build_archive
from axl.runtime.extract import (
    MARKER_NAME,
    ArchiveDigestError,
    ExtractError,
    UnsafeArchiveError,
    extract_archive,
    read_marker,
)
from tests.packaging.helpers import craft_archive, craft_bomb_header, member, snapshot

TREE = {
    "flows/train.py": "print('train')\n",
    "flows/__init__.py": "",
    "bin/run.sh": "#!/bin/sh\n",
    "README.md": "readme\n",
}


@pytest.fixture
def archive(make_tree, tmp_path):
    root = make_tree(TREE, executable=["bin/run.sh"])
    (root / "flows" / "latest.py").symlink_to("train.py")
    return build_archive(root, tmp_path / "archives")


def test_round_trip_restores_files_modes_and_links(archive, tmp_path):
    workdir = extract_archive(
        archive.path, tmp_path / "run" / "work", expected_digest=archive.digest
    )
    assert workdir == tmp_path / "run" / "work"
    for rel, text in TREE.items():
        assert (workdir / rel).read_text() == text
    assert os.readlink(workdir / "flows" / "latest.py") == "train.py"
    assert (workdir / "bin" / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (workdir / "README.md").stat().st_mode & 0o777 == 0o644
    assert read_marker(workdir) == archive.digest
    marker = json.loads((workdir / MARKER_NAME).read_text())
    assert marker == {"digest": archive.digest, "files": 5, "format": 1}
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["work"]


def test_blake3_prefix_is_accepted(archive, tmp_path):
    extract_archive(archive.path, tmp_path / "w", expected_digest="blake3:" + archive.digest)
    assert read_marker(tmp_path / "w") == archive.digest


def test_same_digest_is_not_extracted_again(archive, tmp_path):
    workdir = extract_archive(archive.path, tmp_path / "w")
    (workdir / "README.md").write_text("changed by a step\n")
    marker_mtime = (workdir / MARKER_NAME).stat().st_mtime_ns
    time.sleep(0.01)
    extract_archive(archive.path, workdir, expected_digest=archive.digest)
    assert (workdir / "README.md").read_text() == "changed by a step\n"
    assert (workdir / MARKER_NAME).stat().st_mtime_ns == marker_mtime


def test_another_digest_replaces_the_folder(archive, make_tree, tmp_path):
    workdir = extract_archive(archive.path, tmp_path / "run" / "w")
    (workdir / "left-over.txt").write_text("from the old run")
    newer = build_archive(make_tree({"flows/train.py": "v2\n"}, name="v2"), tmp_path / "archives")
    extract_archive(newer.path, workdir, expected_digest=newer.digest)
    assert (workdir / "flows" / "train.py").read_text() == "v2\n"
    assert not (workdir / "left-over.txt").exists()
    assert not (workdir / "README.md").exists()
    assert read_marker(workdir) == newer.digest
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["w"]


@pytest.mark.parametrize("existing", ["empty", "older extraction"])
def test_a_work_folder_that_cannot_be_moved_is_filled_in_place(
    archive, make_tree, tmp_path, monkeypatch, existing
):
    """An image's own folder on overlayfs (or a mount point) refuses rename(2) with EXDEV."""
    import errno

    workdir = tmp_path / "run" / "w"
    if existing == "empty":
        workdir.mkdir(parents=True)
    else:
        old = build_archive(make_tree({"old.py": "old\n"}, name="old"), tmp_path / "old-archives")
        extract_archive(old.path, workdir)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(src) == workdir:
            raise OSError(errno.EXDEV, "Invalid cross-device link", str(src))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    extract_archive(archive.path, workdir, expected_digest=archive.digest)
    for rel, text in TREE.items():
        assert (workdir / rel).read_text() == text
    assert os.readlink(workdir / "flows" / "latest.py") == "train.py"
    assert not (workdir / "old.py").exists()
    assert read_marker(workdir) == archive.digest
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["w"]


def test_a_folder_axl_did_not_fill_is_not_replaced(archive, tmp_path):
    workdir = tmp_path / "mine"
    workdir.mkdir()
    (workdir / "thesis.tex").write_text("precious")
    with pytest.raises(ExtractError, match="holds files that axl did not extract"):
        extract_archive(archive.path, workdir)
    assert (workdir / "thesis.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archives", "mine", "proj"]
    empty = tmp_path / "empty"
    empty.mkdir()
    extract_archive(archive.path, empty)
    assert (empty / "README.md").is_file()


def test_digest_mismatch_names_the_file_and_both_digests(archive, tmp_path):
    wrong = "0" * 64
    before = snapshot(tmp_path)
    with pytest.raises(ArchiveDigestError) as caught:
        extract_archive(archive.path, tmp_path / "w", expected_digest=wrong)
    message = str(caught.value)
    assert str(archive.path) in message
    assert archive.digest in message and wrong in message
    assert caught.value.exit_code == 4
    assert snapshot(tmp_path) == before


def test_corrupted_archive_fails_the_digest_check(archive, tmp_path):
    data = bytearray(archive.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.path.write_bytes(bytes(data))
    with pytest.raises(ArchiveDigestError, match="changed after it was built"):
        extract_archive(archive.path, tmp_path / "w", expected_digest=archive.digest)


def test_bad_digest_missing_archive_and_garbage(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a gzip file at all")
    with pytest.raises(UsageError, match="is not a blake3 digest") as bad:
        extract_archive(junk, tmp_path / "w", expected_digest="abc")
    assert bad.value.exit_code == 2  # bad input, not storage
    with pytest.raises(ExtractError, match=r"code archive .*missing\.tar\.gz does not exist"):
        extract_archive(tmp_path / "missing.tar.gz", tmp_path / "w")
    with pytest.raises(ExtractError, match=r"junk\.tar\.gz is not a valid tar\.gz"):
        extract_archive(junk, tmp_path / "w")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.tar.gz"]


UNSAFE = {
    "dotdot": ([member("../evil", b"pwned")], r"entry '\.\./evil' has a '\.\.' component"),
    "dotdot_deep": (
        [member("ok/../../evil", b"pwned")],
        r"entry 'ok/\.\./\.\./evil' has a '\.\.' component",
    ),
    "absolute": ([member("/tmp/axl-evil", b"pwned")], "entry '/tmp/axl-evil' has an absolute path"),
    "symlink_escape": (
        [member("up", type=tarfile.SYMTYPE, linkname="../outside")],
        r"entry 'up' is a symlink to '\.\./outside', outside the work folder",
    ),
    "symlink_absolute": (
        [member("etc", type=tarfile.SYMTYPE, linkname="/etc")],
        "entry 'etc' is a symlink to the absolute path '/etc'",
    ),
    "symlink_chain_escape": (
        [
            member("a/l2", type=tarfile.SYMTYPE, linkname="../l1/.."),
            member("l1", type=tarfile.SYMTYPE, linkname="."),
        ],
        r"entry 'a/l2' is a symlink to '\.\./l1/\.\.', outside the work folder",
    ),
    "write_through_symlink": (
        [member("d", type=tarfile.SYMTYPE, linkname="sub"), member("d/x.py", b"x")],
        "entry 'd/x.py' lies below the symlink 'd'",
    ),
    "symlink_replacing_folder": (
        [member("d/x.py", b"x"), member("d", type=tarfile.SYMTYPE, linkname="..")],
        "entry 'd' appears twice",
    ),
    "hardlink_escape": (
        [member("h", type=tarfile.LNKTYPE, linkname="../../etc/passwd")],
        r"entry 'h' is a hardlink to '\.\./\.\./etc/passwd', outside the work folder",
    ),
    "hardlink_absolute": (
        [member("h", type=tarfile.LNKTYPE, linkname="/etc/passwd")],
        "entry 'h' is a hardlink to '/etc/passwd', outside the work folder",
    ),
    "hardlink_to_nothing_before": (
        [member("h", type=tarfile.LNKTYPE, linkname="later.py"), member("later.py", b"x")],
        "entry 'h' is a hardlink to 'later.py', not a file before it",
    ),
    "char_device": (
        [member("null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)],
        "entry 'null' is a character device",
    ),
    "block_device": ([member("sda", type=tarfile.BLKTYPE)], "entry 'sda' is a block device"),
    "fifo": ([member("pipe", type=tarfile.FIFOTYPE)], "entry 'pipe' is a FIFO"),
    "duplicate": ([member("a.py", b"1"), member("a.py", b"2")], "entry 'a.py' appears twice"),
    "marker_name": ([member(MARKER_NAME, b"{}")], "name axl reserves"),
    "below_a_file": ([member("f", b"1"), member("f/g", b"2")], "entry 'f/g' lies below the file"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_entries_are_refused_and_nothing_is_written(tmp_path, case):
    members, message = UNSAFE[case]
    run = tmp_path / "pod" / "run"
    run.mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    path = craft_archive(tmp_path / "bad.tar.gz", [member("ok.py", b"fine"), *members])
    before = snapshot(tmp_path)
    with pytest.raises(UnsafeArchiveError, match=message) as caught:
        extract_archive(path, run / "work")
    assert caught.value.exit_code == 4
    assert str(path) in str(caught.value)
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/axl-evil").exists()


def test_safe_links_inside_are_extracted(tmp_path):
    path = craft_archive(
        tmp_path / "links.tar.gz",
        [
            member("./", type=tarfile.DIRTYPE),
            member("pkg/", type=tarfile.DIRTYPE, mode=0o700),
            member("pkg/a.py", b"a = 1\n", mode=0o4755),
            member("pkg/b.py", type=tarfile.LNKTYPE, linkname="pkg/a.py"),
            member("pkg/c.py", type=tarfile.SYMTYPE, linkname="../pkg/./a.py"),
            member("top", type=tarfile.SYMTYPE, linkname="pkg/.."),
        ],
    )
    workdir = extract_archive(path, tmp_path / "w")
    assert (workdir / "pkg" / "b.py").read_text() == "a = 1\n"
    assert (workdir / "pkg" / "c.py").read_text() == "a = 1\n"
    assert (workdir / "pkg" / "a.py").stat().st_mode & 0o7777 == 0o755
    assert (workdir / "top").resolve() == workdir.resolve()


def test_huge_declared_size_is_refused_before_reading_it(tmp_path):
    path = craft_bomb_header(tmp_path / "bomb.tar.gz", "zeros.bin", 10 * 1024**3)
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(UnsafeArchiveError, match=r"entry 'zeros\.bin' declares 10737418240 bytes"):
        extract_archive(path, run / "work")
    assert list(run.iterdir()) == []


def test_total_size_limit_counts_every_entry(tmp_path):
    path = craft_archive(tmp_path / "a.tar.gz", [member("a", b"x" * 60), member("b", b"y" * 60)])
    with pytest.raises(UnsafeArchiveError, match="entry 'b' declares 60 bytes.*limit of 100"):
        extract_archive(path, tmp_path / "w", max_uncompressed=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz"]


def test_too_many_entries(tmp_path):
    path = craft_archive(tmp_path / "a.tar.gz", [member(f"f{i}", b"") for i in range(10)])
    with pytest.raises(UnsafeArchiveError, match="entry 'f5' goes over the limit of 5 entries"):
        extract_archive(path, tmp_path / "w", max_files=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz"]


def test_errors_are_infrastructure_errors():
    for cls in (ExtractError, ArchiveDigestError, UnsafeArchiveError):
        assert issubclass(cls, InfrastructureError)
