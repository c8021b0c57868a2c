"""Run records written by hand: big DAGs and old record shapes, with fixed times."""

from __future__ import annotations

from pathlib import Path

from axl.runtime.outputs import OutputInfo
from axl.runtime.record import RunRecord, StepRecord

T0 = 1_790_000_000.0


def layered_record(workspace: Path, run_id: str, steps: int, width: int = 10) -> RunRecord:
    """``steps`` steps in rows of ``width``; each depends on two of the row before.

    Every 17th step failed (with a message), the ones after a failure's row
    not run; the others succeeded with one output.
    """
    folder = workspace / "runs" / run_id
    folder.mkdir(parents=True)
    upstream: dict[str, list[str]] = {}
    records: dict[str, StepRecord] = {}
    for i in range(steps):
        name = f"step_{i:04d}"
        row = i // width
        ups = (
            []
            if row == 0
            else sorted({f"step_{(row - 1) * width + (i + k) % width:04d}" for k in (0, 3)})
        )
        upstream[name] = ups
        started = T0 + row * 2.0 + (i % width) * 0.01
        status = "failed" if i % 17 == 16 else "succeeded"
        records[name] = StepRecord(
            name=name,
            status=status,
            attempts=1,
            started=started,
            finished=started + 1.5,
            duration_ms=1500.0,
            outputs=[]
            if status == "failed"
            else [
                OutputInfo(
                    name="output",
                    path=str(folder / name / "output.pkl"),
                    handler="pickle",
                    digest="blake3:" + "0" * 64,
                    size=1000 + i,
                    python_type="builtins.dict",
                )
            ],
            error={"code": "step_failed", "message": f"step {name!r} raised ValueError: {i}"}
            if status == "failed"
            else None,
        )
    record = RunRecord(
        run_id=run_id,
        workflow="big",
        ref="big:Big",
        ir_hash="blake3:" + "1" * 64,
        status="failed",
        params={"rows": 10},
        run_dir=str(folder),
        started=T0,
        finished=T0 + steps / width * 2.0,
        duration_ms=steps / width * 2000.0,
        steps=records,
        upstream=upstream,
    )
    record.save()
    return record
