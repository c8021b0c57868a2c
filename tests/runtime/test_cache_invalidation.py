"""What each change to a project invalidates in the step cache, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from tests.runtime.cache_project import SECRET_VALUE, make_project, statuses

ALL_HITS = {"source": "succeeded", "scaled": "cached", "fixed": "cached"}


def test_an_unchanged_rerun_is_all_hits_and_calls_no_cached_step(tmp_path: Path):
    project = make_project(tmp_path)
    first = project.run()
    assert statuses(first) == {"source": "succeeded", "scaled": "succeeded", "fixed": "succeeded"}
    assert first["called"] == ["fixed", "scaled", "source"]
    again = project.run()
    assert statuses(again) == ALL_HITS
    assert again["called"] == ["source"]  # a hit neither imports nor calls the step
    record = json.loads((Path(again["run_dir"]) / "run.json").read_text())
    assert record["steps"]["scaled"]["cache"]["status"] == "hit"
    assert set(record["steps"]["scaled"]["cache"]["parts"]) >= {"code", "environment", "inputs"}
    assert _leftovers(Path(again["run_dir"])) == []  # no staging folder, no temporary file


def _leftovers(run_dir: Path) -> list[Path]:
    """Hidden files or folders a restore left in the run's step folders."""
    return sorted(run_dir.glob("*/.*"))


def test_a_change_to_a_helper_module_invalidates_every_cached_step(tmp_path: Path):
    project = make_project(tmp_path)
    project.run()
    (project.root / "helpers.py").write_text("def factor():\n    return 3\n")
    after = project.run()
    assert after["called"] == ["fixed", "scaled", "source"]
    out = after["steps"]["scaled"]["outputs"][0]
    from axl.io.artifacts import read_artifact

    assert read_artifact(out["path"], out["handler"]) == 30  # not the old 20
    assert statuses(project.run()) == ALL_HITS


def test_a_changed_upstream_output_invalidates_only_its_consumers(tmp_path: Path):
    project = make_project(tmp_path)
    project.run()
    (project.outside / "data.txt").write_text("11")  # source returns another value
    after = project.run()
    assert statuses(after) == {"source": "succeeded", "scaled": "succeeded", "fixed": "cached"}
    assert after["called"] == ["scaled", "source"]


def test_a_changed_param_invalidates_every_cached_step(tmp_path: Path):
    project = make_project(tmp_path)
    project.run("--param", "n=1")
    after = project.run("--param", "n=2")
    assert after["called"] == ["fixed", "scaled", "source"]
    assert statuses(project.run("--param", "n=1")) == ALL_HITS  # the old entries stay


def test_a_changed_lock_file_invalidates_every_cached_step(tmp_path: Path):
    project = make_project(tmp_path)
    project.run()
    (project.root / "uv.lock").write_text("version = 1\n# another resolution\n")
    after = project.run()
    assert after["called"] == ["fixed", "scaled", "source"]


def test_a_changed_env_value_invalidates_and_a_secret_value_never_shows(tmp_path: Path):
    project = make_project(tmp_path)
    project.run()
    changed = project.run(env={"TOKEN": "another-secret-value"})
    assert statuses(changed) == ALL_HITS  # a Secret keys by its name, not its value
    files = [p for p in project.workspace.rglob("*") if p.is_file()]
    assert any(p.name == "entry.json" for p in files)
    for path in files:
        data = path.read_bytes()
        assert SECRET_VALUE.encode() not in data, path
        assert b"another-secret-value" not in data, path
    entry = next(p for p in files if p.name == "entry.json")
    assert "api-token" not in entry.read_text()  # names are digested, not written out


def test_a_damaged_entry_is_a_miss_with_a_warning_and_is_replaced(tmp_path: Path):
    project = make_project(tmp_path)
    project.run()
    entry_of_fixed = next(
        p.parent
        for p in (project.workspace / "cache").glob("*/entry.json")
        if json.loads(p.read_text())["step"] == "fixed"
    )
    data = entry_of_fixed / "output.pkl"
    data.chmod(0o644)
    data.write_bytes(b"not the stored result")
    after = project.run()
    assert statuses(after)["fixed"] == "succeeded"
    assert after["called"] == ["fixed", "source"]
    log = Path(after["steps"]["fixed"]["log"]).read_text()
    assert "damaged cache entry" in log and '"level": "warning"' in log
    assert _leftovers(Path(after["run_dir"])) == []  # the staged copy was removed, not loaded
    assert statuses(project.run()) == ALL_HITS  # written anew


def test_an_entry_nested_too_deep_to_parse_is_a_damaged_entry(tmp_path: Path):
    project = make_project(tmp_path)
    project.run()
    entry = next(
        p
        for p in (project.workspace / "cache").glob("*/entry.json")
        if json.loads(p.read_text())["step"] == "fixed"
    )
    entry.chmod(0o644)
    entry.write_text("[" * 100_000 + "]" * 100_000)
    after = project.run()
    assert statuses(after)["fixed"] == "succeeded"
    assert "fixed" in after["called"]
    log = Path(after["steps"]["fixed"]["log"]).read_text()
    assert "damaged cache entry" in log and "not JSON" in log
    assert statuses(project.run()) == ALL_HITS  # written anew
