"""The runner command: manifest in, artifacts out, JSON logs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from axl.manifest import Manifest, ManifestInput, ManifestOutput
from axl.runtime.runner import run_step

ROOT = Path(__file__).resolve().parents[2]


def runner(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl.runtime", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def manifest_for(tmp_path: Path, step: str, **kw) -> Manifest:
    return Manifest(
        workflow="tests.runtime.workflows:Diamond",
        step=step,
        run_id="r1",
        python_path=(str(ROOT),),
        outputs=(ManifestOutput(path=str(tmp_path / step / "output.pkl"), handler="pickle"),),
        **kw,
    )


def test_help_is_available_and_light():
    out = runner("--help")
    assert out.returncode == 0
    assert "run" in out.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, axl.runtime.__main__; "
            "print(sorted(m for m in ('pydantic','yaml','typer','rich','cloudpickle','pyarrow') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_subprocess_and_in_process_give_the_same_result(tmp_path: Path):
    a = manifest_for(tmp_path / "in", "a")
    in_process = run_step(a)
    manifest_file = tmp_path / "a.json"
    sub = manifest_for(tmp_path / "sub", "a")
    manifest_file.write_text(sub.to_json())
    out = runner("run", "--manifest", str(manifest_file))
    assert out.returncode == 0, out.stderr
    logged = events(out.stderr)
    assert [e["status"] for e in logged] == ["started", "succeeded"]
    for event in logged:
        assert {"ts", "level", "workflow", "step", "status", "duration_ms", "run_id"} <= set(event)
        assert event["step"] == "a" and event["run_id"] == "r1"
    assert logged[-1]["outputs"][0]["digest"] == in_process.outputs[0].digest


def test_inputs_from_artifacts_params_and_values(tmp_path: Path):
    run_step(manifest_for(tmp_path, "a"))
    b = manifest_for(
        tmp_path,
        "b",
        params={"nap": 0},
        inputs=(
            ManifestInput(name="a", path=str(tmp_path / "a" / "output.pkl"), handler="pickle"),
        ),
    )
    run_step(b)
    from axl.io.artifacts import read_artifact

    assert read_artifact(tmp_path / "b" / "output.pkl") == 11


def test_inline_manifest_and_param_flags(tmp_path: Path):
    m = manifest_for(tmp_path, "a")
    out = runner("run", "--manifest-json", m.to_json(), "--param", "nap=0", "--run-id", "wf-123")
    assert out.returncode == 0, out.stderr
    assert events(out.stderr)[-1]["run_id"] == "wf-123"


def test_user_exception_exit_3_with_user_traceback(tmp_path: Path):
    m = Manifest(
        workflow="tests.runtime.workflows:Boom",
        step="explode",
        python_path=(str(ROOT),),
        inputs=(ManifestInput(name="fine", source="value", value=5),),
        outputs=(ManifestOutput(path=str(tmp_path / "o.pkl"), handler="pickle"),),
    )
    out = runner("run", "--manifest-json", m.to_json())
    assert out.returncode == 3
    assert 'raise ValueError(f"bad value {fine}")' in out.stderr
    assert "axl/runtime/runner.py" not in out.stderr
    failed = events(out.stderr)[-1]
    assert failed["status"] == "failed" and failed["level"] == "error"
    assert "ValueError: bad value 5" in failed["error"]["message"]
    assert not (tmp_path / "o.pkl").exists()


def test_import_failure_is_infrastructure(tmp_path: Path):
    m = Manifest(workflow="no_such_module_xyz:W", step="a")
    out = runner("run", "--manifest-json", m.to_json())
    assert out.returncode == 4
    assert (
        "cannot import workflow module 'no_such_module_xyz'"
        in events(out.stderr)[-1]["error"]["message"]
    )


def test_missing_input_artifact_is_infrastructure(tmp_path: Path):
    m = manifest_for(
        tmp_path,
        "b",
        inputs=(
            ManifestInput(name="a", path=str(tmp_path / "nope" / "output.pkl"), handler="pickle"),
        ),
    )
    out = runner("run", "--manifest-json", m.to_json())
    assert out.returncode == 4
    assert "nope/output.pkl" in events(out.stderr)[-1]["error"]["message"]


def test_corrupt_input_artifact_is_infrastructure(tmp_path: Path):
    run_step(manifest_for(tmp_path, "a"))
    data = tmp_path / "a" / "output.pkl"
    raw = bytearray(data.read_bytes())
    raw[-2] ^= 0xFF
    data.write_bytes(bytes(raw))
    m = manifest_for(
        tmp_path, "b", inputs=(ManifestInput(name="a", path=str(data), handler="pickle"),)
    )
    out = runner("run", "--manifest-json", m.to_json())
    assert out.returncode == 4
    assert "digest" in events(out.stderr)[-1]["error"]["message"]


def test_unwritable_output_is_infrastructure(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    m = Manifest(
        workflow="tests.runtime.workflows:Diamond",
        step="a",
        python_path=(str(ROOT),),
        outputs=(ManifestOutput(path=str(blocker / "sub" / "output.pkl"), handler="pickle"),),
    )
    out = runner("run", "--manifest-json", m.to_json())
    assert out.returncode == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "manifest is not valid JSON"),
        ('{"workflow": "m:W"}', "manifest.step must be non-empty text"),
        ('{"workflow": "m:W", "step": "a", "colour": 1}', "unknown field(s) colour"),
        (
            '{"workflow": "m:W", "step": "a", "inputs": [{"name": "x"}]}',
            "an artifact input needs a path",
        ),
    ],
)
def test_bad_manifest_exit_2(text: str, message: str):
    out = runner("run", "--manifest-json", text)
    assert out.returncode == 2
    assert message in events(out.stderr)[-1]["error"]["message"]


def test_manifest_round_trip():
    m = Manifest(
        workflow="a:B",
        step="s",
        inputs=(ManifestInput(name="x", path="/p", handler="json", mode="path"),),
        outputs=(ManifestOutput(path="/o", handler="pickle", value_path="/v"),),
        env={"A": "1"},
    )
    assert Manifest.from_json(m.to_json()) == m


def test_hand_written_manifest_with_a_file_target_and_named_entries(tmp_path: Path):
    """Inputs and outputs may be a mapping of name to entry; the workflow a .py file."""
    run_step(manifest_for(tmp_path, "a"))
    doc = {
        "workflow": "tests/runtime/workflows.py:Diamond",
        "step": "b",
        "params": {"nap": 0},
        "inputs": {"a": {"path": str(tmp_path / "a" / "output.pkl"), "handler": "pickle"}},
        "outputs": {"output": {"path": str(tmp_path / "hand" / "output.json"), "handler": "json"}},
    }
    path = tmp_path / "hand.json"
    path.write_text(json.dumps(doc))
    out = runner("run", "--manifest", str(path))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "hand" / "output.json").read_text() == "11"
