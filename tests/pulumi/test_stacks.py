"""Each stack's ``__main__.py`` runs under mocks with each of its ``Pulumi.<stack>.yaml`` configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.pulumi.conftest import REPO
from tests.pulumi.expect import CODE_ARCHIVE, OBJECT, TEMPLATE, renamed
from tests.pulumi.harness import ProgramRun, run_program, stack_config

STACKS = REPO / "stacks"
CASES = sorted(
    (project.parent.name, config.name.removeprefix("Pulumi.").removesuffix(".yaml"))
    for project in STACKS.glob("*/Pulumi.yaml")
    for config in project.parent.glob("Pulumi.*.yaml")
)


def run_stack(project_dir: Path, stack: str, cwd: Path) -> tuple[ProgramRun, dict[str, str]]:
    project, config = stack_config(project_dir, stack)
    run = run_program(
        project_dir / "__main__.py", cwd=cwd, project=project, stack=stack, config=config
    )
    return run.check(), {k.removeprefix(f"{project}:"): v for k, v in config.items()}


def test_every_stack_is_a_python_project_run_with_uv() -> None:
    assert ("axl-examples", "dev") in CASES and ("axl-examples", "prod") in CASES
    for project in STACKS.glob("*/Pulumi.yaml"):
        data = yaml.safe_load(project.read_text())
        assert data["runtime"] == {"name": "python", "options": {"toolchain": "uv"}}
        assert (project.parent / "__main__.py").is_file()


@pytest.mark.parametrize(("project", "stack"), CASES)
def test_the_stack_program_deploys_with_its_config(
    project: str, stack: str, program_dir: Path
) -> None:
    run, config = run_stack(STACKS / project, stack, program_dir)
    image = f"ghcr.io/axl-workflows/runner:{config['imageTag']}"

    templates = run.of_type(TEMPLATE)
    assert {t.inputs["metadata"]["name"] for t in templates} == {"iris-knn", "word-stats"}
    for template in templates:
        spec = template.inputs["spec"]
        assert template.inputs["metadata"]["namespace"] == config["namespace"]
        assert spec.get("serviceAccountName") == config.get("serviceAccount")
        containers = [t["container"] for t in spec["templates"] if "container" in t]
        assert {c["image"] for c in containers} == {image}
        assert all('"code":{"digest":"blake3:' in c["args"][1] for c in containers)
    assert {o.inputs["bucket"] for o in run.of_type(OBJECT)} == {config["codeBucket"]}
    assert len(run.of_type(CODE_ARCHIVE)) == 2
    assert (
        run.exports["iris_namespace"] == run.exports["wordstats_namespace"] == config["namespace"]
    )
    assert run.exports["iris_template"] == "iris-knn"
    assert run.exports["wordstats_code_uri"].startswith(
        f"s3://{config['codeBucket']}/axl/code/code-"
    )


def test_dev_and_prod_differ_in_namespace_bucket_and_image_only(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "prod").mkdir()
    dev, _ = run_stack(STACKS / "axl-examples", "dev", tmp_path / "dev")
    prod, _ = run_stack(STACKS / "axl-examples", "prod", tmp_path / "prod")

    # The same code: the same archives and the same workflow hashes in both stacks.
    assert [o.inputs["key"] for o in dev.of_type(OBJECT)] == [
        o.inputs["key"] for o in prod.of_type(OBJECT)
    ]
    assert dev.exports["iris_workflow_hash"] == prod.exports["iris_workflow_hash"]
    for ours, theirs in zip(dev.of_type(TEMPLATE), prod.of_type(TEMPLATE), strict=True):
        assert ours.inputs["metadata"]["namespace"] == "ml-dev"
        assert theirs.inputs["metadata"]["namespace"] == "ml-prod"
        prod_spec = dict(theirs.inputs["spec"])
        assert prod_spec.pop("serviceAccountName") == "argo-workflow"
        assert renamed(prod_spec, {"runner:0.1.0": "runner:latest"}) == ours.inputs["spec"]
        assert {k: v for k, v in ours.inputs["metadata"].items() if k != "namespace"} == {
            k: v for k, v in theirs.inputs["metadata"].items() if k != "namespace"
        }


def test_the_preview_workflow_comments_the_diff_of_every_stack() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pulumi-preview.yml").read_text())
    job = workflow["jobs"]["preview"]
    step = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@"))
    stack_dir = REPO / step["with"]["work-dir"]

    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"]["pull-requests"] == "write"
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert (stack_dir / "Pulumi.yaml").is_file()
    assert sorted(job["strategy"]["matrix"]["stack"]) == sorted(
        stack for project, stack in CASES if project == stack_dir.name
    )
    assert step["with"]["stack-name"].endswith("/axl-examples/${{ matrix.stack }}")
