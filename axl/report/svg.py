"""The report's two pictures as inline SVG: the DAG coloured by status, and the timeline."""

from __future__ import annotations

import math

from axl.humanize import format_duration, truncate
from axl.report.layout import NODE_HEIGHT, NODE_WIDTH, Edge, Layout, layered
from axl.report.markup import anchor, esc, status_class
from axl.report.model import RunView, StepView

_NAME_CHARS = 19
_LABEL_WIDTH = 190
_BARS_WIDTH = 760
_ROW = 22
_AXIS = 24


def dag_svg(run: RunView) -> str:
    """The DAG: one box per step (a link to its row in the steps table), edges as curves."""
    layout = layered([s.name for s in run.steps], {s.name: s.upstream for s in run.steps})
    parts = [
        f'<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="{layout.width}" '
        f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
        'role="img" aria-label="the workflow\'s steps and their dependencies">',
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="arrowhead"/>'
        "</marker></defs>",
    ]
    parts.extend(_edge(layout, edge) for edge in layout.edges)
    parts.extend(_node(layout, step, i) for i, step in enumerate(run.steps))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(layout: Layout, edge: Edge) -> str:
    a, b = layout.boxes[edge.source], layout.boxes[edge.target]
    points = [(a.x + NODE_WIDTH, a.y + NODE_HEIGHT // 2)]
    for x, y in edge.via:  # a horizontal run through each column between
        points += [(x, y), (x + NODE_WIDTH, y)]
    points.append((b.x, b.y + NODE_HEIGHT // 2))
    d = [f"M{points[0][0]},{points[0][1]}"]
    for i in range(1, len(points)):
        (x1, y1), (x2, y2) = points[i - 1], points[i]
        if i % 2 == 0:
            d.append(f"L{x2},{y2}")
        else:
            bend = (x2 - x1) // 2
            d.append(f"C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}")
    return (
        f'<path class="edge" data-from="{esc(edge.source)}" data-to="{esc(edge.target)}" '
        f'd="{" ".join(d)}" marker-end="url(#arrow)"/>'
    )


def _node(layout: Layout, step: StepView, index: int) -> str:
    box = layout.boxes[step.name]
    detail = step.status.replace("_", " ")
    if step.record.duration_ms is not None and step.record.started is not None:
        detail += f" · {format_duration(step.record.duration_ms)}"
    tries = f"{step.record.attempts} attempts" if step.record.attempts > 1 else ""
    tooltip = f"{step.name}: {detail}" + (f", {tries}" if tries else "")
    if step.message:
        tooltip += f"\n{step.message}"
    retried = (
        f'<text class="tries" x="{box.x + NODE_WIDTH - 6}" y="{box.y + 13}">'
        f"\u00d7{step.record.attempts}</text>"
        if tries
        else ""
    )
    cx = box.x + 10
    return (
        f'<a href="#{esc(anchor(step.name, index))}">'
        f'<g class="node {status_class(step.status)}" data-step="{esc(step.name)}" '
        f'data-status="{esc(step.status)}">'
        f"<title>{esc(tooltip)}</title>"
        f'<rect x="{box.x}" y="{box.y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6"/>'
        f'<text class="name" x="{cx}" y="{box.y + 15}">{esc(truncate(step.name, _NAME_CHARS))}'
        f'</text><text class="detail" x="{cx}" y="{box.y + 28}">'
        f"{esc(truncate(detail, _NAME_CHARS + 5))}</text>{retried}</g></a>"
    )


def timeline_svg(run: RunView) -> str:
    """One row per step by start time: a bar from its first start to its end."""
    rows = sorted(
        run.steps, key=lambda s: (_window(run, s) is None, s.record.started or 0.0, s.name)
    )
    span = _span(run)
    scale = _BARS_WIDTH / span
    width = _LABEL_WIDTH + _BARS_WIDTH + 110
    height = _AXIS + len(rows) * _ROW + 6
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="when each step ran">',
    ]
    parts.extend(_ticks(span, scale, height))
    for i, step in enumerate(rows):
        parts.append(_bar(run, step, _AXIS + i * _ROW, scale))
    parts.append("</svg>")
    return "\n".join(parts)


def _span(run: RunView) -> float:
    """Milliseconds from the run's start to the last step's end (at least 1)."""
    ends = [run.record.duration_ms or 0.0]
    for step in run.steps:
        window = _window(run, step)
        if window is not None:
            ends.append(window[1])
    return max(1.0, *ends)


def _window(run: RunView, step: StepView) -> tuple[float, float] | None:
    """Start and end of a step in milliseconds since the run started (None: not run now)."""
    if step.record.started is None or step.kept:
        return None
    start = (step.record.started - run.record.started) * 1000
    if step.record.finished is not None:
        end = (step.record.finished - run.record.started) * 1000
    else:
        end = start + (step.record.duration_ms or 0.0)
    return start, max(start, end)


def _ticks(span: float, scale: float, height: int) -> list[str]:
    step = _tick_step(span)
    parts = []
    for n in range(int(span // step) + 1):
        x = _LABEL_WIDTH + n * step * scale
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="{_AXIS - 6}" x2="{x:.1f}" y2="{height}"/>'
            f'<text class="axis" x="{x:.1f}" y="{_AXIS - 10}">{format_duration(n * step)}</text>'
        )
    return parts


def _tick_step(span: float) -> float:
    """A round interval (1, 2 or 5 times a power of ten ms) giving at most 6 ticks."""
    power = 10 ** math.floor(math.log10(span / 6)) if span > 6 else 1
    for factor in (1, 2, 5, 10):
        if span / (factor * power) <= 6:
            return float(factor * power)
    raise AssertionError("unreachable")


def _bar(run: RunView, step: StepView, y: int, scale: float) -> str:
    label = esc(truncate(step.name, 26))
    head = (
        f'<g class="row {status_class(step.status)}" data-step="{esc(step.name)}" '
        f'data-status="{esc(step.status)}"><text class="label" x="{_LABEL_WIDTH - 8}" '
        f'y="{y + 15}">{label}</text>'
    )
    window = _window(run, step)
    if window is None:
        why = "kept from an earlier execution" if step.kept else step.status.replace("_", " ")
        if step.record.reason and not step.kept:
            why += f": {step.record.reason}"
        return (
            head + f'<text class="note" x="{_LABEL_WIDTH + 4}" y="{y + 15}">'
            f"{esc(truncate(why, 110))}</text></g>"
        )
    start, end = window
    x = _LABEL_WIDTH + start * scale
    w = max(2.0, (end - start) * scale)
    text = format_duration(step.record.duration_ms)
    if step.record.attempts > 1:
        text += f" · {step.record.attempts} attempts"
    if step.cache_status == "hit":
        text += " · cache hit"
    return (
        head + f'<rect class="bar" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{_ROW - 8}" '
        f'rx="2"><title>{esc(step.name)}: {esc(text)}</title></rect>'
        f'<text class="note" x="{x + w + 4:.1f}" y="{y + 15}">{esc(text)}</text></g>'
    )
