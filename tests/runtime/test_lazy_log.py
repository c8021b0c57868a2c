"""LazyLog: a step log made only when something is written to it."""

from __future__ import annotations

import json
from pathlib import Path

from axl.runtime.logs import LazyLog, log_event


def test_nothing_written_makes_no_file(tmp_path: Path) -> None:
    log = LazyLog(str(tmp_path / "step.log"))
    log.flush()
    log.close()
    assert not log.written
    assert not (tmp_path / "step.log").exists()


def test_a_write_makes_the_file_and_it_stays_written_after_close(tmp_path: Path) -> None:
    path = tmp_path / "step.log"
    path.write_text("earlier\n")  # appended to, never truncated
    log = LazyLog(str(path))
    log_event("warning", workflow="w", step="s", run_id="r", level="warning", stream=log)
    log.close()
    assert log.written
    log.write("after close\n")  # opens again, still appending
    log.close()
    lines = path.read_text().splitlines()
    assert lines[0] == "earlier" and lines[-1] == "after close"
    event = json.loads(lines[1])
    assert (event["status"], event["level"], event["step"]) == ("warning", "warning", "s")
