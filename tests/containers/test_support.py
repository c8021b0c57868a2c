"""The container test support that runs without containers: apt sources, mounts, host runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.containers.images import (
    AptSource,
    apt_sources,
    debian_mirror,
    parse_deb822,
    parse_sources_list,
    runner_inputs_digest,
)
from tests.containers.podman import ENSURE_SCRIPT, StepRunner, parse_mounts

DEB822 = """\
# The main archive
Types: deb deb-src
URIs: http://mirror.example/debian http://other.example/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: bookworm
Components: main

Types: deb-src
URIs: http://sources-only.example/debian
Suites: bookworm
Components: main
"""


def test_deb822_stanzas_with_continuations_disabled_and_source_entries() -> None:
    assert parse_deb822(DEB822) == [
        AptSource(
            "http://mirror.example/debian", ("bookworm", "bookworm-updates"), ("main", "contrib")
        ),
        AptSource(
            "http://other.example/debian/", ("bookworm", "bookworm-updates"), ("main", "contrib")
        ),
        AptSource("http://mirror.example/debian-security", ("bookworm-security",), ("main",)),
    ]


def test_one_line_sources_with_options_and_comments() -> None:
    text = (
        "# deb http://commented.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb [ arch=amd64 signed-by=/usr/share/keyrings/k.gpg ] https://a.example/debian trixie main\n"
        "deb [arch=amd64] http://b.example/debian bookworm main non-free # trailing\n"
        "deb http://broken.example\n"
    )
    assert parse_sources_list(text) == [
        AptSource("https://a.example/debian", ("trixie",), ("main",)),
        AptSource("http://b.example/debian", ("bookworm",), ("main", "non-free")),
    ]


def test_mirror_prefers_the_release_then_any_debian_archive() -> None:
    security = AptSource("http://m.example/debian-security", ("bookworm-security",), ("main",))
    trixie = AptSource("http://t.example/debian/", ("trixie",), ("main",))
    bookworm = AptSource("https://b.example/debian", ("bookworm",), ("main",))
    cdrom = AptSource("cdrom:[Debian]/", ("bookworm",), ("main",))
    ubuntu = AptSource("http://archive.example/ubuntu", ("jammy",), ("main",))
    assert debian_mirror([cdrom, security, trixie, bookworm]) == "https://b.example/debian"
    assert debian_mirror([security, trixie]) == "http://t.example/debian"
    assert debian_mirror([ubuntu, security]) is None


def test_apt_sources_reads_list_and_sources_files_in_order(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://first.example/debian bookworm main\n")
    parts = tmp_path / "sources.list.d"
    parts.mkdir()
    (parts / "b.sources").write_text(DEB822)
    (parts / "a.list").write_text("deb http://second.example/debian bookworm main\n")
    (parts / "c.list.disabled").write_text("deb http://ignored.example/debian bookworm main\n")
    uris = [source.uri for source in apt_sources(tmp_path)]
    assert uris == [
        "http://first.example/debian",
        "http://second.example/debian",
        "http://mirror.example/debian",
        "http://other.example/debian/",
        "http://mirror.example/debian-security",
    ]


def test_inputs_digest_depends_on_base_and_version() -> None:
    one = runner_inputs_digest(base_image_id="sha256:a", version="1.0")
    assert one == runner_inputs_digest(base_image_id="sha256:a", version="1.0")
    assert one != runner_inputs_digest(base_image_id="sha256:b", version="1.0")
    assert one != runner_inputs_digest(base_image_id="sha256:a", version="1.1")


def test_mounts_are_checked(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    mounts = parse_mounts({tmp_path: "/data:ro", tmp_path / "out": "/out"})
    assert [(m.container, m.options) for m in mounts] == [("/data", "ro,U"), ("/out", "U")]
    outside = Path("/etc")  # never under the temp folder, wherever the checkout is
    assert parse_mounts({outside: "/src:ro"})[0].options == "ro"
    with pytest.raises(ValueError, match=r"is outside .*: mount it read-only \('/src:ro'\)"):
        parse_mounts({outside: "/src"})
    with pytest.raises(ValueError, match="'data' must be an absolute container path"):
        parse_mounts({tmp_path: "data"})
    with pytest.raises(FileNotFoundError, match="missing does not exist"):
        parse_mounts({tmp_path / "missing": "/data"})


def test_host_runner_rewrites_container_paths(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    script = (
        "import os, pathlib, sys\n"
        "pathlib.Path(sys.argv[1]).write_text(os.environ['AXL_OUT'])\n"
        "print(sys.argv[2], os.getcwd(), sys.executable)\n"
        "sys.exit(4)\n"
    )
    result = StepRunner(None, None, "testing").run(
        ["python", "-c", script, "/data/sub/out.txt", "--where=/data/x"],
        mounts={data: "/data"},
        env={"AXL_OUT": "/data/y"},
        workdir="/data/sub",
    )
    assert result.returncode == 4, result.stderr
    assert result.stdout.split() == [f"--where={data}/x", str(data / "sub"), sys.executable]
    assert (data / "sub" / "out.txt").read_text() == f"{data}/y"


def _ensure(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ENSURE_SCRIPT), "--no-install"],
        env={**env, "AXL_TESTS_CONFIG_DIR": str(tmp_path / "conf")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_ensure_podman_writes_the_config_and_is_idempotent(tmp_path: Path) -> None:
    conf = tmp_path / "conf" / "containers.conf"
    first = _ensure(tmp_path, dict(os.environ))
    second = _ensure(tmp_path, dict(os.environ))
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert first.stdout in ("", f"CONTAINERS_CONF={conf}\n")
    text = conf.read_text()
    assert 'runtime = "runc"' in text
    limit = subprocess.run(["bash", "-c", "ulimit -Hn"], capture_output=True, text=True).stdout
    nofile = 1048576 if limit.strip() == "unlimited" else min(int(limit), 1048576)
    assert f'"nofile={nofile}:{nofile}"' in text


def test_ensure_podman_without_podman_says_so_and_exits_0(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "cat", "mkdir", "mv", "id", "awk", "sed"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True)
        (bin_dir / tool).symlink_to(found.stdout.strip())
    result = _ensure(tmp_path, {"PATH": str(bin_dir), "HOME": str(tmp_path)})
    assert (result.returncode, result.stdout) == (0, "")
    assert "podman or runc is missing or broken (not installing: --no-install)" in result.stderr
