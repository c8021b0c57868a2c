"""The HTML report: self-contained, escaped, deterministic, and complete for every step."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path

import pytest

from axl.errors import InfrastructureError
from axl.report.html import render, write_report
from axl.report.model import load_run
from axl.report.style import SCRIPT
from tests.report.dom import parse, steps_by_status
from tests.report.records import layered_record
from tests.report.workflows import HOSTILE_LOG, HOSTILE_MESSAGE, TRAINING_STATUS


def test_every_step_is_in_the_graph_the_timeline_and_the_table(runs: Path) -> None:
    doc = parse(render(load_run(runs, "train-1")))
    assert steps_by_status(doc, "g", "node") == TRAINING_STATUS
    assert steps_by_status(doc, "g", "row") == TRAINING_STATUS
    assert steps_by_status(doc, "tr") == TRAINING_STATUS
    edges = {(e.attrs["data-from"], e.attrs["data-to"]) for e in doc.find_all("path", "edge")}
    assert edges == {
        ("load_data", "clean"), ("clean", "features"), ("clean", "stats"), ("features", "fit"),
        ("fit", "evaluate"), ("stats", "evaluate"), ("evaluate", "publish"), ("stats", "notify"),
    }  # fmt: skip
    (failure,) = doc.find_all("article", "failure")
    assert failure.attrs["data-step"] == "evaluate"
    (message,) = failure.find_all("p", "message")
    assert "ValueError: accuracy 0.62 is below the threshold 0.8" in message.text
    (log,) = failure.find_all("pre", "log")
    assert "evaluated 200 rows: accuracy 0.62" in log.text
    fit = next(tr for tr in doc.find_all("tr") if tr.attrs.get("data-step") == "fit")
    cells = [td.text for td in fit.find_all("td")]
    assert cells[2] == "2"  # attempts
    assert re.fullmatch(r"output \d+ B dict pickle", cells[5])
    assert [e.text for e in doc.find_all("text", "tries")] == ["×2"]


def test_what_user_code_wrote_is_escaped(runs: Path) -> None:
    text = render(load_run(runs, "hostile-1"))
    assert text.count("<script") == 1  # the report's own
    assert "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&quot;boom&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in text
    doc = parse(text)
    (failure,) = doc.find_all("article", "failure")
    assert HOSTILE_MESSAGE in failure.find_all("p", "message")[0].text
    assert HOSTILE_LOG in failure.find_all("pre", "log")[0].text
    facts = doc.find_all("dl", "facts")[0].text
    assert '<b>label</b> & \\"more\\"' in facts  # the params, as JSON text
    node = doc.find_all("g", "node")[1]
    assert HOSTILE_MESSAGE in node.find_all("title")[0].text


def test_control_characters_are_shown_not_passed_through(tmp_path: Path) -> None:
    record = layered_record(tmp_path, "ctl", steps=17, width=17)
    step = record.steps["step_0016"]
    assert step.error is not None
    step.error["message"] = "bell \x07 escape \x1b[31m end"
    record.save()
    text = render(load_run(tmp_path, "ctl"))
    assert "\x07" not in text and "\x1b" not in text
    assert "bell \ufffd escape \ufffd[31m end" in text


def test_the_document_needs_no_network(runs: Path) -> None:
    text = render(load_run(runs, "train-1"))
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * 2
    assert not re.search(r"<link|<img|<iframe|@import|src=", text)
    assert re.findall(r"url\([^)]*\)", text) == ["url(#arrow)"] * 8
    (meta,) = [m for m in parse(text).find_all("meta") if "http-equiv" in m.attrs]
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert meta.attrs["content"] == (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    )
    assert f"<script>{SCRIPT}</script>" in text  # the hash is of exactly this script


def test_the_same_run_gives_the_same_bytes(runs: Path, tmp_path: Path) -> None:
    first = render(load_run(runs, "train-1"))
    assert render(load_run(runs, "train-1")) == first
    copy = tmp_path / "runs" / "train-1"
    shutil.copytree(runs / "runs" / "train-1", copy)
    out_a, out_b = tmp_path / "a.html", tmp_path / "b.html"
    write_report(load_run(tmp_path, "train-1"), out_a)
    write_report(load_run(tmp_path, "train-1"), out_b)
    assert out_a.read_bytes() == out_b.read_bytes()


def test_a_run_of_200_steps_renders_every_step_in_reasonable_size(tmp_path: Path) -> None:
    layered_record(tmp_path, "big", steps=200, width=10)
    run = load_run(tmp_path, "big")
    text = render(run)
    assert len(text.encode()) < 400_000
    doc = parse(text)
    nodes = steps_by_status(doc, "g", "node")
    assert len(nodes) == 200 and nodes == steps_by_status(doc, "tr")
    assert sum(status == "failed" for status in nodes.values()) == 11
    assert len(doc.find_all("article", "failure")) == 11
    assert len(doc.find_all("path", "edge")) == 190 * 2


def test_the_report_is_replaced_atomically_and_a_bad_folder_is_one_error(
    runs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    out.write_text("old")
    size = write_report(load_run(runs, "train-1"), out)
    assert out.stat().st_size == size and out.read_text().startswith("<!doctype html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InfrastructureError, match=r"cannot write the report .*: Not a directory"):
        write_report(load_run(runs, "train-1"), blocker / "report.html")


def test_a_kept_step_has_no_bar_and_a_cache_hit_says_so(tmp_path: Path) -> None:
    record = layered_record(tmp_path, "again", steps=3, width=1)
    first, second, _ = record.steps.values()
    first.started = record.started - 60
    second.cache = {"status": "hit", "key": "k", "parts": {}}
    record.save()
    doc = parse(render(load_run(tmp_path, "again")))
    rows = {r.attrs["data-step"]: r for r in doc.find_all("g", "row")}
    assert not rows["step_0000"].find_all("rect")
    assert rows["step_0000"].text == "step_0000kept from an earlier execution"
    assert rows["step_0001"].find_all("text", "note")[0].text == "1.5 s · cache hit"
    table = {
        r.attrs["data-step"]: [td.text for td in r.find_all("td")]
        for r in doc.find_all("tr")
        if "data-step" in r.attrs
    }
    assert table["step_0000"][3] == "earlier" and table["step_0001"][6] == "cache hit"
