"""The run report: one self-contained HTML document (inline CSS and SVG, no network).

Sections: the run's facts, the failed steps (message and log tail), the DAG
coloured by status, the timeline, and a table of every step with its
outputs. Every value from the run is escaped; the document is the same, byte
for byte, for the same run folder. A Content-Security-Policy forbids every
fetch, and the one small script (hover highlighting) is optional: all the
content is there without JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from axl._version import __version__
from axl.errors import AxlError, InfrastructureError
from axl.humanize import format_bytes, format_duration, format_utc, short_type, truncate
from axl.report.markup import anchor, badge, esc, failure_anchor, status_class
from axl.report.model import FAILED_STATES, RunView, StepView
from axl.report.style import CSS, SCRIPT
from axl.report.svg import dag_svg, timeline_svg

_PARAMS_CHARS = 4000
_EVENT = '{"ts": '
"""How the runner's structured log lines start (axl.runtime.logs)."""


def render(run: RunView) -> str:
    """The whole HTML document of ``run``."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    title = f"{run.record.workflow} run {run.record.run_id}: {run.record.status}"
    body = "\n".join(
        [
            _header(run),
            _dag(run),
            _failures(run),
            '<section id="timeline"><h2>Timeline</h2><div class="scroll">',
            timeline_svg(run),
            "</div></section>",
            _steps_table(run),
            f"<footer>axl {esc(__version__)} · from {esc(run.path)}/run.json</footer>",
        ]
    )
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body data-run="{esc(run.record.run_id)}" data-status="{esc(run.record.status)}">\n'
        f"{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_report(run: RunView, out: Path) -> int:
    """Write the report of ``run`` to ``out`` atomically; its size in bytes."""
    from axl.io.atomic import write_file

    data = render(run).encode("utf-8")
    try:
        write_file(str(out), data, durable=True)
    except AxlError as exc:
        raise InfrastructureError(
            f"cannot write the report {out}: "
            + exc.message.removeprefix(f"cannot write artifact {out}: "),
            hint="choose an --out in a writable folder",
        ) from None
    return len(data)


def _header(run: RunView) -> str:
    record = run.record
    counts = " ".join(
        f'<span class="count {status_class(s)}">{n} {esc(s.replace("_", " "))}</span>'
        for s, n in run.counts()
    )
    facts = [
        ("run", esc(record.run_id)),
        ("workflow", f"{esc(record.workflow)} <code>{esc(record.ref)}</code>"),
        ("hash", f"<code>{esc(record.ir_hash)}</code>"),
        ("started", esc(format_utc(record.started))),
        ("duration", esc(format_duration(record.duration_ms))),
        ("steps", f"{len(run.steps)}: {counts}"),
    ]
    if record.target:
        facts.insert(2, ("target", f"<code>{esc(record.target)}</code>"))
    if record.params:
        text = truncate(json.dumps(record.params, sort_keys=True, default=str), _PARAMS_CHARS)
        facts.append(("params", f"<code>{esc(text)}</code>"))
    failed = [(i, s) for i, s in enumerate(run.steps) if s.status in FAILED_STATES]
    if failed:
        links = ", ".join(
            f'<a href="#{esc(failure_anchor(step.name, i))}">{esc(step.name)}</a>'
            for i, step in failed
        )
        facts.append(("failed", links))
    if record.error is not None:
        facts.append(("error", f'<span class="message">{esc(record.error.get("message"))}</span>'))
    rows = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    return (
        f"<header><h1>{esc(record.workflow)} {badge(record.status, 'run-status')}</h1>"
        f'<dl class="facts">{rows}</dl></header>'
    )


def _failures(run: RunView) -> str:
    failed = [(i, s) for i, s in enumerate(run.steps) if s.status in FAILED_STATES]
    if not failed:
        return ""
    items = []
    for index, step in failed:
        hint = step.record.error.get("hint") if step.record.error else None
        log = (
            f'<pre class="log">{_log_lines(step.log_tail)}</pre>'
            if step.log_tail
            else '<p class="none">no log</p>'
        )
        items.append(
            f'<article class="failure {status_class(step.status)}" '
            f'id="{esc(failure_anchor(step.name, index))}" data-step="{esc(step.name)}" '
            f'data-status="{esc(step.status)}"><h3>{esc(step.name)} {badge(step.status)}</h3>'
            f'<p class="message">{esc(step.message or step.record.reason or "no message")}</p>'
            + (f'<p class="hint">{esc(hint)}</p>' if hint else "")
            + (f'<p class="logpath">log: <code>{esc(step.log)}</code></p>' if step.log else "")
            + f"{log}</article>"
        )
    return f'<section id="failures"><h2>Failed steps</h2>{"".join(items)}</section>'


def _log_lines(lines: tuple[str, ...]) -> str:
    """A log's lines, the runner's JSON events dimmed beside what the step printed."""
    return "\n".join(
        f'<span class="event">{esc(line)}</span>' if line.startswith(_EVENT) else esc(line)
        for line in lines
    )


def _dag(run: RunView) -> str:
    note = (
        ""
        if run.has_edges or len(run.steps) < 2
        else '<p class="none">This run\'s record predates the recording of dependencies: '
        "steps are shown without edges.</p>"
    )
    legend = "".join(
        f'<span class="count {status_class(s)}">{esc(s.replace("_", " "))}</span>'
        for s, _ in run.counts()
    )
    return (
        f'<section id="dag"><h2>Graph</h2>{note}<p class="legend">{legend}</p>'
        f'<div class="scroll">{dag_svg(run)}</div></section>'
    )


def _steps_table(run: RunView) -> str:
    rows = "".join(_step_row(step, i, run.record.started) for i, step in enumerate(run.steps))
    return (
        '<section id="steps"><h2>Steps</h2><table class="steps"><thead><tr><th>step</th>'
        '<th>status</th><th>attempts</th><th title="since the run started">start</th>'
        "<th>duration</th><th>outputs</th><th>notes</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _step_row(step: StepView, index: int, run_started: float) -> str:
    outputs = "".join(
        f'<li><span class="out">{esc(out.name)}</span> {esc(format_bytes(out.size))} '
        f"<code>{esc(short_type(out.python_type))}</code> "
        f'<span class="handler">{esc(out.handler)}</span></li>'
        for out in step.record.outputs
    )
    start = "-"
    if step.kept:
        start = "earlier"
    elif step.record.started is not None:
        start = "+" + format_duration(max(0.0, (step.record.started - run_started) * 1000))
    return (
        f'<tr id="{esc(anchor(step.name, index))}" class="{status_class(step.status)}" '
        f'data-step="{esc(step.name)}" data-status="{esc(step.status)}">'
        f'<td class="name">{esc(step.name)}</td>'
        f"<td>{badge(step.status)}</td>"
        f'<td class="num">{step.record.attempts}</td><td class="num">{esc(start)}</td>'
        f'<td class="num">{esc(format_duration(step.record.duration_ms))}</td>'
        f'<td><ul class="outputs">{outputs}</ul></td><td>{esc(step.notes)}</td></tr>'
    )
