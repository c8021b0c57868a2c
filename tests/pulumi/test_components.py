"""The components under Pulumi's mocks: resource types, the tree, and exactly what they register."""

from __future__ import annotations

import functools
from pathlib import Path

from axl_pulumi import ArgoTarget
from blake3 import blake3

from tests.pulumi import programs
from tests.pulumi.conftest import IRIS, REPO, Project
from tests.pulumi.expect import (
    ARGO_TEMPLATE,
    AXL_WORKFLOW,
    CODE_ARCHIVE,
    OBJECT,
    TEMPLATE,
    archive,
    custom_resource_inputs,
    lint,
    template_document,
    workflow_ir,
)
from tests.pulumi.harness import ProgramRun, run_program

EXAMPLES = REPO / "examples"
WORDSTATS = f"{EXAMPLES / 'external_repo' / 'src' / 'wordstats' / 'flow.py'}:WordStats"
IMAGE = "ghcr.io/axl-workflows/runner:0.1.0"


def deploy_iris(program_dir: Path, **kwargs: object) -> ProgramRun:
    options = {
        "name": "iris",
        "workflow": IRIS,
        "workflow_path": str(EXAMPLES),
        "exclude": ("external_repo/",),
        "bucket": "axl-dev",
        **kwargs,
    }
    return run_program(functools.partial(programs.axl_workflow, **options), cwd=program_dir).check()


def container_images(spec: dict) -> set[str]:
    return {t["container"]["image"] for t in spec["templates"] if "container" in t}


def test_axl_workflow_registers_archive_and_template_as_its_children(program_dir: Path) -> None:
    run = deploy_iris(program_dir)

    assert sorted((r.type, r.name) for r in run.resources) == [
        (OBJECT, "iris-code-object"),
        (ARGO_TEMPLATE, "iris-argo"),
        (AXL_WORKFLOW, "iris"),
        (CODE_ARCHIVE, "iris-code"),
        (TEMPLATE, "iris-argo-template"),
    ]
    top = run.one(AXL_WORKFLOW)
    parents = {
        r.name: run.by_urn(r.parent).name if r.parent != run.stack_urn else None
        for r in run.resources
    }
    assert parents == {
        "iris": None,
        "iris-code": "iris",
        "iris-code-object": "iris-code",
        "iris-argo": "iris",
        "iris-argo-template": "iris-argo",
    }
    assert top.parent == run.stack_urn
    assert [r.custom for r in run.resources if r.type.startswith("axl:")] == [False] * 3
    # The template waits for the archive: the object's URN is among its dependencies.
    assert run.one(TEMPLATE).dependencies == (run.one(OBJECT).urn,)


def test_components_register_their_real_outputs(program_dir: Path) -> None:
    run = deploy_iris(program_dir)
    built = archive(EXAMPLES, program_dir / "expected", ("external_repo/",))
    ir = workflow_ir(IRIS)
    key = f"axl/code/code-{built.digest[:16]}.tar.gz"

    assert run.component_outputs[run.one(CODE_ARCHIVE).urn] == {
        "bucket": "axl-dev",
        "key": key,
        "digest": f"blake3:{built.digest}",
        "uri": f"s3://axl-dev/{key}",
        "module": "iris_knn",
    }
    assert run.component_outputs[run.one(ARGO_TEMPLATE).urn] == {
        "template_name": "iris-knn",
        "workflow_hash": ir.compute_hash(),
    }
    assert run.component_outputs[run.one(AXL_WORKFLOW).urn] == {
        "workflow_hash": ir.compute_hash(),
        "targets": ["argo"],
        "code_uri": f"s3://axl-dev/{key}",
        "argo_template_name": "iris-knn",
    }
    assert run.exports == {
        "workflow_hash": ir.compute_hash(),
        "argo_template_name": "iris-knn",
        "argo_namespace": None,
        "code_uri": f"s3://axl-dev/{key}",
    }


def test_the_s3_key_is_the_archive_digest(program_dir: Path) -> None:
    run = deploy_iris(program_dir, prefix="/ml/code/")
    built = archive(EXAMPLES, program_dir / "expected", ("external_repo/",))
    name = f"code-{built.digest[:16]}.tar.gz"

    obj = run.one(OBJECT)
    assert obj.inputs == {
        "bucket": "axl-dev",
        "key": f"ml/code/{name}",
        "contentType": "application/gzip",
        "source": {"$asset": "FileAsset", "path": f".axl/archives/{name}"},
    }
    uploaded = (program_dir / ".axl" / "archives" / name).read_bytes()
    assert uploaded == built.path.read_bytes()
    assert blake3(uploaded).hexdigest() == built.digest


def test_the_template_spec_is_the_argo_compilers_output_and_passes_lint(
    program_dir: Path,
) -> None:
    run = deploy_iris(
        program_dir, image=IMAGE, argo=ArgoTarget(namespace="ml-dev", service_account="runner")
    )
    built = archive(EXAMPLES, program_dir / "expected", ("external_repo/",))
    expected = template_document(
        workflow_ir(IRIS),
        code=built,
        key=f"axl/code/code-{built.digest[:16]}.tar.gz",
        namespace="ml-dev",
        service_account="runner",
        image=IMAGE,
    )

    template = run.one(TEMPLATE)
    assert template.inputs == custom_resource_inputs(expected)
    assert template.inputs["apiVersion"] == "argoproj.io/v1alpha1"
    assert template.inputs["kind"] == "WorkflowTemplate"
    assert template.inputs["metadata"]["namespace"] == "ml-dev"
    assert lint(template.inputs) == []


def test_components_on_their_own_take_other_resources_outputs(
    program_dir: Path, project: Project
) -> None:
    run = run_program(
        functools.partial(programs.components, project.target), cwd=program_dir
    ).check()
    built = archive(project.root, program_dir / "expected")
    key = f"flows/code/code-{built.digest[:16]}.tar.gz"

    assert run.one(OBJECT).inputs["bucket"] == "team-artifacts"
    assert run.one(OBJECT).inputs["key"] == key
    assert run.by_urn(run.one(OBJECT).parent).type == CODE_ARCHIVE
    assert run.by_urn(run.one(TEMPLATE).parent).type == ARGO_TEMPLATE
    expected = template_document(
        workflow_ir(project.target), code=built, key=key, namespace="ml-team"
    )
    assert run.one(TEMPLATE).inputs == custom_resource_inputs(expected)
    assert set(run.one(TEMPLATE).dependencies) == {
        run.one(OBJECT).urn,
        run.by_name("ml").urn,
    }
    assert run.exports == {
        "uri": f"s3://team-artifacts/{key}",
        "digest": f"blake3:{built.digest}",
        "template_name": "pipeline",
        "namespace": "ml-team",
        "workflow_hash": workflow_ir(project.target).compute_hash(),
    }


def test_the_runner_imports_the_module_named_in_the_archive(program_dir: Path) -> None:
    run = run_program(
        functools.partial(programs.axl_workflow, workflow=WORDSTATS, bucket="b-1"),
        cwd=program_dir,
    ).check()
    root = EXAMPLES / "external_repo"
    built = archive(root, program_dir / "expected")

    assert run.component_outputs[run.one(CODE_ARCHIVE).urn]["module"] == "wordstats.flow"
    expected = template_document(
        workflow_ir(WORDSTATS), code=built, key=f"axl/code/code-{built.digest[:16]}.tar.gz"
    )
    assert run.one(TEMPLATE).inputs == custom_resource_inputs(expected)
    annotations = run.one(TEMPLATE).inputs["metadata"]["annotations"]
    assert annotations["axl.dev/ref"] == "wordstats.flow:WordStats"


def test_a_loose_file_is_imported_under_its_name_in_the_archive(
    program_dir: Path, project: Project
) -> None:
    # Loaded from its file, the workflow's module is ``pipeline`` if flows/ were no package;
    # in the archive of the project it is ``flows.pipeline``: the template uses that name.
    (project.root / "flows" / "__init__.py").unlink()
    (project.pipeline).write_text(
        project.pipeline.read_text().replace("from flows import helpers", "import helpers")
    )
    run = run_program(
        functools.partial(programs.axl_workflow, workflow=project.target, bucket="b-1"),
        cwd=program_dir,
    ).check()
    ir = workflow_ir(project.target)
    assert ir.module == "pipeline"

    assert run.component_outputs[run.one(CODE_ARCHIVE).urn]["module"] == "flows.pipeline"
    annotations = run.one(TEMPLATE).inputs["metadata"]["annotations"]
    assert annotations["axl.dev/ref"] == "flows.pipeline:Pipeline"
    # The workflow (and its hash) stay the same; only the module the pods import moves.
    assert annotations["axl.dev/ir-hash"] == ir.compute_hash()
    assert run.exports["workflow_hash"] == ir.compute_hash()


def test_explicit_code_location_endpoint_and_secret(program_dir: Path, project: Project) -> None:
    run = run_program(
        functools.partial(
            programs.components,
            project.target,
            code_endpoint="minio.minio.svc:9000",
            code_secret="minio-creds",
        ),
        cwd=program_dir,
    ).check()
    built = archive(project.root, program_dir / "expected")
    from axl.compiler.argo import SecretKey

    expected = template_document(
        workflow_ir(project.target),
        code=built,
        key=f"flows/code/code-{built.digest[:16]}.tar.gz",
        namespace="ml-team",
        code_bucket="team-artifacts",
        code_endpoint="minio.minio.svc:9000",
        code_access_key_secret=SecretKey("minio-creds", "accessKey"),
        code_secret_key_secret=SecretKey("minio-creds", "secretKey"),
    )
    assert run.one(TEMPLATE).inputs == custom_resource_inputs(expected)
    assert lint(run.one(TEMPLATE).inputs) == []


def test_params_become_the_templates_default_arguments(program_dir: Path) -> None:
    run = deploy_iris(program_dir, params={"n_neighbors": 7, "test_size": 0.25})

    arguments = run.one(TEMPLATE).inputs["spec"]["arguments"]["parameters"]
    assert [(a["name"], a["value"]) for a in arguments] == [
        ("n-neighbors", "7"),
        ("test-size", "0.25"),
    ]
    plain = deploy_iris(program_dir)
    spec, plain_spec = run.one(TEMPLATE).inputs["spec"], plain.one(TEMPLATE).inputs["spec"]
    assert {k: v for k, v in spec.items() if k != "arguments"} == {
        k: v for k, v in plain_spec.items() if k != "arguments"
    }


def test_pvc_mode_and_compiler_options_reach_the_compiler(program_dir: Path) -> None:
    run = deploy_iris(
        program_dir,
        bucket=None,
        argo=ArgoTarget(artifacts="pvc", compiler_options={"pvc_size": "5Gi", "ttl_seconds": 3600}),
    )
    expected = template_document(
        workflow_ir(IRIS), artifacts="pvc", pvc_size="5Gi", ttl_seconds=3600
    )

    assert run.one(TEMPLATE).inputs == custom_resource_inputs(expected)
    assert lint(run.one(TEMPLATE).inputs) == []
    assert [r.type for r in run.resources if r.type in (OBJECT, CODE_ARCHIVE)] == []
    assert "code_uri" not in run.exports


def test_an_image_builder_supplies_the_image(program_dir: Path) -> None:
    run = run_program(
        functools.partial(
            programs.with_builder, name="iris", workflow=IRIS, workflow_path=str(EXAMPLES)
        ),
        cwd=program_dir,
    ).check()
    ir = workflow_ir(IRIS)
    image = run.one("test:index:Image")

    assert image.name == "iris-image"
    assert run.by_urn(image.parent).type == AXL_WORKFLOW
    ref = f"registry.example.com/iris-knn@sha256:{ir.short_hash()}"
    assert container_images(run.one(TEMPLATE).inputs["spec"]) == {ref}


def test_archive_warnings_are_logged_on_the_component(program_dir: Path, project: Project) -> None:
    (project.root / ".env").write_text("TOKEN=x\n")
    run = run_program(
        functools.partial(programs.axl_workflow, workflow=project.target, bucket="b-1"),
        cwd=program_dir,
    ).check()

    assert (
        "warning",
        "CodeArchive 'flow-code': .env looks like a credentials file and is included in the "
        "archive; list it in .axlignore to leave it out",
    ) in run.logs
