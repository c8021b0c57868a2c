"""Inputs are checked when the program runs, with errors that name the component and the fix."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from axl_pulumi import ArgoTarget, ComponentError

from axl.compiler.argo import ArgoOptionsError
from axl.errors import GraphError, TargetError
from axl.packaging import ArchiveError
from tests.pulumi import programs
from tests.pulumi.conftest import IRIS, Project
from tests.pulumi.harness import ProgramRun, run_program

BROKEN = """\
from axl import Workflow, step


class Broken(Workflow):
    name = "broken"

    @step
    def load(self) -> int:
        return 1

    @step
    def train(self, features: str) -> int:
        return len(features)
"""


def deploy(program_dir: Path, **kwargs: object) -> ProgramRun:
    return run_program(functools.partial(programs.axl_workflow, **kwargs), cwd=program_dir)


def raised(run: ProgramRun) -> BaseException:
    assert run.error is not None, "the program succeeded"
    assert run.resources == (), "nothing may be registered before the inputs are checked"
    return run.error


def test_an_unknown_target_lists_the_available_ones(program_dir: Path) -> None:
    run = deploy(program_dir, workflow=IRIS, targets=["argo", "airflow"])

    with pytest.raises(
        ComponentError,
        match=r"^AxlWorkflow 'flow': unknown target 'airflow' \(available targets: argo, kfp\)$",
    ):
        raise raised(run)


def test_a_planned_target_says_it_is_not_deployable_yet(program_dir: Path) -> None:
    run = deploy(program_dir, workflow=IRIS, targets=["dagster"])

    with pytest.raises(
        ComponentError,
        match=r"target 'dagster' \(Dagster\) cannot be deployed by axl-pulumi yet",
    ):
        raise raised(run)


@pytest.mark.parametrize("targets", ["argo", [], None])
def test_targets_must_be_a_non_empty_list(program_dir: Path, targets: object) -> None:
    run = deploy(program_dir, workflow=IRIS, targets=targets)

    with pytest.raises(
        ComponentError, match=r"AxlWorkflow 'flow': targets.*(list of target names|is empty)"
    ):
        raise raised(run)


@pytest.mark.parametrize("namespace", ["ML_Dev", "ml.dev", "-ml", "x" * 64])
def test_an_invalid_namespace_is_refused(program_dir: Path, namespace: str) -> None:
    run = deploy(program_dir, workflow=IRIS, argo=ArgoTarget(namespace=namespace))

    with pytest.raises(
        ComponentError,
        match=rf"^ArgoWorkflowTemplate 'flow-argo': namespace '{namespace}' is not a valid Kubernetes namespace name",
    ):
        run.raise_error()


def test_a_namespace_output_is_checked_once_it_resolves(program_dir: Path) -> None:
    run = run_program(
        functools.partial(programs.namespace_output, IRIS, "Not_Valid"), cwd=program_dir
    )

    with pytest.raises(
        ComponentError, match=r"namespace 'Not_Valid' is not a valid Kubernetes namespace name"
    ):
        run.raise_error()


def test_a_workflow_that_does_not_validate_shows_axls_own_message(
    program_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "broken_flow.py"
    path.write_text(BROKEN)
    from axl.dsl.loader import load_target
    from axl.ir import build

    with pytest.raises(GraphError) as own:
        build(load_target(f"{path}:Broken").cls)

    run = deploy(program_dir, workflow=f"{path}:Broken", bucket="b-1")

    error = raised(run)
    assert isinstance(error, GraphError)
    assert (
        error.message
        == f"AxlWorkflow 'flow': workflow Broken does not validate: {own.value.message}"
    )
    assert error.hint == own.value.hint


def test_a_missing_workflow_file_is_a_target_error(program_dir: Path, tmp_path: Path) -> None:
    run = deploy(program_dir, workflow=f"{tmp_path / 'nope.py'}:Flow")

    with pytest.raises(
        TargetError, match=r"^AxlWorkflow 'flow': workflow file .*nope\.py does not exist"
    ):
        raise raised(run)


def test_a_non_workflow_is_refused(program_dir: Path) -> None:
    run = deploy(program_dir, workflow=42)

    with pytest.raises(ComponentError, match=r"AxlWorkflow 'flow': workflow=42 is not a workflow"):
        raise raised(run)


def test_unknown_and_missing_arguments_are_named(program_dir: Path) -> None:
    unknown = deploy(program_dir, workflow=IRIS, namespce="ml")
    missing = deploy(program_dir, targets=["argo"])

    with pytest.raises(
        ComponentError,
        match=r"unknown argument\(s\) namespce \(AxlWorkflowArgs takes workflow, targets, bucket",
    ):
        raise raised(unknown)
    with pytest.raises(
        ComponentError, match=r"missing required argument\(s\) workflow \(pass workflow=\.\.\.\)"
    ):
        raise raised(missing)


def test_image_and_build_exclude_each_other(program_dir: Path) -> None:
    run = run_program(
        functools.partial(programs.with_builder, workflow=IRIS, image="runner:1"),
        cwd=program_dir,
    )

    with pytest.raises(ComponentError, match=r"pass image= or build=, not both"):
        raise raised(run)


def test_compiler_options_cannot_override_the_components_own(program_dir: Path) -> None:
    clash = deploy(
        program_dir,
        workflow=IRIS,
        argo=ArgoTarget(compiler_options={"namespace": "x", "kind": "workflow"}),
    )
    invalid = deploy(
        program_dir, workflow=IRIS, argo=ArgoTarget(compiler_options={"pod_gc": "Never"})
    )
    unknown = deploy(program_dir, workflow=IRIS, argo=ArgoTarget(compiler_options={"podgc": "x"}))

    with pytest.raises(ComponentError, match=r"compiler_options cannot set kind, namespace"):
        clash.raise_error()
    with pytest.raises(
        ArgoOptionsError, match=r"^ArgoWorkflowTemplate 'flow-argo': pod_gc 'Never' is not one of"
    ):
        invalid.raise_error()
    with pytest.raises(ComponentError, match=r"compiler_options: .*'podgc'"):
        unknown.raise_error()


def test_unknown_params_are_named_with_the_workflows_params(program_dir: Path) -> None:
    run = deploy(program_dir, workflow=IRIS, params={"k": 3})
    not_json = deploy(program_dir, workflow=IRIS, params={"n_neighbors": {1, 2}})

    with pytest.raises(
        ComponentError,
        match=re.escape(
            "workflow 'iris-knn' has no param(s) k (its params: n_neighbors, test_size)"
        ),
    ):
        run.raise_error()
    with pytest.raises(
        ComponentError, match=r"param 'n_neighbors'=\{1, 2\} cannot be written as JSON"
    ):
        not_json.raise_error()


def test_a_bad_prefix_and_an_oversized_archive_are_refused(
    program_dir: Path, project: Project
) -> None:
    dots = deploy(program_dir, workflow=project.target, bucket="b-1", prefix="code/../x")
    big = deploy(program_dir, workflow=project.target, bucket="b-1", size_limit=10)

    with pytest.raises(
        ComponentError,
        match=r"CodeArchive 'flow-code': prefix 'code/\.\./x' has a '\.' or '\.\.' part",
    ):
        dots.raise_error()
    with pytest.raises(
        ArchiveError,
        match=r"^CodeArchive 'flow-code': the code under .* is .* over the 0\.0 MiB archive limit; biggest files: flows/pipeline\.py",
    ):
        big.raise_error()


def test_a_template_refuses_the_archive_of_another_workflow(
    program_dir: Path, project: Project
) -> None:
    run = run_program(
        functools.partial(programs.mismatched_archive, project.target, IRIS), cwd=program_dir
    )

    with pytest.raises(
        ComponentError,
        match=r"code= is the archive of workflow flows\.pipeline:Pipeline, but this template deploys iris_knn:IrisKNN",
    ):
        run.raise_error()


def test_a_workflow_defined_in_the_program_itself_cannot_be_archived(tmp_path: Path) -> None:
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "__main__.py").write_text(
        "from axl import Workflow, step\n"
        "from axl_pulumi import AxlWorkflow\n\n\n"
        "class Inline(Workflow):\n"
        "    @step\n"
        "    def only(self) -> int:\n"
        "        return 1\n\n\n"
        "AxlWorkflow('inline', workflow=Inline, bucket='b-1')\n"
    )
    run = run_program(folder / "__main__.py", cwd=folder)

    with pytest.raises(
        ComponentError,
        match=r"^CodeArchive 'inline-code': workflow Inline is defined in __main__, which a runner cannot import \(move the workflow class to a module of its own",
    ):
        run.raise_error()
    assert not (folder / ".axl").exists()


def test_args_come_as_an_object_or_as_keywords_not_both(program_dir: Path) -> None:
    fine = run_program(functools.partial(programs.args_object, IRIS), cwd=program_dir)
    both = run_program(
        functools.partial(programs.args_object, IRIS, targets=["argo"]), cwd=program_dir
    )

    assert fine.check().exports["workflow_hash"].startswith("blake3:")
    with pytest.raises(
        ComponentError,
        match=r"pass an AxlWorkflowArgs or keyword arguments, not both \(move targets into the AxlWorkflowArgs\)",
    ):
        raise raised(both)


def test_target_options_must_be_their_options_object(program_dir: Path) -> None:
    run = deploy(program_dir, workflow=IRIS, argo={"namespace": "ml"})

    with pytest.raises(
        ComponentError,
        match=r"argo= must be an ArgoTarget, not dict \(e\.g\. argo=ArgoTarget\(namespace='ml'\)\)",
    ):
        raise raised(run)
