"""Hostile tar headers: refused before they are read, in bounded memory, with exit code 4."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest

from axl.manifest import Manifest
from axl.runtime.extract import UnsafeArchiveError, extract_archive
from axl.runtime.tar_headers import MAX_EXTENDED_CHAIN, MAX_EXTENDED_HEADER
from tests.packaging.helpers import craft_archive, member

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024**3
EXTENDED_KINDS = {
    "pax": tarfile.XHDTYPE,
    "pax_global": tarfile.XGLTYPE,
    "gnu_long_name": tarfile.GNUTYPE_LONGNAME,
    "gnu_long_link": tarfile.GNUTYPE_LONGLINK,
}


def _header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict")


def _gzip(prefix: bytes, zeros: int = 0) -> bytes:
    """A one-member gzip stream of ``prefix`` then ``zeros`` zero bytes, built in a blink.

    Each MiB of zeros is deflated on its own (a full flush resets the
    window), so one compressed MiB is repeated instead of compressing them all.
    """
    mib = bytes(1024**2)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH)]
    crc = zlib.crc32(prefix)
    if zeros:
        one = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
        parts.append(one * (zeros // len(mib)))
        for _ in range(zeros // len(mib)):
            crc = zlib.crc32(mib, crc)
    parts.append(deflate.flush())
    size = (len(prefix) + zeros) % 2**32
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return head + b"".join(parts) + crc.to_bytes(4, "little") + size.to_bytes(4, "little")


def _extended_bomb(path: Path, kind: bytes, size: int = GIB) -> Path:
    """An archive whose first header is an extended one declaring ``size`` bytes, all present."""
    path.write_bytes(_gzip(_header("././@LongLink", kind, size), zeros=size))
    return path


def _tar_gz(path: Path, raw: bytes) -> Path:
    path.write_bytes(_gzip(raw + bytes(1024)))
    return path


def _record(key: str, value: str) -> bytes:
    """One pax record, ``"<length> key=value\\n"``, its length counting its own digits."""
    rest = f" {key}={value}\n".encode()
    length = len(rest) + 1
    while len(str(length)) + len(rest) != length:
        length += 1
    return str(length).encode() + rest


def _pax(records: dict[str, str], name: str = "././@PaxHeader", kind: bytes = tarfile.XHDTYPE):
    body = b"".join(_record(k, v) for k, v in records.items())
    return _header(name, kind, len(body)) + body + bytes(-len(body) % 512)


def _file(name: str, data: bytes, declared: int | None = None) -> bytes:
    size = len(data) if declared is None else declared
    return _header(name, tarfile.REGTYPE, size) + data + bytes(-len(data) % 512)


@pytest.fixture(scope="module")
def pax_bomb(tmp_path_factory) -> Path:
    return _extended_bomb(tmp_path_factory.mktemp("bomb") / "pax.tar.gz", tarfile.XHDTYPE)


@pytest.mark.parametrize("kind", sorted(EXTENDED_KINDS))
def test_huge_extended_header_is_refused_before_it_is_read(tmp_path, kind):
    path = _extended_bomb(tmp_path / "bomb.tar.gz", EXTENDED_KINDS[kind])
    assert path.stat().st_size < 2 * 1024**2
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(UnsafeArchiveError) as caught:  # before reading: see the memory test
        extract_archive(path, run / "work")
    assert caught.value.exit_code == 4
    assert str(caught.value).startswith(
        f"code archive {path}: entry '././@LongLink' is an extended header "
        f"(pax or GNU long name) of {GIB} bytes, over the limit of {MAX_EXTENDED_HEADER}"
    )
    assert list(run.iterdir()) == []


def test_refusing_a_huge_header_keeps_memory_small(pax_bomb, tmp_path):
    # The peak is taken from VmHWM after resetting it: a child's ru_maxrss also counts what
    # it shared with the (large) test process that forked it, before it exec'd.
    probe = (
        "import re\n"
        "from axl.runtime.extract import UnsafeArchiveError, extract_archive\n"
        "with open('/proc/self/clear_refs', 'w') as f:\n"
        "    f.write('5')\n"
        "try:\n"
        f"    extract_archive({str(pax_bomb)!r}, {str(tmp_path / 'work')!r})\n"
        "except UnsafeArchiveError:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.stderr == ""
    assert int(out.stdout) < 200 * 1024  # KiB: the header alone would be 1 GiB


def _nul_name(path: Path) -> Path:
    return _tar_gz(path, _pax({"path": "ok\0.py"}) + _file("ok.py", b"x"))


def _nul_link(path: Path) -> Path:
    link = _header("l", tarfile.SYMTYPE, 0)
    return _tar_gz(path, _file("a.py", b"x") + _pax({"linkpath": "a.py\0/etc"}) + link)


def test_nul_in_a_name_or_link_target_is_refused(tmp_path):
    for craft, entry in ((_nul_name, r"ok\\x00\.py"), (_nul_link, "l")):
        path = craft(tmp_path / f"{craft.__name__}.tar.gz")
        with pytest.raises(UnsafeArchiveError, match=f"entry '{entry}' has a NUL character"):
            extract_archive(path, tmp_path / "work")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_nul_link.tar.gz", "_nul_name.tar.gz"]


@pytest.mark.parametrize(
    ("craft", "message"),
    [
        ("pax_bomb", "is an extended header (pax or GNU long name) of 1073741824 bytes"),
        ("nul", "has a NUL character in its name or link target"),
    ],
)
def test_runner_command_refuses_with_exit_4_and_one_line(pax_bomb, tmp_path, craft, message):
    archive = pax_bomb if craft == "pax_bomb" else _nul_name(tmp_path / "nul.tar.gz")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(Manifest(workflow="flows:Flow", step="a").to_json())
    out = subprocess.run(
        [sys.executable, "-m", "axl.runtime", "run", "--manifest", str(manifest),
         "--workflow-archive", str(archive), "--workdir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 4, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    failed = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")][-1]
    assert failed["error"]["code"] == "unsafe_archive"
    assert message in failed["error"]["message"]
    assert "\n" not in failed["error"]["message"]
    assert not (tmp_path / "work").exists()


def test_a_long_chain_of_extended_headers_is_refused(tmp_path):
    chain = _pax({"comment": "x"}, kind=tarfile.XGLTYPE) * (MAX_EXTENDED_CHAIN + 1)
    path = _tar_gz(tmp_path / "chain.tar.gz", chain + _file("a.py", b"x"))
    with pytest.raises(UnsafeArchiveError, match=f"more than {MAX_EXTENDED_CHAIN} extended"):
        extract_archive(path, tmp_path / "work")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_pax({"path": "a.py"}) + _pax({"path": "b.py"}), "second pax header for the same entry"),
        (_pax({"GNU.sparse.major": "1", "GNU.sparse.minor": "0"}), "describes a sparse file"),
        (_pax({"size": "5"}, kind=tarfile.XGLTYPE), "global pax header that sets a size"),
    ],
)
def test_pax_headers_tarfile_would_misread_are_refused(tmp_path, raw, message):
    path = _tar_gz(tmp_path / "a.tar.gz", raw + _file("c.py", b"x"))
    with pytest.raises(UnsafeArchiveError, match=message):
        extract_archive(path, tmp_path / "work")


def test_extended_header_bytes_count_against_the_size_limit(tmp_path):
    long_name = ("d" * 99 + "/") * 30 + "a.py"
    path = craft_archive(tmp_path / "long.tar.gz", [member(long_name, b"x")])
    with pytest.raises(UnsafeArchiveError, match="limit of 2000 uncompressed bytes"):
        extract_archive(path, tmp_path / "work", max_uncompressed=2000)
    workdir = extract_archive(path, tmp_path / "work", max_uncompressed=4000)
    assert (workdir / long_name).read_text() == "x"


def test_a_pax_size_record_is_followed_past_data_that_looks_like_a_header(tmp_path):
    fake = _header("fake", tarfile.XHDTYPE, GIB)  # inside the file's data, not a header
    data = fake + b"tail"
    raw = _pax({"size": str(len(data))}) + _file("data.bin", data, declared=0)
    path = _tar_gz(tmp_path / "sized.tar.gz", raw + _file("b.py", b"b"))
    workdir = extract_archive(path, tmp_path / "work")
    assert (workdir / "data.bin").read_bytes() == data
    assert (workdir / "b.py").read_text() == "b"
    chained = raw + _pax({"path": "c.py"}) * 2 + _file("c.py", b"c")
    path = _tar_gz(tmp_path / "chained.tar.gz", chained)
    with pytest.raises(UnsafeArchiveError, match="second pax header for the same entry"):
        extract_archive(path, tmp_path / "work2")


@pytest.mark.parametrize(
    ("name", "linkname", "message"),
    [
        ("d/" * 200 + "a.py", "", "lies 200 folders deep, over the limit of 128"),
        ("a" * 200 + "/" + "b" * 200 + "/" + "c" * 4000, "", "has a name or link target over 4096"),
        ("l", "x/" * 2100, "has a name or link target over 4096"),
    ],
)
def test_names_the_file_system_cannot_hold_are_refused(tmp_path, name, linkname, message):
    kind = tarfile.SYMTYPE if linkname else tarfile.REGTYPE
    path = craft_archive(tmp_path / "deep.tar.gz", [member(name, type=kind, linkname=linkname)])
    with pytest.raises(UnsafeArchiveError, match=message):
        extract_archive(path, tmp_path / "work")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.tar.gz"]
