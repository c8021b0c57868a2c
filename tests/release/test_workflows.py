"""The CI and release workflows do what docs/release.md says, with least privilege."""

from __future__ import annotations

import re

import pytest

from tests.release.workflows import (
    PINNED_USES,
    REPO,
    WORKFLOWS,
    claimed_python_versions,
    load,
    pyproject,
    steps_using,
    uses_lines,
)

ALL = sorted(path.stem for path in WORKFLOWS.glob("*.yml"))


def test_ci_runs_make_test_on_push_and_pull_request() -> None:
    ci = load("ci")
    job = ci["jobs"]["test"]

    assert set(ci["on"]) == {"push", "pull_request"}
    assert ci["on"]["push"]["branches"] == ["main"]
    assert ci["permissions"] == {}
    assert job["permissions"] == {"contents": "read"}
    assert job["timeout-minutes"] <= 90
    assert "group" in ci["concurrency"]
    assert [s["run"] for s in job["steps"] if "make test" in s.get("run", "")] == [
        "make test UV=uv"
    ]
    (uv,) = steps_using(job, "astral-sh/setup-uv")
    assert uv["with"]["enable-cache"] is True
    assert uv["with"]["python-version"] == "${{ matrix.python-version }}"


def test_ci_matrix_is_every_python_version_the_package_claims() -> None:
    job = load("ci")["jobs"]["test"]
    claimed = claimed_python_versions()
    floor = re.fullmatch(r">=\s*3\.(\d+)", pyproject()["project"]["requires-python"])

    assert job["strategy"]["matrix"]["python-version"] == claimed
    assert floor is not None
    assert claimed and min(int(v.split(".")[1]) for v in claimed) == int(floor[1])
    (python,) = steps_using(job, "actions/setup-python")
    assert python["with"]["python-version"] == "${{ matrix.python-version }}"


def test_release_runs_on_version_tags_and_checks_the_tag_first() -> None:
    release = load("release")
    jobs = release["jobs"]
    (check,) = [s for s in jobs["version"]["steps"] if "check-release-version" in s.get("run", "")]

    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert release["concurrency"]["cancel-in-progress"] is False
    assert check["env"] == {"TAG": "${{ github.ref_name }}"}
    assert 'python3 scripts/check-release-version.py "$TAG"' in check["run"]
    assert jobs["version"]["outputs"]["version"] == "${{ steps.check.outputs.version }}"
    # Nothing is built, published or pushed unless the tag matched.
    assert jobs["build"]["needs"] == "version"
    assert set(jobs["pypi"]["needs"]) == {"version", "build"}
    assert set(jobs["image"]["needs"]) == {"version", "pypi"}


def test_release_builds_and_checks_both_distributions() -> None:
    steps = load("release")["jobs"]["build"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)

    assert "uv build --all-packages --out-dir dist" in runs
    for name in ("axl_workflows", "axl_pulumi"):
        assert f'"{name}-$VERSION-py3-none-any.whl"' in runs
        assert f'"{name}-$VERSION.tar.gz"' in runs
    assert re.search(r"twine check --strict dist/\*", runs)
    (uv,) = steps_using({"steps": steps}, "astral-sh/setup-uv")
    assert uv["with"]["enable-cache"] is False  # a release is built from the tagged tree alone


def test_every_release_job_has_only_the_permissions_it_needs() -> None:
    release = load("release")
    jobs = release["jobs"]

    assert release["permissions"] == {}
    assert jobs["version"]["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert jobs["image"]["permissions"] == {"contents": "read", "packages": "write"}
    writers = {name for name, job in jobs.items() if "write" in job["permissions"].values()}
    assert writers == {"pypi", "image"}


def test_pypi_upload_is_trusted_publishing_without_a_token() -> None:
    job = load("release")["jobs"]["pypi"]
    (publish,) = steps_using(job, "pypa/gh-action-pypi-publish")
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")

    assert job["environment"] == "pypi"
    assert set(publish.get("with", {})) <= {"packages-dir", "print-hash", "verbose"}
    assert not any("password" in key or "token" in key for key in publish.get("with", {}))
    assert "secrets." not in text


def test_runner_image_is_pushed_after_pypi_and_checked_by_digest() -> None:
    image_job = load("release")["jobs"]["image"]
    runner = load("runner-image")
    (job,) = runner["jobs"].values()
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    (push,) = [s for s in steps_using(job, "docker/build-push-action") if s["with"]["push"]]

    assert image_job["uses"] == "./.github/workflows/runner-image.yml"
    assert image_job["with"] == {"tag": "${{ github.ref_name }}"}
    assert set(runner["on"]) == {"workflow_call", "workflow_dispatch"}  # never on its own for a tag
    assert runner["permissions"] == {}
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    assert 'python3 scripts/check-release-version.py "$TAG"' in runs
    assert push["with"]["file"] == "Dockerfile.runner"
    assert "AXL_VERSION=${{ steps.release.outputs.version }}" in push["with"]["build-args"]
    assert "cache-from" not in push["with"]
    assert 'pinned="$IMAGE@$DIGEST"' in runs
    assert job["outputs"]["image"] == "${{ env.IMAGE }}@${{ steps.push.outputs.digest }}"


@pytest.mark.parametrize("name", ALL)
def test_every_action_is_pinned_to_a_commit_with_its_version(name: str) -> None:
    lines = [line for line in uses_lines(name) if "./.github/" not in line]

    assert lines
    assert [line for line in lines if not PINNED_USES.match(line)] == []


@pytest.mark.parametrize("name", ALL)
def test_every_job_is_bounded_and_checks_out_without_credentials(name: str) -> None:
    workflow = load(name)

    for job_name, job in workflow["jobs"].items():
        if "uses" in job:  # a reusable workflow's own jobs carry their limits
            continue
        assert job.get("timeout-minutes"), f"{name}: job {job_name} has no timeout"
        for checkout in steps_using(job, "actions/checkout"):
            assert checkout["with"]["persist-credentials"] is False, f"{name}: {job_name}"


def test_make_lint_checks_the_workflows_offline() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]

    assert "\n\t$(UV) run actionlint\n" in recipe
    assert "\n\t$(UV) run zizmor --offline --quiet .github/workflows/" in recipe
