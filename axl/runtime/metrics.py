"""A finished run's metrics in the Prometheus text exposition format (``--metrics-file``).

Built from the run record alone, so the same record gives the same text. The
series are keyed by ``workflow`` and ``step``: a node exporter's textfile
collector or a Pushgateway that receives the file after every run keeps one
series per step, and the run's id is the ``run_id`` label of ``axl_run_info``
only (a label per run would make a new series each time).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from axl.io.atomic import write_file
from axl.runtime.record import RunRecord

_Sample = tuple[dict[str, str], float | int]


def metrics_text(record: RunRecord) -> str:
    """The metrics of ``record`` as Prometheus text (HELP and TYPE before each family)."""
    run = {"workflow": record.workflow}
    families: list[tuple[str, str, list[_Sample]]] = [
        (
            "axl_run_info",
            "The run: its id and the hash of the workflow's IR.",
            [({**run, "run_id": record.run_id, "ir_hash": record.ir_hash}, 1)],
        ),
        (
            "axl_run_status",
            "The run's status (succeeded, failed, cancelled): 1 on the status it ended in.",
            [({**run, "status": record.status}, 1)],
        ),
    ]
    if record.duration_ms is not None:
        families.append(
            (
                "axl_run_duration_seconds",
                "Wall time of the run.",
                [(run, _seconds(record.duration_ms))],
            )
        )
    if record.finished is not None:
        families.append(
            (
                "axl_run_finished_timestamp_seconds",
                "When the run ended, in seconds since the epoch.",
                [(run, record.finished)],
            )
        )
    steps = sorted(record.steps.values(), key=lambda s: s.name)  # run.json sorts them too
    families += [
        (
            "axl_step_status",
            "Each step's status (succeeded, cached, skipped, failed, not_run, cancelled...): "
            "1 on the status it ended in.",
            [({**run, "step": s.name, "status": s.status}, 1) for s in steps],
        ),
        (
            "axl_step_attempts",
            "Attempts of each step (retries count; 0 for a step that never started).",
            [({**run, "step": s.name}, s.attempts) for s in steps],
        ),
        (
            "axl_step_duration_seconds",
            "Wall time of the last attempt of each step that ran.",
            [
                ({**run, "step": s.name}, _seconds(s.duration_ms))
                for s in steps
                if s.duration_ms is not None
            ],
        ),
    ]
    return "".join(_family(name, text, samples) for name, text, samples in families)


def write_metrics(record: RunRecord, path: Path) -> Path:
    """Write :func:`metrics_text` of ``record`` to ``path`` atomically."""
    write_file(str(path), metrics_text(record).encode(), durable=False)
    return path


def _family(name: str, help_text: str, samples: Iterable[_Sample]) -> str:
    lines = [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        pairs = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels.items())
        lines.append(f"{name}{{{pairs}}} {_number(value)}")
    return "\n".join(lines) + "\n"


def escape_label(value: str) -> str:
    """A label value as the text format writes it: ``\\``, ``"`` and newlines escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _seconds(ms: float) -> float:
    return round(ms / 1000, 6)


def _number(value: float | int) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))
