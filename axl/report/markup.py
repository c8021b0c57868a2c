"""Escaping for HTML and inline SVG, and the CSS class of a step status.

Everything that comes from a run (step names, messages, logs, params) passes
through :func:`esc` before it reaches the document.
"""

from __future__ import annotations

import html
import re

from axl.report.model import STATUS_ORDER

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def esc(value: object) -> str:
    """``value`` as text safe inside an element or a quoted attribute (controls shown as �)."""
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def status_class(status: str) -> str:
    """The CSS class of a status (``st-other`` for one axl does not know)."""
    return f"st-{status}" if status in STATUS_ORDER else "st-other"


def badge(status: str, element_id: str | None = None) -> str:
    """A status as a coloured label."""
    attr = f' id="{esc(element_id)}"' if element_id else ""
    return f'<span class="badge {status_class(status)}"{attr}>{esc(status)}</span>'


def anchor(name: str, index: int) -> str:
    """The element id of a step's row: ``step-NAME``, or ``step--INDEX`` for an odd name."""
    return f"step-{name}" if _IDENT.fullmatch(name) else f"step--{index}"


def failure_anchor(name: str, index: int) -> str:
    """The element id of a failed step's error and log."""
    return "failure-" + anchor(name, index).removeprefix("step-")
