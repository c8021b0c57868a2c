#!/usr/bin/env python3
"""Regenerate docs/images/run-report.png: the HTML report of a run with one failed step.

Runs tests/report/workflows.py's Training workflow (a retried fit, a failed
evaluate, a step not run, one skipped) in a temporary workspace, writes its
report with ``axl runs report`` and photographs it in headless Chromium.

Usage: .venv/bin/python scripts/report-screenshot.py [--out PNG] [--html FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import axl  # noqa: E402
from tests.report.chromium import find_chromium, png_size, screenshot  # noqa: E402
from tests.report.workflows import Training  # noqa: E402

RUN_ID = "nightly-train"
WINDOW = (1280, 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "run-report.png")
    parser.add_argument("--html", type=Path, help="also keep the report here")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("error: Chromium is not installed; run scripts/ensure-test-tools.sh", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="axl-report-shot-") as tmp:
        work = Path(tmp)
        (work / "scratch").mkdir()
        result = axl.run_local(
            Training, {"scratch": str(work / "scratch")}, workspace=work / "ws", run_id=RUN_ID
        )
        if result.ok:
            print("error: the Training run should fail at evaluate", file=sys.stderr)
            return 1
        html = args.html or work / "report.html"
        subprocess.run(
            [sys.executable, "-m", "axl", "runs", "report", RUN_ID, "--workspace",
             str(work / "ws"), "--out", str(html)],
            check=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(chromium, html, args.out, work / "profile", size=WINDOW)
    width, height = png_size(args.out)
    print(f"wrote {args.out} ({width}x{height})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
