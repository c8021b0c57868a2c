"""Hostile manifests and runner flags: exit 2 with a one-line message, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from axl.errors import ParamsError
from axl.manifest import Manifest, ManifestError, archive_digest_hex
from axl.runtime.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = {"workflow": "tests.runtime.workflows:Diamond", "step": "a"}
DIGEST = "blake3:" + "ab" * 32


def with_(**fields: Any) -> dict[str, Any]:
    return {**BASE, **fields}


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (with_(env={"A=B": "x"}), r"manifest\.env name 'A=B' is not an environment variable name"),
        (with_(env={"": "x"}), r"manifest\.env name '' is not an environment variable name"),
        (with_(env={"A\x00": "x"}), r"manifest\.env name 'A\\x00' is not"),
        (with_(env={"A": "x\x00y"}), r"manifest\.env\.A 'x\\x00y' holds a NUL character"),
        (
            with_(outputs=[{"path": "/o\x00", "handler": "pickle"}]),
            r"manifest\.outputs\[0\]\.path '/o\\x00' holds a NUL",
        ),
        (
            with_(outputs=[{"path": "/o", "handler": "pickle", "value_path": "/v\x00"}]),
            r"manifest\.outputs\[0\]\.value_path '/v\\x00' holds a NUL",
        ),
        (
            with_(inputs={"a": {"path": "/in\x00", "handler": "pickle"}}),
            r"manifest\.inputs\[0\]\.path '/in\\x00' holds a NUL",
        ),
        (with_(code={"path": "/c\x00.tgz"}), r"manifest\.code\.path '/c\\x00\.tgz' holds a NUL"),
        (with_(code={"path": "/c", "workdir": "/w\x00"}), r"manifest\.code\.workdir .* NUL"),
        (with_(python_path=["/src\x00"]), r"manifest\.python_path '/src\\x00' holds a NUL"),
        (with_(outputs=[{"path": "/o\ud800", "handler": "pickle"}]), r"not valid Unicode"),
        (with_(code={"path": "/c", "digest": "blake3:12"}), r"code\.digest 'blake3:12' is not a"),
        (with_(code={"path": "/c", "digest": "md5:" + "0" * 32}), r"is not a blake3 digest"),
        (with_(version=True), r"manifest version True is not supported"),
        (with_(workflow_name=["x"]), r"manifest\.workflow_name must be text"),
    ],
)
def test_structurally_bad_manifests_are_manifest_errors(data: dict[str, Any], pattern: str):
    with pytest.raises(ManifestError, match=pattern):
        Manifest.from_dict(data)


def test_params_and_values_in_a_manifest_follow_the_param_rules():
    with pytest.raises(ParamsError, match=r"manifest\.params\.x\.a holds a set"):
        Manifest.from_dict(with_(params={"x": {"a": {1, 2}}}))
    deep: Any = []
    for _ in range(150):
        deep = [deep]
    with pytest.raises(ParamsError, match=r"manifest\.params\.x is nested deeper than 100"):
        Manifest.from_dict(with_(params={"x": deep}))
    with pytest.raises(ParamsError, match=r"manifest\.inputs\[0\]\.value is nested deeper"):
        Manifest.from_dict(with_(inputs=[{"name": "v", "source": "value", "value": deep}]))


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_manifest_nested_thousands_deep_is_a_manifest_error(depth: int):
    with pytest.raises(ManifestError, match=r"^manifest is nested too deeply to read \("):
        Manifest.from_json("[" * depth + "]" * depth)


def test_nan_and_non_utf8_manifests():
    with pytest.raises(ManifestError, match=r"NaN is not a JSON value"):
        Manifest.from_json(json.dumps(with_(params={"x": 1})).replace("1}", "NaN}"))
    with pytest.raises(ManifestError, match=r"manifest is not valid JSON"):
        Manifest.from_json(b'{"workflow": "\xff"}')


def test_manifest_files_that_cannot_be_read(tmp_path: Path):
    bad = tmp_path / "m.json"
    bad.write_bytes(b"\xfe\xff\x00{")
    with pytest.raises(ManifestError, match=r"manifest is not valid JSON"):
        Manifest.from_file(bad)
    with pytest.raises(ManifestError, match=r"cannot read manifest"):
        Manifest.from_file("m\x00.json")


def test_the_digest_form_is_one_definition():
    hex_digits = "AB" * 32
    assert archive_digest_hex(f"  blake3:{hex_digits} ") == hex_digits.lower()
    assert archive_digest_hex(hex_digits) == hex_digits.lower()
    for bad in ("", "blake3:", "blake3:" + "g" * 64, "ab" * 31, "sha256:" + "ab" * 32):
        assert archive_digest_hex(bad) is None


def run_main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["run", *args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return code, json.loads(lines[0])


def test_a_bad_archive_digest_flag_is_exit_2(capsys: pytest.CaptureFixture[str]):
    code, event = run_main(
        "--manifest-json",
        json.dumps(BASE),
        "--workflow-archive",
        "/nowhere/code.tar.gz",
        "--archive-digest",
        "deadbeef",
        capsys=capsys,
    )
    assert code == 2
    assert event["error"]["message"] == "--archive-digest 'deadbeef' is not a blake3 digest"
    assert event["error"]["code"] == "invalid_manifest"


def test_an_archive_digest_without_an_archive_is_exit_2(capsys: pytest.CaptureFixture[str]):
    code, event = run_main(
        "--manifest-json", json.dumps(BASE), "--archive-digest", DIGEST, capsys=capsys
    )
    assert code == 2
    assert "--archive-digest is given but there is no code archive" in event["error"]["message"]


def test_flags_are_validated_like_the_manifest(capsys: pytest.CaptureFixture[str]):
    code, event = run_main(
        "--manifest-json", json.dumps(with_(code={"path": "/c"})), "--workdir", "/w\x00",
        capsys=capsys,
    )  # fmt: skip
    assert code == 2 and "NUL" in event["error"]["message"]
    deep = "[" * 5_000 + "]" * 5_000
    code, event = run_main(
        "--manifest-json", json.dumps(BASE), "--param", f"x={deep}", capsys=capsys
    )
    assert code == 2
    assert event["error"]["message"] == "--param x is nested deeper than 100 levels"


def test_a_manifest_100000_deep_through_main(capsys: pytest.CaptureFixture[str]):
    code, event = run_main("--manifest-json", "[" * 100_000, capsys=capsys)
    assert code == 2 and event["error"]["message"] == "manifest is nested too deeply to read"


def runner(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl.runtime", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    (line,) = out.stderr.strip().splitlines()
    event = json.loads(line)
    assert event["status"] == "failed" and event["exit_code"] == code
    assert message in event["error"]["message"]


def test_the_runner_command_on_hostile_input(tmp_path: Path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert_one_line_error(runner("--manifest", str(deep)), 2, "nested too deeply")
    assert_one_line_error(
        runner("--manifest-json", json.dumps(with_(env={"A=B": "1"}))), 2, "manifest.env name"
    )
    assert_one_line_error(
        runner(
            "--manifest-json",
            json.dumps(with_(outputs=[{"path": "/o\x00", "handler": "pickle"}])),
        ),
        2,
        "holds a NUL character",
    )
    assert_one_line_error(
        runner(
            "--manifest-json", json.dumps(BASE), "--workflow-archive", str(tmp_path / "c.tgz"),
            "--archive-digest", "blake3:xyz",
        ),
        2,
        "--archive-digest 'blake3:xyz' is not a blake3 digest",
    )  # fmt: skip
    assert_one_line_error(
        runner("--manifest-json", json.dumps(BASE), "--param", "x=" + "[" * 5_000 + "]" * 5_000),
        2,
        "--param x is nested deeper than 100 levels",
    )
