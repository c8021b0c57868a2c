"""The packages policies and the env cache: keys, atomic installs, races, ``check``.

uv installs offline from wheels the tests write (:mod:`tests.runtime.offline_envs`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from axl.runtime.env_cache import (
    ENV_MARKER,
    STALE_SECONDS,
    find_env,
    install_env,
    publish,
    staging_folder,
    write_marker,
)
from axl.runtime.envs import ready_env
from axl.runtime.package_policy import ensure_packages
from axl.runtime.packages import (
    PackagesError,
    canonical_requirements,
    env_key,
    missing_requirements,
    python_tag,
)
from tests.runtime.offline_envs import (
    OTHER,
    PROBE,
    PROBE_DEP,
    PROBE_REQ,
    OfflineUv,
    env_ready,
    events,
    runner,
    step_manifest,
)

# --- the key ------------------------------------------------------------------------


def test_the_key_is_of_the_canonical_set_and_the_python_tag():
    key = env_key(["b==1", "a>=2"], tag="cpython-311-x86_64-linux-gnu/linux-x86_64")
    assert len(key) == 64 and int(key, 16) >= 0
    assert (
        env_key([" a>=2", "b==1", "b==1 "], tag="cpython-311-x86_64-linux-gnu/linux-x86_64") == key
    )
    assert canonical_requirements(["b", " a ", "b", ""]) == ("a", "b")
    assert env_key(["a>=2"], tag="cpython-311-x86_64-linux-gnu/linux-x86_64") != key
    assert env_key(["b==1", "a>=3"], tag="cpython-311-x86_64-linux-gnu/linux-x86_64") != key
    assert env_key(["b==1", "a>=2"], tag="cpython-312-x86_64-linux-gnu/linux-x86_64") != key
    assert env_key(["b==1", "a>=2"], tag="cpython-311-x86_64-linux-musl/linux-x86_64") != key


def test_the_key_is_the_same_in_another_process_and_names_this_python():
    assert sys.implementation.name in python_tag()
    code = "from axl.runtime.packages import env_key; print(env_key(['x==1', 'y']))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == env_key(["y", "x==1"])


# --- check and install --------------------------------------------------------------


def test_check_names_every_missing_requirement(tmp_path: Path):
    manifest = step_manifest(
        tmp_path, "probe", "check", requirements=("axl_absent_one>=1", "blake3", "axl_absent_two")
    )
    with pytest.raises(
        PackagesError, match=r"step 'probe' needs axl_absent_one>=1, axl_absent_two, which"
    ):
        ensure_packages(manifest)


def test_check_fails_the_runner_before_the_step_with_exit_4(tmp_path: Path, offline_uv: OfflineUv):
    manifest = step_manifest(tmp_path, "probe", "check", requirements=(PROBE_REQ, "axl_absent_two"))
    result = runner("run", manifest.to_json())
    assert result.returncode == 4, result.stderr
    failed = events(result.stderr)[-1]
    assert failed["error"]["code"] == "packages"
    assert f"needs {PROBE_REQ}, axl_absent_two" in failed["error"]["message"]
    assert offline_uv.entries() == []  # check never installs


def test_a_version_that_does_not_fit_is_missing():
    assert missing_requirements(["blake3>=999"]) == ["blake3>=999"]
    assert missing_requirements(["blake3>=0.1"]) == []


def test_install_makes_one_env_with_the_dependencies_and_reuses_it(offline_uv: OfflineUv):
    first = ready_env([PROBE_REQ])
    assert first.source == "installed"
    assert first.path == offline_uv.envs / env_key([PROBE_REQ])
    assert {PROBE, PROBE_DEP} <= set(os.listdir(first.path))
    marker = json.loads((first.path / ENV_MARKER).read_text())
    assert marker == {"key": first.key, "python": python_tag(), "requirements": [PROBE_REQ]}
    again = ready_env([PROBE_REQ])
    assert (again.source, again.path) == ("cache", first.path)
    assert offline_uv.entries() == [first.key]


def test_the_runner_installs_and_runs_the_step(tmp_path: Path, offline_uv: OfflineUv):
    manifest = step_manifest(tmp_path, "probe", "install").to_json()
    result = runner("run", manifest)
    assert result.returncode == 0, result.stderr
    assert [(e["source"], e["env"]) for e in env_ready(result.stderr)] == [
        ("installed", env_key([PROBE_REQ]))
    ]
    second = runner("run", manifest)
    assert [e["source"] for e in env_ready(second.stderr)] == ["cache"]


def test_an_env_on_sys_path_does_not_change_what_a_step_lacks(offline_uv: OfflineUv, monkeypatch):
    env = ready_env([PROBE_REQ])
    monkeypatch.syspath_prepend(str(env.path))
    assert missing_requirements([PROBE_REQ]) == []  # importable now...
    from axl.runtime.env_cache import base_path

    assert missing_requirements([PROBE_REQ, OTHER], base_path()) == [PROBE_REQ, OTHER]


# --- atomic installs ----------------------------------------------------------------


def test_a_failed_install_leaves_nothing(offline_uv: OfflineUv):
    offline_uv.fake_uv(
        'for a; do [ "$prev" = --target ] && t="$a"; prev="$a"; done\n'
        'mkdir -p "$t/half" && echo partial > "$t/half/__init__.py"\n'
        'echo "error: No solution found when resolving dependencies" >&2; exit 1'
    )
    with pytest.raises(
        PackagesError, match="installing axl_env_probe==1.0 failed: error: No solution"
    ):
        ready_env([PROBE_REQ], step="probe")
    assert offline_uv.entries() == []


def test_a_killed_install_leaves_no_usable_env(offline_uv: OfflineUv, tmp_path: Path):
    started = tmp_path / "started"
    offline_uv.fake_uv(
        'for a; do [ "$prev" = --target ] && t="$a"; prev="$a"; done\n'
        'mkdir -p "$t/axl_env_probe" && echo "VALUE = 0" > "$t/axl_env_probe/__init__.py"\n'
        f"touch {started}; sleep 60"
    )
    code = f"from axl.runtime.envs import ready_env; ready_env([{PROBE_REQ!r}])"
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "the install never began"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    key = env_key([PROBE_REQ])
    assert find_env(key) is None
    (leftover,) = offline_uv.entries()
    assert leftover.startswith(f".{key}.install-")  # a temporary folder, never used
    (offline_uv.bin / "uv").unlink()
    env = ready_env([PROBE_REQ])
    assert env.source == "installed"
    assert (env.path / PROBE / "__init__.py").read_text().startswith("from axl_env_probe_dep")


def test_a_leftover_of_a_killed_process_is_removed_when_it_is_old(offline_uv: OfflineUv):
    key = env_key([PROBE_REQ])
    old = staging_folder(key, "install")
    fresh = staging_folder(key, "install")
    past = time.time() - STALE_SECONDS - 60
    os.utime(old, (past, past))
    staging_folder(key, "fetch")
    names = offline_uv.entries()
    assert old.name not in names and fresh.name in names


def test_two_processes_installing_one_env_at_once_leave_one_good_env(
    offline_uv: OfflineUv, tmp_path: Path
):
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    # Each install waits until both have begun, so the two really overlap.
    offline_uv.fake_uv(
        f"touch {barrier}/$$\n"
        f'while [ "$(ls {barrier} | wc -l)" -lt 2 ]; do sleep 0.01; done\n'
        'exec "$REAL_UV" "$@"'
    )
    code = (
        "import json; from axl.runtime.envs import ready_env; "
        f"e = ready_env([{PROBE_REQ!r}]); print(json.dumps([str(e.path), e.source]))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    answers = [json.loads(proc.communicate(timeout=120)[0]) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    key = env_key([PROBE_REQ])
    assert {path for path, _ in answers} == {str(offline_uv.envs / key)}
    assert offline_uv.entries() == [key]  # the loser's copy is gone
    assert {PROBE, PROBE_DEP} <= set(os.listdir(offline_uv.envs / key))


def test_publishing_a_taken_key_keeps_the_winner(offline_uv: OfflineUv):
    key = env_key([PROBE_REQ])
    first, second = staging_folder(key, "install"), staging_folder(key, "install")
    for folder, text in ((first, "first"), (second, "second")):
        (folder / "which").write_text(text)
        write_marker(folder, key, [PROBE_REQ])
    assert publish(first, key) == publish(second, key) == offline_uv.envs / key
    assert (offline_uv.envs / key / "which").read_text() == "first"
    assert offline_uv.entries() == [key]


def test_a_folder_under_a_key_without_its_marker_is_never_used_and_is_replaced(
    offline_uv: OfflineUv,
):
    key = env_key([PROBE_REQ])
    half = offline_uv.envs / key
    (half / PROBE).mkdir(parents=True)
    (half / PROBE / "__init__.py").write_text("VALUE = 0\n")
    assert find_env(key) is None
    env = ready_env([PROBE_REQ])
    assert env.source == "installed" and find_env(key) == half
    assert "from axl_env_probe_dep" in (half / PROBE / "__init__.py").read_text()
    assert offline_uv.entries() == [key]


def test_install_names_itself_in_errors(offline_uv: OfflineUv):
    offline_uv.fake_uv(
        "echo 'error: axl_env_nothing was not found in the package registry' >&2; exit 2"
    )
    with pytest.raises(
        PackagesError,
        match=r"step 'train': installing axl_env_nothing failed: error: axl_env_nothing was not found",
    ):
        install_env(env_key(["axl_env_nothing"]), ["axl_env_nothing"], step="train")
    assert offline_uv.entries() == []
