"""The report in a real browser: headless Chromium loads the file from disk.

The rendered DOM must hold every step with its status (DAG boxes, timeline
rows, table rows) and the failed step's message; the report's own script must
have run (the Content-Security-Policy allows exactly it); without that script
every step and the message are still there. scripts/ensure-test-tools.sh
installs Chromium (``make pytest`` runs it); without one the test is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from axl.report.html import write_report
from axl.report.model import load_run
from axl.report.style import SCRIPT
from tests.report.chromium import dump_dom, find_chromium, png_size, screenshot
from tests.report.dom import parse, steps_by_status
from tests.report.workflows import HOSTILE_MESSAGE, TRAINING_STATUS

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (scripts/ensure-test-tools.sh installs Debian's chromium)",
)


@pytest.fixture
def report(runs: Path, tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    write_report(load_run(runs, "train-1"), out)
    return out


def test_chromium_renders_every_step_with_its_status_and_the_failure(
    report: Path, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    dom = parse(dump_dom(CHROMIUM, report, tmp_path / "profile"))
    (html,) = dom.find_all("html")
    assert "js" in html.classes  # the inline script ran: its CSP hash is right
    assert steps_by_status(dom, "g", "node") == TRAINING_STATUS
    assert steps_by_status(dom, "g", "row") == TRAINING_STATUS
    assert steps_by_status(dom, "tr") == TRAINING_STATUS
    (failure,) = dom.find_all("article", "failure")
    assert failure.attrs["data-step"] == "evaluate"
    message = failure.find_all("p", "message")[0].text
    assert "ValueError: accuracy 0.62 is below the threshold 0.8" in message
    assert dom.find_all("span", "badge")[0].text == "failed"  # the run's own status


def test_without_its_script_the_report_says_the_same(report: Path, tmp_path: Path) -> None:
    # Headless Chromium's --dump-dom needs JavaScript itself, so the script is taken out
    # of the page instead of switched off.
    assert CHROMIUM is not None
    text = report.read_text(encoding="utf-8")
    assert text.count(f"<script>{SCRIPT}</script>") == 1
    bare = tmp_path / "bare.html"
    bare.write_text(text.replace(f"<script>{SCRIPT}</script>", ""), encoding="utf-8")
    dom = parse(dump_dom(CHROMIUM, bare, tmp_path / "profile"))
    assert not dom.find_all("script") and "js" not in dom.find_all("html")[0].classes
    assert steps_by_status(dom, "g", "node") == TRAINING_STATUS
    assert steps_by_status(dom, "tr") == TRAINING_STATUS
    assert "accuracy 0.62" in dom.find_all("article", "failure")[0].text


def test_a_hostile_message_is_text_in_the_browser(runs: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    out = tmp_path / "hostile.html"
    write_report(load_run(runs, "hostile-1"), out)
    dom = parse(dump_dom(CHROMIUM, out, tmp_path / "profile"))
    assert len(dom.find_all("script")) == 1 and not dom.find_all("img")
    (failure,) = dom.find_all("article", "failure")
    assert HOSTILE_MESSAGE in failure.find_all("p", "message")[0].text


def test_a_screenshot_of_the_report(report: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    png = tmp_path / "report.png"
    screenshot(CHROMIUM, report, png, tmp_path / "profile")
    assert png_size(png) == (1280, 900)
    assert png.stat().st_size > 20_000  # a blank page compresses to a few KB
