"""``axl run local --metrics-file``: Prometheus text read back by prometheus_client's parser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from axl.runtime.metrics import escape_label, metrics_text
from axl.runtime.record import RunRecord, StepRecord

ROOT = Path(__file__).resolve().parents[2]

FAILING = """\
from axl import Workflow, step


class Flaky(Workflow):
    name = "flaky"

    @step
    def load(self) -> int:
        return 1

    @step(retries={"count": 1, "backoff": 0.01})
    def train(self, load: int) -> int:
        raise RuntimeError("diverged")

    @step
    def publish(self, train: int) -> int:
        return train
"""


def run_local(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "axl", "run", "local", "--workspace", str(workspace), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def parse(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Family name -> {sorted labels: value}; every family is a gauge with help text."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge", family.name
        assert family.documentation, family.name
        assert family.name not in out
        out[family.name] = {
            tuple(sorted(sample.labels.items())): sample.value for sample in family.samples
        }
    return out


def only_run(workspace: Path) -> RunRecord:
    [run_dir] = (workspace / "runs").iterdir()
    return RunRecord.load(run_dir)


def test_succeeded_run(tmp_path: Path):
    metrics = tmp_path / "out" / "run.prom"
    done = run_local(
        tmp_path / "ws", "-m", "examples/quickstart.py:Hello", "--metrics-file", str(metrics)
    )
    assert done.returncode == 0, done.stderr
    record = only_run(tmp_path / "ws")
    families = parse(metrics.read_text(encoding="utf-8"))
    wf = ("workflow", "hello")
    assert families["axl_run_info"] == {
        (("ir_hash", record.ir_hash), ("run_id", record.run_id), wf): 1.0
    }
    assert families["axl_run_status"] == {(("status", "succeeded"), wf): 1.0}
    assert families["axl_run_duration_seconds"] == {(wf,): pytest.approx(record.duration_ms / 1000)}
    assert families["axl_run_finished_timestamp_seconds"] == {(wf,): record.finished}
    steps = ["names", "greet", "report"]
    assert families["axl_step_status"] == {
        (("status", "succeeded"), ("step", s), wf): 1.0 for s in steps
    }
    assert families["axl_step_attempts"] == {(("step", s), wf): 1.0 for s in steps}
    durations = families["axl_step_duration_seconds"]
    assert durations == {
        (("step", s), wf): pytest.approx(record.steps[s].duration_ms / 1000, abs=1e-6)
        for s in steps
    }
    assert sorted(p.name for p in metrics.parent.iterdir()) == ["run.prom"]  # no temp file left
    assert metrics.read_text(encoding="utf-8") == metrics_text(record)


def test_failed_run(tmp_path: Path):
    flow = tmp_path / "flaky.py"
    flow.write_text(FAILING)
    metrics = tmp_path / "run.prom"
    done = run_local(
        tmp_path / "ws", "-m", f"{flow}:Flaky", "--metrics-file", str(metrics), "--json"
    )
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["status"] == "failed"
    families = parse(metrics.read_text(encoding="utf-8"))
    wf = ("workflow", "flaky")
    assert families["axl_run_status"] == {(("status", "failed"), wf): 1.0}
    assert families["axl_step_status"] == {
        (("status", "succeeded"), ("step", "load"), wf): 1.0,
        (("status", "failed"), ("step", "train"), wf): 1.0,
        (("status", "not_run"), ("step", "publish"), wf): 1.0,
    }
    assert families["axl_step_attempts"] == {
        (("step", "load"), wf): 1.0,
        (("step", "train"), wf): 2.0,  # the first attempt and one retry
        (("step", "publish"), wf): 0.0,
    }
    assert set(families["axl_step_duration_seconds"]) == {
        (("step", "load"), wf),
        (("step", "train"), wf),
    }  # publish never ran: no duration


def test_unwritable_metrics_file_exit_4(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_local(
        tmp_path / "ws",
        "-m",
        "examples/quickstart.py:Hello",
        "--metrics-file",
        str(blocker / "m.prom"),
    )
    assert done.returncode == 4
    assert f"error: cannot write artifact {blocker / 'm.prom'}: " in done.stderr
    assert "Traceback" not in done.stderr
    assert only_run(tmp_path / "ws").status == "succeeded"  # the run itself is recorded


HOSTILE = ['say "hi"', "back\\slash", "two\nlines", "数据", "{a=b}", ""]


def _record(status: str = "cancelled") -> RunRecord:
    steps = {
        name: StepRecord(name=name, status="cancelled", attempts=i, duration_ms=1000.0 * i)
        for i, name in enumerate(HOSTILE)
    }
    return RunRecord(
        run_id="r1",
        workflow='w "x"\\\n',
        ref="m:W",
        ir_hash="blake3:" + "0" * 64,
        status=status,
        params={},
        run_dir="/nonexistent",
        started=10.0,
        steps=steps,
    )


def test_label_values_are_escaped_and_read_back():
    record = _record()
    families = parse(metrics_text(record))
    steps = [dict(labels)["step"] for labels in families["axl_step_attempts"]]
    assert steps == sorted(HOSTILE)
    attempts = {dict(labels)["step"]: v for labels, v in families["axl_step_attempts"].items()}
    assert attempts == {name: float(i) for i, name in enumerate(HOSTILE)}
    assert {dict(labels)["workflow"] for labels in families["axl_step_status"]} == {record.workflow}
    assert families["axl_run_status"] == {
        (("status", "cancelled"), ("workflow", record.workflow)): 1.0
    }
    # Not finished: no run duration nor end time.
    assert "axl_run_duration_seconds" not in families
    assert "axl_run_finished_timestamp_seconds" not in families


def test_the_same_record_gives_the_same_text():
    assert metrics_text(_record()) == metrics_text(_record())


@pytest.mark.parametrize(
    ("value", "escaped"),
    [('a"b', 'a\\"b'), ("a\\b", "a\\\\b"), ("a\nb", "a\\nb"), ("plain", "plain")],
)
def test_escape_label(value, escaped):
    assert escape_label(value) == escaped
