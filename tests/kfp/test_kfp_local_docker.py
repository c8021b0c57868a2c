"""Compiled pipelines run for real by ``kfp.local.DockerRunner`` on podman, in the runner image.

The harness and the kfp.local-on-podman workarounds are in
tests/kfp/local_docker.py. Every case compares each step's output with
``axl run local``'s for the same params; iris_knn, the retrying step and the
``when`` workflow are also run by the Argo end-to-end harness (host
processes) and must give the same digests there.

kfp.local honours ``retryPolicy`` (``kfp/local/orchestrator/task_executor.py``
reruns a failed task up to ``maxRetryCount`` times), so the retrying step
really fails in its first container and succeeds in its second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from axl.dsl.loader import load_target
from axl.io.artifacts import read_artifact
from tests.argo.helpers import Diamond
from tests.argo_e2e.images import ensure_sklearn_image
from tests.containers.images import BASE_IMAGE, ImageUnavailable
from tests.containers.podman import Podman
from tests.examples_wf.conditions import Conditions
from tests.kfp.helpers import IRIS, tasks
from tests.kfp.local_docker import (  # noqa: F401 (fixtures)
    argo_digests,
    assert_matches_local,
    compile_shipped,
    digests,
    docker_host,
    kfp_local,
    run_folder,
    run_local,
    run_pipeline,
)
from tests.kfp.workflows import Threshold, Typed
from tests.runtime.workflows import Flaky

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("kfp_local")]


@pytest.fixture(scope="module")
def sklearn_image(podman: Podman | None, runner_image: str) -> str:
    """The runner image plus scikit-learn, as the Argo end-to-end test runs iris_knn in."""
    assert podman is not None  # runner_image skips otherwise
    try:
        return ensure_sklearn_image(podman, BASE_IMAGE, runner_image).image
    except ImageUnavailable as exc:
        pytest.skip(f"image unavailable: {exc}")


def test_the_compiled_diamond_runs_with_the_local_digests(runner_image: str, tmp_path: Path):
    params = {"k": 4}
    doc = compile_shipped(Diamond, runner_image, tmp_path / "kfp-root")
    run = run_pipeline(doc, tmp_path / "kfp-root", params)
    local = run_local(Diamond, tmp_path / "local", params)
    assert assert_matches_local(run, local) == (4 + 1) + 4 * 2
    assert len(tasks(doc)) == 4


def test_iris_knn_runs_with_the_local_and_the_argo_digests(sklearn_image: str, tmp_path: Path):
    iris = load_target(IRIS).cls
    params = {"n_neighbors": 7}  # as the Argo end-to-end test runs it
    doc = compile_shipped(iris, sklearn_image, tmp_path / "kfp-root")
    run = run_pipeline(doc, tmp_path / "kfp-root", params)
    local = run_local(iris, tmp_path / "local", params)
    accuracy = assert_matches_local(run, local)
    assert 0.9 <= accuracy <= 1.0
    assert digests(run) == argo_digests(iris, tmp_path / "argo", params, local)
    assert len(digests(run)) == 4


def test_params_of_each_type_arrive_typed_with_and_without_defaults(
    runner_image: str, tmp_path: Path
):
    # tag and ratio keep their defaults; the rest are kfp pipeline arguments
    params = {
        "epochs": 7,
        "rate": 2.0,
        "verbose": True,
        "seed": 11,
        "scale": 4.0,
        "label": "7",
        "strict": False,
    }
    doc = compile_shipped(Typed, runner_image, tmp_path / "kfp-root")
    run = run_pipeline(doc, tmp_path / "kfp-root", params)
    local = run_local(Typed, tmp_path / "local", params)
    assert assert_matches_local(run, local) == "base:77:16.75:True/False:9"
    assert read_artifact(run.output("arrived")) == {
        "epochs": ["int", 7],
        "rate": ["float", 2.0],
        "tag": ["str", "base"],
        "verbose": ["bool", True],
        "ratio": ["float", 1.0],
        "seed": ["int", 11],
        "scale": ["float", 4.0],
        "label": ["str", "7"],
        "strict": ["bool", False],
    }


def test_a_retried_step_fails_its_first_container_and_succeeds_in_the_second(
    runner_image: str, tmp_path: Path
):
    root = tmp_path / "kfp-root"
    doc = compile_shipped(Flaky, runner_image, root)
    assert tasks(doc)["work"]["retryPolicy"] == {
        "maxRetryCount": 2,
        "backoffDuration": "0.010s",
        "backoffFactor": 2.0,
    }
    counter = root / "tries"  # in the mounted pipeline root, so the container counts there
    run = run_pipeline(doc, root, {"counter": str(counter)})
    assert counter.read_text() == "2"
    local_counter = tmp_path / "local-tries"
    local = run_local(Flaky, tmp_path / "local", {"counter": str(local_counter)})
    assert local["steps"]["work"]["attempts"] == 2 and local_counter.read_text() == "2"
    assert assert_matches_local(run, local) == 2
    argo_counter = tmp_path / "argo-tries"
    argo = argo_digests(Flaky, tmp_path / "argo", {"counter": str(argo_counter)}, local)
    assert digests(run) == argo and argo_counter.read_text() == "2"


def test_a_step_failing_every_attempt_fails_the_pipeline_after_its_retries(
    runner_image: str, tmp_path: Path
):
    root = tmp_path / "kfp-root"
    doc = compile_shipped(Flaky, runner_image, root)
    counter = root / "tries"
    with pytest.raises(RuntimeError, match="Inner task failed: .*work"):
        run_pipeline(doc, root, {"counter": str(counter), "succeed_on": 9})
    assert counter.read_text() == "3"  # the first attempt and maxRetryCount (2) retries
    assert not (run_folder(doc, root) / "work" / "executor_output.json").exists()


WHEN_CASES: list[tuple[type[Any], dict[str, Any], set[str]]] = [
    # the params tests/argo_e2e/test_controller.py runs Conditions with
    (Conditions, {"run_label": "r1"}, {"retried"}),
    (
        Conditions,
        {"run_label": "r2", "mode": "quick", "region": "apac"},
        {"full_report", "regional", "retried"},
    ),
    # and the other side of "not dry_run" and "params.retries"
    (Conditions, {"run_label": "r3", "dry_run": True, "retries": 2}, {"upload"}),
    (Threshold, {"level": 0.95}, set()),
    (Threshold, {"level": 0.5}, {"deploy", "notify"}),
]


@pytest.mark.parametrize(
    ("cls", "params", "skipped"),
    WHEN_CASES,
    ids=[
        "conditions-r1",
        "conditions-quick-apac",
        "conditions-dry-retries",
        "threshold-met",
        "threshold-missed",
    ],
)
def test_when_skips_the_steps_the_local_run_skips(
    runner_image: str,
    tmp_path: Path,
    cls: type[Any],
    params: dict[str, Any],
    skipped: set[str],
):
    root = tmp_path / "kfp-root"
    doc = compile_shipped(cls, runner_image, root)
    run = run_pipeline(doc, root, params)
    local = run_local(cls, tmp_path / "local", params)
    assert {s for s, info in local["steps"].items() if info["status"] == "skipped"} == skipped
    assert_matches_local(run, local)
    read_by_a_when = {"evaluate"} if cls is Conditions else {"score"}
    assert {step for step in local["steps"] if run.output_parameters(step)} == read_by_a_when
    assert digests(run) == argo_digests(cls, tmp_path / "argo", params, local)
