"""The ``kfp`` target under Pulumi's mocks: the tree, the spec, the version name, the secrets, the diff."""

from __future__ import annotations

import base64
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from axl_pulumi import KfpTarget
from axl_pulumi.kfp_pipeline import KfpPipelineProvider
from pulumi.runtime import rpc

from axl.compiler.kfp.target import TARGET
from axl.errors import UsageError
from tests.pulumi import kfp_programs
from tests.pulumi.conftest import IRIS, REPO, Project
from tests.pulumi.expect import ARGO_TEMPLATE, AXL_WORKFLOW, OBJECT, TEMPLATE, workflow_ir
from tests.pulumi.harness import ProgramRun, Registration, run_program, stack_config
from tests.pulumi.kfp_expect import axl_compile, version_digest
from tests.pulumi.programs import FakeImageBuilder
from tests.pulumi.test_preview import changed

KFP_PIPELINE = kfp_programs.KFP_PIPELINE
HOST = "https://kfp.example.com"
TOKEN = "kfp-token-0123456789"
IMAGE = "ghcr.io/axl-workflows/runner:0.1.0"


def deploy(program_dir: Path, preview: bool = False, **kwargs: Any) -> ProgramRun:
    options = {"name": "iris", "workflow": IRIS, "targets": ["kfp"], **kwargs}
    options.setdefault("kfp", KfpTarget(host=HOST, token=TOKEN))
    program = functools.partial(kfp_programs.axl_workflow, **options)
    return run_program(program, cwd=program_dir, preview=preview)


def secret_value(value: Any) -> Any:
    """The value of a registered secret (and an assertion that it is one)."""
    assert rpc.is_rpc_secret(value), f"{value!r} is registered in plain text"
    return rpc.unwrap_rpc_secret(value)


def without_secrets(value: Any) -> Any:
    """Recorded data with each secret's value blanked: what is readable in plain text."""
    if rpc.is_rpc_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_secrets(v) for v in value]
    return value


def state(pipeline: Registration) -> dict[str, Any]:
    """The state the provider's ``create`` would have returned for these inputs (plain values)."""
    values = {k: rpc.unwrap_rpc_secret(v) for k, v in pipeline.inputs.items()}
    return {
        **values,
        "pipeline_id": kfp_programs.pipeline_id(values["pipeline_name"]),
        "version_id": kfp_programs.version_id(values["spec_hash"]),
    }


def test_the_kfp_target_is_a_dynamic_resource_under_the_workflow(program_dir: Path) -> None:
    run = deploy(program_dir, targets=["argo", "kfp"]).check()

    assert sorted((r.type, r.name) for r in run.resources) == [
        (ARGO_TEMPLATE, "iris-argo"),
        (AXL_WORKFLOW, "iris"),
        (TEMPLATE, "iris-argo-template"),
        (KFP_PIPELINE, "iris-kfp"),
    ]
    pipeline = run.one(KFP_PIPELINE)
    assert pipeline.custom
    assert run.by_urn(pipeline.parent).type == AXL_WORKFLOW
    assert pipeline.urn.endswith(
        "axl:index:AxlWorkflow$pulumi-python:dynamic/axl:KfpPipeline::iris-kfp"
    )
    assert set(pipeline.inputs) == {
        "__provider",
        "host",
        "token",
        "pipeline_name",
        "spec",
        "spec_hash",
        "version_name",
    }


def test_the_spec_is_what_axl_compile_prints_and_the_version_is_named_by_its_digest(
    program_dir: Path,
) -> None:
    run = deploy(
        program_dir,
        image=IMAGE,
        kfp=KfpTarget(
            host=HOST,
            pipeline_name="iris-prod",
            compiler_options={"packages_policy": "install", "python_path": ["/opt/src"]},
        ),
    ).check()
    expected = axl_compile(
        IRIS,
        "--image", IMAGE, "--name", "iris-prod", "--packages", "install",
        "--python-path", "/opt/src",
    )  # fmt: skip

    inputs = run.one(KFP_PIPELINE).inputs
    assert inputs["spec"] == expected
    digest = version_digest(expected, workflow_ir(IRIS).compute_hash())
    assert inputs["spec_hash"] == digest
    assert inputs["version_name"] == f"iris-prod-{digest[7:19]}"
    assert inputs["pipeline_name"] == "iris-prod"


def test_the_workflow_exposes_the_uploaded_versions_ids(program_dir: Path) -> None:
    run = deploy(program_dir).check()
    digest = version_digest(axl_compile(IRIS), workflow_ir(IRIS).compute_hash())
    version = f"iris-knn-{digest[7:19]}"

    top = run.component_outputs[run.one(AXL_WORKFLOW).urn]
    assert top["targets"] == ["kfp"]
    assert {k: v for k, v in run.exports.items() if k.startswith("kfp_")} == {
        "kfp_pipeline_name": "iris-knn",
        "kfp_pipeline_id": kfp_programs.pipeline_id("iris-knn"),
        "kfp_version_name": version,
        "kfp_version_id": kfp_programs.version_id(digest),
    }
    assert top["kfp_version_id"] == kfp_programs.version_id(digest)


def test_host_and_token_are_registered_as_secrets_and_the_token_shows_nowhere(
    program_dir: Path,
) -> None:
    run = deploy(program_dir).check()
    pipeline = run.one(KFP_PIPELINE)

    assert secret_value(pipeline.inputs["host"]) == HOST
    assert secret_value(pipeline.inputs["token"]) == TOKEN
    readable = json.dumps(
        [
            without_secrets([r.inputs for r in run.resources]),
            run.component_outputs,
            run.exports,
            run.logs,
        ]
    )
    assert TOKEN not in readable and HOST not in readable
    provider = base64.b64decode(pipeline.inputs["__provider"])
    assert TOKEN.encode() not in provider and HOST.encode() not in provider


def test_without_a_token_a_secret_none_is_registered(program_dir: Path) -> None:
    run = deploy(program_dir, kfp=KfpTarget(host=HOST, namespace="team-a")).check()

    inputs = run.one(KFP_PIPELINE).inputs
    assert secret_value(inputs["token"]) is None
    assert inputs["namespace"] == "team-a"


def test_unchanged_code_registers_identical_inputs(project: Project, tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "laptop", tmp_path / "ci"
    first_dir.mkdir()
    second_dir.mkdir()

    first = deploy(first_dir, workflow=project.target).check()
    second = deploy(second_dir, workflow=project.target).check()
    preview = deploy(second_dir, preview=True, workflow=project.target).check()

    assert first.inputs_bytes() == second.inputs_bytes() == preview.inputs_bytes()
    pipeline = first.one(KFP_PIPELINE)
    provider = KfpPipelineProvider()
    diff = provider.diff(pipeline.urn, state(pipeline), second.one(KFP_PIPELINE).inputs)
    assert (diff.changes, diff.replaces) == (False, [])


def test_a_changed_step_changes_the_spec_its_hash_and_the_version_and_replaces_it(
    project: Project, program_dir: Path
) -> None:
    # The code is baked into an image built per workflow (build=): the edit changes the
    # image, so the spec, its digest and the version's name change, and nothing else.
    before = deploy(program_dir, workflow=project.target, build=FakeImageBuilder()).check()
    project.edit_step("return sum(prepare) * self.scale", "return sum(prepare) * self.scale + 1")
    after = deploy(program_dir, workflow=project.target, build=FakeImageBuilder()).check()

    pipeline = before.one(KFP_PIPELINE)
    assert changed(before, after) == {pipeline.urn: ["spec", "spec_hash", "version_name"]}
    old, new = pipeline.inputs, after.one(KFP_PIPELINE).inputs
    assert new["spec_hash"] == version_digest(
        new["spec"], workflow_ir(project.target).compute_hash()
    )
    assert new["version_name"] == f"pipeline-{new['spec_hash'][7:19]}"
    assert old["version_name"] != new["version_name"]
    # Within the spec, only the image reference moved.
    old_image = next(iter(images(old["spec"])))
    new_image = next(iter(images(new["spec"])))
    assert old["spec"].replace(old_image, new_image) == new["spec"]

    diff = KfpPipelineProvider().diff(pipeline.urn, state(pipeline), new)
    assert diff.changes is True
    assert diff.replaces == ["spec", "spec_hash", "version_name"]
    # The new version is uploaded before the old one is deleted.
    assert diff.delete_before_replace is False


def test_a_changed_step_is_a_new_version_even_when_the_spec_text_stays(
    project: Project, program_dir: Path
) -> None:
    # With the code in a fixed image, the spec names nothing that changed; the workflow
    # hash in the version's digest still makes the edit a new version.
    before = deploy(program_dir, workflow=project.target, image=IMAGE).check()
    project.edit_step("return sum(prepare) * self.scale", "return sum(prepare) * self.scale + 1")
    after = deploy(program_dir, workflow=project.target, image=IMAGE).check()

    pipeline = before.one(KFP_PIPELINE)
    assert changed(before, after) == {pipeline.urn: ["spec_hash", "version_name"]}
    diff = KfpPipelineProvider().diff(pipeline.urn, state(pipeline), after.one(KFP_PIPELINE).inputs)
    assert (diff.changes, diff.replaces) == (True, ["spec_hash", "version_name"])


def test_a_changed_helper_module_leaves_the_version_alone(
    project: Project, program_dir: Path
) -> None:
    # Not a step, and no archive: neither the workflow hash nor the spec moves.
    before = deploy(program_dir, workflow=project.target, image=IMAGE).check()
    helpers = project.root / "flows" / "helpers.py"
    helpers.write_text(helpers.read_text().replace("[1, 2, 3]", "[1, 2, 3, 4]"))
    after = deploy(program_dir, workflow=project.target, image=IMAGE).check()

    assert before.inputs_bytes() == after.inputs_bytes()


def images(spec: str) -> set[str]:
    """The container images of a spec's executors."""
    executors = yaml.safe_load(spec)["deploymentSpec"]["executors"]
    return {e["container"]["image"] for e in executors.values()}


def test_with_a_code_archive_the_spec_is_what_axl_compile_writes_for_it(
    program_dir: Path, tmp_path: Path
) -> None:
    examples = REPO / "examples"
    run = deploy(
        program_dir,
        bucket="axl-dev",
        workflow_path=str(examples),
        exclude=("external_repo/",),
        image=IMAGE,
    ).check()
    out = tmp_path / "cli" / "iris.yaml"
    out.parent.mkdir()
    axl_compile(
        IRIS,
        "--image", IMAGE, "--code-bucket", "s3://axl-dev/axl/code", "--no-upload",
        "--workflow-path", str(examples), "--exclude", "external_repo/", "--out", str(out),
    )  # fmt: skip

    pipeline, obj = run.one(KFP_PIPELINE), run.one(OBJECT)
    assert pipeline.inputs["spec"] == out.read_text(encoding="utf-8")
    assert f"s3://axl-dev/{obj.inputs['key']}" in pipeline.inputs["spec"]
    # No version may name an archive that is not uploaded yet.
    assert pipeline.dependencies == (obj.urn,)


def test_with_a_code_archive_a_changed_helper_module_is_a_new_version(
    project: Project, program_dir: Path
) -> None:
    before = deploy(program_dir, workflow=project.target, bucket="axl-dev").check()
    helpers = project.root / "flows" / "helpers.py"
    helpers.write_text(helpers.read_text().replace("[1, 2, 3]", "[1, 2, 3, 4]"))
    after = deploy(program_dir, workflow=project.target, bucket="axl-dev").check()

    pipeline, obj = before.one(KFP_PIPELINE), before.one(OBJECT)
    assert changed(before, after) == {
        obj.urn: ["key", "source"],
        pipeline.urn: ["spec", "spec_hash", "version_name"],
    }
    # Within the spec only the archive's key and digest moved.
    old_key, new_key = obj.inputs["key"], after.one(OBJECT).inputs["key"]
    old_digest = "blake3:" + _archive_hex(old_key, before)
    new_digest = "blake3:" + _archive_hex(new_key, after)
    renames = {old_key: new_key, old_digest: new_digest}
    assert renamed_text(pipeline.inputs["spec"], renames) == after.one(KFP_PIPELINE).inputs["spec"]


def _archive_hex(key: str, run: ProgramRun) -> str:
    """The full digest of the archive at ``key``, as its CodeArchive registered it."""
    (archive,) = [
        outputs
        for outputs in run.component_outputs.values()
        if outputs.get("key") == key and "digest" in outputs
    ]
    return str(archive["digest"]).removeprefix("blake3:")


def renamed_text(text: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"kfp": None},
            r"^AxlWorkflow 'iris': target 'kfp' needs kfp=$",
        ),
        (
            {"kfp": KfpTarget(host="kfp.example.com")},
            r"^KfpPipeline 'iris-kfp': host 'kfp.example.com' is not a KFP endpoint URL$",
        ),
        (
            {"kfp": KfpTarget(host=HOST, pipeline_name="Iris_KNN")},
            r"^KfpPipeline 'iris-kfp': pipeline name 'Iris_KNN' is not valid on KFP$",
        ),
        (
            {"kfp": KfpTarget(host=HOST, compiler_options={"image": "x"})},
            r"^KfpPipeline 'iris-kfp': compiler_options cannot set image$",
        ),
        (
            {"kfp": KfpTarget(host=HOST, compiler_options={"pod_gc": "x"})},
            r"^KfpPipeline 'iris-kfp': compiler_options: .*pod_gc",
        ),
        (
            {"params": {"n_neighbors": 7}},
            r"^KfpPipeline 'iris-kfp': the kfp target cannot set param defaults yet",
        ),
        (
            {"kfp": KfpTarget(host=HOST, namespace="Team_A")},
            r"^KfpPipeline 'iris-kfp': namespace 'Team_A' is not a valid Kubernetes namespace",
        ),
    ],
)
def test_kfp_inputs_are_checked_when_the_program_runs(
    program_dir: Path, kwargs: dict[str, Any], message: str
) -> None:
    run = deploy(program_dir, **kwargs)

    with pytest.raises(UsageError) as raised:
        run.raise_error()
    assert re.search(message, raised.value.message), raised.value.message
    assert not run.of_type(KFP_PIPELINE)


def test_a_kfp_pipeline_on_its_own_takes_a_spec(program_dir: Path) -> None:
    spec = axl_compile(IRIS)
    program = functools.partial(
        kfp_programs.kfp_pipeline, host=HOST, pipeline_name="iris-knn", spec=spec
    )
    run = run_program(program, cwd=program_dir).check()

    digest = version_digest(spec, None)
    assert run.exports == {
        "pipeline_id": kfp_programs.pipeline_id("iris-knn"),
        "version_id": kfp_programs.version_id(digest),
        "version_name": f"iris-knn-{digest[7:19]}",
        "pipeline_name": "iris-knn",
        "spec_hash": digest,
    }
    assert run.one(KFP_PIPELINE).parent == run.stack_urn


def test_the_example_stack_deploys_to_kfp_only_when_a_host_is_configured(
    tmp_path: Path,
) -> None:
    stack_dir = REPO / "stacks" / "axl-examples"
    project, config = stack_config(stack_dir, "dev")
    (tmp_path / "off").mkdir()
    (tmp_path / "on").mkdir()
    off = run_program(
        stack_dir / "__main__.py", cwd=tmp_path / "off", project=project, config=config
    ).check()
    on_config = {**config, f"{project}:kfpHost": HOST, f"{project}:kfpToken": TOKEN}
    on = run_program(
        stack_dir / "__main__.py", cwd=tmp_path / "on", project=project, config=on_config
    ).check()

    assert off.of_type(KFP_PIPELINE) == []
    assert not any("kfp" in key for key in off.exports)
    pipelines = {p.name: p.inputs for p in on.of_type(KFP_PIPELINE)}
    assert sorted(pipelines) == ["iris-knn-kfp", "wordstats-kfp"]
    assert all(secret_value(p["token"]) == TOKEN for p in pipelines.values())
    assert {on.exports["iris_kfp_version"], on.exports["wordstats_kfp_version"]} == {
        p["version_name"] for p in pipelines.values()
    }
    # The Argo side is the same with or without KFP.
    assert [t.inputs for t in on.of_type(TEMPLATE)] == [t.inputs for t in off.of_type(TEMPLATE)]


def test_what_the_compile_warns_about_is_logged_on_the_workflow(program_dir: Path) -> None:
    long_name = "iris-" + "k" * 60
    compiled = TARGET.compile(workflow_ir(IRIS), TARGET.options({"name": long_name}))
    warnings = [*compiled.warnings, *TARGET.check(compiled)]
    assert warnings, "the compile warns about nothing: pick a workflow it warns about"

    run = deploy(program_dir, kfp=KfpTarget(host=HOST, pipeline_name=long_name)).check()

    logged = [message for level, message in run.logs if level == "warning"]
    assert logged == [f"KfpPipeline 'iris-kfp': {warning}" for warning in warnings]


def test_a_pipeline_name_output_is_checked_once_it_resolves(program_dir: Path) -> None:
    program = functools.partial(kfp_programs.named_by_output, "Not_Valid", "root: {}\n")
    run = run_program(program, cwd=program_dir)

    with pytest.raises(UsageError) as raised:
        run.raise_error()
    assert raised.value.message.startswith(
        "KfpPipeline 'pipeline': pipeline name 'Not_Valid' is not valid on KFP"
    )
