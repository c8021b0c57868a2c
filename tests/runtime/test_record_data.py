"""The run record as JSON data: what ``to_dict`` writes, what ``from_dict`` takes back or refuses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from axl.dataclass_json import DataError
from axl.errors import EXIT_USAGE, UsageError
from axl.runtime.outputs import OutputInfo
from axl.runtime.record import (
    JOURNAL_FILE,
    RECORD_FILE,
    Journal,
    RunRecord,
    StepRecord,
    read_journal,
)

OUTPUT = OutputInfo(
    name="output",
    path="/r/ü.pkl",
    handler="pickle",
    digest="blake3:" + "0" * 64,
    size=12,
    python_type="builtins.int",
)
FAILED_STEP = StepRecord(
    name="数据",
    status="failed",
    attempts=3,
    started=1796154468.8395696,
    finished=1796154469.5,
    duration_ms=660.43,
    outputs=[OUTPUT],
    error={
        "code": "step_failed",
        "message": 'é "q" \\ \x01\n\u2028 😀',
        "nested": {"list": [1, 2.5]},
    },
    reason="réason",
    exit_code=3,
    cache={"status": "miss", "key": "abc", "parts": {"b": "1", "a": "2"}},
)
# The line axl has always journaled for FAILED_STEP: compact, fields in declaration order,
# text as UTF-8 (control characters escaped), nested keys in their own order.
FAILED_LINE = (
    '{"name":"数据","status":"failed","attempts":3,"started":1796154468.8395696,'
    '"finished":1796154469.5,"duration_ms":660.43,"outputs":[{"name":"output",'
    '"path":"/r/ü.pkl","handler":"pickle","digest":"blake3:' + "0" * 64 + '","size":12,'
    '"python_type":"builtins.int"}],"error":{"code":"step_failed",'
    '"message":"é \\"q\\" \\\\ \\u0001\\n\u2028 😀","nested":{"list":[1,2.5]}},'
    '"reason":"réason","log":null,"exit_code":3,"key":null,'
    '"cache":{"status":"miss","key":"abc","parts":{"b":"1","a":"2"}}}\n'
)


def _record(run_dir: Path) -> RunRecord:
    return RunRecord(
        run_id="r1",
        workflow="w",
        ref="m:W",
        ir_hash="blake3:" + "1" * 64,
        status="failed",
        params={"lr": 1e-05, "layers": [64, 32], "name": "数据"},
        run_dir=str(run_dir),
        started=1796154468.5,
        finished=1796154470.0,
        duration_ms=1500.0,
        steps={
            "prep": StepRecord(name="prep", status="succeeded", attempts=1),
            "数据": FAILED_STEP,
        },
        target="m.py:W",
        error={"code": "step_failed", "message": "step '数据' failed"},
        upstream={"prep": [], "数据": ["prep"]},
    )


def test_importing_the_record_does_not_import_pydantic() -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, axl.runtime.record; print('pydantic' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"


def test_a_journal_line_is_what_axl_always_wrote(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(FAILED_STEP)
    journal.close(remove=False)
    assert (tmp_path / JOURNAL_FILE).read_bytes() == FAILED_LINE.encode()
    assert read_journal(tmp_path) == [FAILED_STEP]


def test_run_json_is_one_sorted_line_that_reads_back_equal(tmp_path: Path) -> None:
    record = _record(tmp_path)
    path = record.save()
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True) + "\n"
    assert json.loads(text)["steps"]["数据"]["outputs"] == [OUTPUT.to_dict()]
    assert RunRecord.load(tmp_path) == record
    assert RunRecord.from_dict(record.to_dict()) == record


def test_to_dict_is_a_copy_the_record_does_not_share() -> None:
    record = _record(Path("/nonexistent"))
    data = record.to_dict()
    data["params"]["layers"].append(16)
    data["steps"]["数据"]["error"]["nested"]["list"].clear()
    data["upstream"]["数据"].append("other")
    assert record.params["layers"] == [64, 32]
    assert FAILED_STEP.error is not None and FAILED_STEP.error["nested"] == {"list": [1, 2.5]}
    assert record.upstream["数据"] == ["prep"]


def test_a_deep_copy_has_its_own_outputs_error_and_cache() -> None:
    copy = FAILED_STEP.deep_copy()
    assert copy == FAILED_STEP
    copy.outputs.clear()
    assert copy.error is not None and copy.cache is not None
    copy.error["nested"]["list"].append(3)
    copy.cache["parts"]["c"] = "3"
    assert FAILED_STEP.outputs == [OUTPUT]
    assert FAILED_STEP.error is not None and FAILED_STEP.error["nested"] == {"list": [1, 2.5]}
    assert FAILED_STEP.cache is not None and set(FAILED_STEP.cache["parts"]) == {"a", "b"}


def test_whole_numbers_are_read_as_floats_where_the_field_is_a_float() -> None:
    step = StepRecord.from_dict({"name": "a", "started": 5, "duration_ms": 0})
    assert step.started == 5.0 and isinstance(step.started, float)
    assert isinstance(step.duration_ms, float)
    assert json.dumps(step.to_dict()["started"]) == "5.0"


def test_a_record_of_an_earlier_axl_without_the_newer_fields_is_read(tmp_path: Path) -> None:
    old = {
        "run_id": "old",
        "workflow": "w",
        "ref": "m:W",
        "ir_hash": "blake3:" + "1" * 64,
        "status": "succeeded",
        "params": {},
        "run_dir": str(tmp_path),
        "started": 1.0,
        "steps": {"a": {"name": "a", "status": "succeeded", "outputs": [OUTPUT.to_dict()]}},
    }
    (tmp_path / RECORD_FILE).write_text(json.dumps(old))
    record = RunRecord.load(tmp_path)
    assert record.upstream == {} and record.target is None and record.finished is None
    step = record.steps["a"]
    assert (step.attempts, step.key, step.cache, step.outputs) == (0, None, None, [OUTPUT])


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            data = data[key]  # type: ignore[index]
        data[last] = value  # type: ignore[index]

    return change


def _drop(path: tuple[str | int, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            data = data[key]  # type: ignore[index]
        del data[last]  # type: ignore[arg-type]

    return change


REFUSED = [
    (_drop(("started",)), "RunRecord: missing field 'started'"),
    (_drop(("steps", "prep", "name")), "RunRecord.steps.prep: missing field 'name'"),
    (_set(("colour",), "blue"), "RunRecord: unknown field 'colour'"),
    (_set(("steps", "prep", "colour"), "blue"), "RunRecord.steps.prep: unknown field 'colour'"),
    (
        _set(("steps", "prep", "attempts"), "1"),
        "RunRecord.steps.prep.attempts: expected int, got str",
    ),
    (
        _set(("steps", "prep", "attempts"), 1.0),
        "RunRecord.steps.prep.attempts: expected int, got float",
    ),
    (_set(("started",), True), "RunRecord.started: expected float, got a boolean"),
    (_set(("finished",), "later"), "RunRecord.finished: expected float, got str"),
    (_set(("status",), None), "RunRecord.status: expected str, got null"),
    (_set(("params",), []), "RunRecord.params: expected an object, got list"),
    (_set(("steps", "prep"), []), "RunRecord.steps.prep: expected an object, got list"),
    (_set(("upstream", "数据"), [1]), "RunRecord.upstream.数据[0]: expected str, got int"),
    (
        _set(("steps", "数据", "outputs", 0, "size"), "12"),
        "RunRecord.steps.数据.outputs[0].size: expected int, got str",
    ),
    (
        _drop(("steps", "数据", "outputs", 0, "digest")),
        "RunRecord.steps.数据.outputs[0]: missing field 'digest'",
    ),
    (
        _set(("steps", "数据", "error"), "boom"),
        "RunRecord.steps.数据.error: expected an object, got str",
    ),
]


@pytest.mark.parametrize(("change", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_from_dict_refuses_data_it_did_not_write(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = _record(Path("/nonexistent")).to_dict()
    change(data)
    with pytest.raises(DataError) as caught:
        RunRecord.from_dict(data)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_a_refused_record_is_a_one_line_usage_error_naming_the_field(tmp_path: Path) -> None:
    data = _record(tmp_path).to_dict()
    data["steps"]["prep"]["attempts"] = "one"
    (tmp_path / RECORD_FILE).write_text(json.dumps(data))
    with pytest.raises(UsageError) as caught:
        RunRecord.load(tmp_path)
    error = caught.value
    assert error.exit_code == EXIT_USAGE
    assert error.message == (
        f"cannot read the run record {tmp_path / RECORD_FILE}: "
        "RunRecord.steps.prep.attempts: expected int, got str"
    )
    assert "\n" not in error.message


def test_journal_lines_that_are_torn_or_refused_are_skipped(tmp_path: Path) -> None:
    good = json.dumps(StepRecord(name="a", status="succeeded").to_dict())
    wrong = json.dumps({"name": "b", "attempts": "2"})
    (tmp_path / JOURNAL_FILE).write_text(f"{good}\n{wrong}\n[]\n{good[:20]}")
    assert read_journal(tmp_path) == [StepRecord(name="a", status="succeeded")]


def test_a_record_nested_too_deep_is_a_usage_error_and_such_a_journal_line_is_skipped(
    tmp_path: Path,
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    data = _record(tmp_path).to_dict()
    data["params"] = {"deep": "DEEP"}
    (tmp_path / RECORD_FILE).write_text(json.dumps(data).replace('"DEEP"', deep))
    with pytest.raises(UsageError, match="RecursionError"):
        RunRecord.load(tmp_path)
    good = json.dumps(StepRecord(name="a", status="succeeded").to_dict())
    (tmp_path / JOURNAL_FILE).write_text(f"{deep}\n{good}\n")
    assert read_journal(tmp_path) == [StepRecord(name="a", status="succeeded")]
