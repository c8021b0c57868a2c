"""Baked images under Pulumi's mocks: ``WorkflowImage`` builds ``axl build-image``'s context, and
``AxlWorkflow(image=ImageTarget(...))`` runs every step of every target by the pushed digest."""

from __future__ import annotations

import functools
import json
import re
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from axl_pulumi import ArgoTarget, ComponentError, ImageTarget, KfpTarget

from axl.errors import UsageError
from axl.packaging.dependencies import DependencyError
from tests.packaging.image_helpers import PINNED_BASE, TARGET, axl, copy_project, needs_uv, report
from tests.pulumi import image_programs
from tests.pulumi.expect import (
    AXL_WORKFLOW,
    TEMPLATE,
    custom_resource_inputs,
    lint,
    template_document,
    workflow_ir,
)
from tests.pulumi.harness import ProgramRun, is_unknown, run_program
from tests.pulumi.kfp_expect import axl_compile
from tests.pulumi.kfp_programs import KFP_PIPELINE
from tests.pulumi.test_preview import changed

pytestmark = needs_uv

IMAGE = image_programs.IMAGE
WORKFLOW_IMAGE = image_programs.WORKFLOW_IMAGE
REPOSITORY = "registry.example.com/team/inventory"
HOST = "https://kfp.example.com"


def target_of(project: Path) -> str:
    return f"{project / TARGET}"


def bake(program_dir: Path, project: Path, preview: bool = False, **kwargs: Any) -> ProgramRun:
    """An ``AxlWorkflow`` of the baked example project, its image built on a pinned base."""
    options: dict[str, Any] = {"name": "inventory", "workflow": target_of(project), **kwargs}
    image = {"repository": REPOSITORY, "base": PINNED_BASE, **options.pop("image_options", {})}
    options.setdefault("image", ImageTarget(**image))
    program = functools.partial(image_programs.axl_workflow, **options)
    return run_program(program, cwd=program_dir, preview=preview)


def build_alone(program_dir: Path, project: Path, **kwargs: Any) -> ProgramRun:
    """A ``WorkflowImage`` of the project on its own."""
    options = {"workflow": target_of(project), "repository": REPOSITORY, "base": PINNED_BASE}
    program = functools.partial(image_programs.workflow_image, **{**options, **kwargs})
    return run_program(program, cwd=program_dir)


def cli_context(project: Path, out: Path) -> dict[str, Any]:
    """``axl build-image --no-build``'s report, its context written to ``out``."""
    result = axl(
        "build-image", "-m", TARGET, "--tag", f"{REPOSITORY}:1", "--base", PINNED_BASE,
        "--no-build", "--context-out", str(out), "--json",
        cwd=project,
    )  # fmt: skip
    return report(result)


def folder_entries(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """``path -> (mode, content)`` of every entry under ``folder`` (folders: no content)."""
    out: dict[str, tuple[int, bytes | None]] = {}
    for path in sorted(folder.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        content = path.read_bytes() if path.is_file() else None
        out[path.relative_to(folder).as_posix()] = (mode, content)
    return out


def tar_entries(tar_path: Path) -> dict[str, tuple[int, bytes | None]]:
    with tarfile.open(tar_path) as tar:
        return {
            m.name: (m.mode, tar.extractfile(m).read() if m.isfile() else None)  # type: ignore[union-attr]
            for m in tar.getmembers()
        }


def container_images(spec: dict[str, Any]) -> set[str]:
    return {t["container"]["image"] for t in spec["templates"] if "container" in t}


def kfp_images(spec: str) -> set[str]:
    executors = yaml.safe_load(spec)["deploymentSpec"]["executors"]
    return {e["container"]["image"] for e in executors.values()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "inventory-report")


def test_the_image_is_a_docker_build_image_of_the_context_axl_build_image_writes(
    program_dir: Path, project: Path, tmp_path: Path
) -> None:
    run = build_alone(
        program_dir, project, tags=["0.1.0", "latest"], platforms=["linux/amd64", "linux/arm64"]
    ).check()
    expected = cli_context(project, tmp_path / "cli.tar")
    hex16 = expected["context"]["digest"].removeprefix("blake3:")[:16]
    location = f".axl/images/context-{hex16}"

    image = run.one(IMAGE)
    assert image.custom and image.name == "image-build"
    assert run.by_urn(image.parent).type == WORKFLOW_IMAGE
    assert image.inputs == {
        "context": {"location": location},
        "dockerfile": {"location": f"{location}/Containerfile"},
        "tags": [f"{REPOSITORY}:0.1.0", f"{REPOSITORY}:latest"],
        "labels": expected["labels"],
        "push": True,
        "platforms": ["linux/amd64", "linux/arm64"],
        "buildArgs": {"BASE_IMAGE": PINNED_BASE, "SOURCE_DATE_EPOCH": "0"},
        "buildOnPreview": True,
        "network": "default",
    }
    # The folder holds the CLI's context tar, file for file, modes included.
    assert folder_entries(program_dir / location) == tar_entries(tmp_path / "cli.tar")
    labels = image.inputs["labels"]
    assert labels["axl.dev/workflow-ref"] == "inventory.flow:Inventory"
    assert labels["axl.dev/dependencies"] == "uv.lock"
    assert labels["org.opencontainers.image.base.digest"] == PINNED_BASE.split("@")[1]

    digest = image_programs.image_digest(image.inputs)
    outputs = {
        "digest": digest,
        "ref": f"{REPOSITORY}@{digest}",
        "tags": [f"{REPOSITORY}:0.1.0", f"{REPOSITORY}:latest"],
        "context_digest": expected["context"]["digest"],
    }
    assert run.component_outputs[run.one(WORKFLOW_IMAGE).urn] == outputs
    assert run.exports == outputs


def test_without_tags_the_image_is_tagged_after_its_context(
    program_dir: Path, project: Path
) -> None:
    run = build_alone(program_dir, project).check()

    context = run.exports["context_digest"].removeprefix("blake3:")
    assert run.one(IMAGE).inputs["tags"] == [f"{REPOSITORY}:context-{context[:16]}"]
    assert "platforms" not in run.one(IMAGE).inputs


def test_a_base_given_by_tag_is_built_on_as_it_is(program_dir: Path, project: Path) -> None:
    base = "ghcr.io/axl-workflows/runner:0.1.0"
    run = build_alone(program_dir, project, base=base).check()

    inputs = run.one(IMAGE).inputs
    assert inputs["buildArgs"]["BASE_IMAGE"] == base
    assert inputs["labels"]["org.opencontainers.image.base.name"] == base
    assert inputs["labels"]["org.opencontainers.image.base.digest"] == ""
    location = program_dir / inputs["context"]["location"]
    assert f"ARG BASE_IMAGE={base}\n" in (location / "Containerfile").read_text()


def test_a_build_dir_inside_the_project_stays_out_of_its_own_context(
    program_dir: Path, project: Path
) -> None:
    first = build_alone(program_dir, project, build_dir=str(project / "build")).check()
    second = build_alone(program_dir, project, build_dir=str(project / "build")).check()

    assert first.exports["context_digest"] == second.exports["context_digest"]
    location = project / "build" / f"context-{first.exports['context_digest'][7:23]}"
    assert first.one(IMAGE).inputs["context"] == {"location": str(location)}
    assert not (location / "code" / "build").exists()


def test_a_repository_from_another_resource_is_checked_when_it_resolves(
    program_dir: Path, project: Path
) -> None:
    fine = run_program(
        functools.partial(image_programs.repository_output, target_of(project), REPOSITORY),
        cwd=program_dir,
    ).check()
    tagged = run_program(
        functools.partial(image_programs.repository_output, target_of(project), f"{REPOSITORY}:1"),
        cwd=program_dir,
    )

    assert fine.exports["ref"].startswith(f"{REPOSITORY}@sha256:")
    with pytest.raises(ComponentError, match=r"repository '.*:1' has a tag \('1'\)"):
        tagged.raise_error()


def test_an_unpushed_image_has_no_reference(program_dir: Path, project: Path) -> None:
    run = build_alone(program_dir, project, push=False).check()

    assert run.one(IMAGE).inputs["push"] is False
    assert run.exports["digest"] == "" and run.exports["ref"] == ""


def test_every_step_of_every_target_runs_the_pushed_digest(
    program_dir: Path, project: Path
) -> None:
    run = bake(
        program_dir,
        project,
        targets=["argo", "kfp"],
        kfp=KfpTarget(host=HOST),
        image_options={"tags": ["0.1.0"]},
    ).check()
    image = run.one(IMAGE)
    ref = f"{REPOSITORY}@{image_programs.image_digest(image.inputs)}"
    ir = workflow_ir(target_of(project))

    # The image is the workflow's child; no code archive is made.
    assert sorted((r.type, r.name) for r in run.resources) == [
        ("axl:index:ArgoWorkflowTemplate", "inventory-argo"),
        (AXL_WORKFLOW, "inventory"),
        (WORKFLOW_IMAGE, "inventory-image"),
        (IMAGE, "inventory-image-build"),
        (TEMPLATE, "inventory-argo-template"),
        (KFP_PIPELINE, "inventory-kfp"),
    ]
    assert run.by_urn(run.one(WORKFLOW_IMAGE).parent).type == AXL_WORKFLOW

    # Argo: the compiler's own document for --image REF, every template on the digest.
    template = run.one(TEMPLATE)
    assert template.inputs == custom_resource_inputs(template_document(ir, image=ref))
    assert container_images(template.inputs["spec"]) == {ref}
    assert ":0.1.0" not in json.dumps(template.inputs)
    assert "axl-code" not in json.dumps(template.inputs)
    assert lint(template.inputs) == []
    assert image.urn in template.dependencies

    # KFP: what `axl compile --target kfp --image REF` prints.
    pipeline = run.one(KFP_PIPELINE)
    assert pipeline.inputs["spec"] == axl_compile(target_of(project), "--image", ref)
    assert kfp_images(pipeline.inputs["spec"]) == {ref}
    assert image.urn in pipeline.dependencies

    assert run.exports["image_ref"] == ref
    assert run.exports["image_digest"] == ref.split("@")[1]
    assert run.exports["image_tags"] == [f"{REPOSITORY}:0.1.0"]
    assert "code_uri" not in run.exports


def test_unchanged_code_in_two_copies_registers_identical_inputs(tmp_path: Path) -> None:
    # A laptop and CI: two checkouts at different paths, umasks and times, two program folders.
    first = copy_project(tmp_path / "laptop" / "inventory-report", umask=0o022, mtime=0)
    second = copy_project(tmp_path / "ci" / "deeper" / "checkout", umask=0o077)
    runs = []
    for project, folder in ((first, tmp_path / "laptop-stack"), (second, tmp_path / "ci-stack")):
        folder.mkdir()
        runs.append(bake(folder, project, targets=["argo", "kfp"], kfp=KfpTarget(host=HOST)))

    assert runs[0].check().inputs_bytes() == runs[1].check().inputs_bytes()
    assert runs[0].exports == runs[1].exports
    assert not is_unknown(runs[0].one(IMAGE).inputs)


def test_a_code_only_change_is_a_new_context_a_new_digest_and_a_new_spec(
    program_dir: Path, project: Path
) -> None:
    before = bake(program_dir, project).check()
    render = project / "inventory" / "render.py"
    render.write_text(render.read_text() + "\n# a helper's comment\n")
    after = bake(program_dir, project).check()

    image, template = before.one(IMAGE), before.one(TEMPLATE)
    assert changed(before, after) == {
        image.urn: ["context", "dockerfile", "labels", "tags"],
        template.urn: ["spec"],
    }
    old_labels, new_labels = image.inputs["labels"], after.one(IMAGE).inputs["labels"]
    assert {k for k in old_labels if old_labels[k] != new_labels[k]} == {"axl.dev/code-digest"}
    old_ref, new_ref = before.exports["image_ref"], after.exports["image_ref"]
    assert old_ref != new_ref
    old_spec = json.dumps(template.inputs["spec"])
    assert old_spec.replace(old_ref, new_ref) == json.dumps(after.one(TEMPLATE).inputs["spec"])
    # Both contexts stay on disk, each in the folder its digest names.
    assert len(list((program_dir / ".axl" / "images").iterdir())) == 2


def test_a_preview_knows_the_build_and_leaves_the_digest_to_it(
    program_dir: Path, project: Path
) -> None:
    preview = bake(program_dir, project, preview=True).check()
    up = bake(program_dir, project).check()

    assert preview.one(IMAGE).inputs == up.one(IMAGE).inputs
    assert is_unknown(preview.one(TEMPLATE).inputs["spec"])


def test_steps_with_an_image_of_their_own_keep_it_with_a_warning(
    program_dir: Path, project: Path
) -> None:
    flow = project / "inventory" / "flow.py"
    flow.write_text(
        flow.read_text().replace(
            '@step(packages=["tabulate>=0.9"])',
            '@step(packages=["tabulate>=0.9"], image="python:3.12")',
        )
    )
    run = bake(program_dir, project).check()

    ref = run.exports["image_ref"]
    assert container_images(run.one(TEMPLATE).inputs["spec"]) == {ref, "python:3.12"}
    assert (
        "warning",
        "AxlWorkflow 'inventory': step(s) report name their own image and do not run the baked one",
    ) in run.logs


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"repository": f"{REPOSITORY}:1.0"},
            rf"^WorkflowImage 'image': repository '{REPOSITORY}:1\.0' has a tag \('1\.0'\) "
            rf"\(pass repository='{REPOSITORY}' and tags=\['1\.0'\]\)$",
        ),
        (
            {"repository": f"{REPOSITORY}@sha256:{'a' * 64}"},
            r"repository .* names a digest; the build makes the digest \(pass the repository "
            rf"alone: repository='{REPOSITORY}'\)$",
        ),
        (
            {"repository": "Registry/Team"},
            r"^WorkflowImage 'image': repository 'Registry/Team' is not an image repository",
        ),
        ({"tags": ["v1", "a:b"]}, r"tag 'a:b' is not an image tag"),
        ({"tags": "v1"}, r"tags='v1' must be a non-empty list of tags"),
        ({"platforms": ["linux/amd65"]}, r"unknown platform\(s\) 'linux/amd65'"),
        ({"build_options": {"tags": ["x"]}}, r"build_options cannot set tags"),
        ({"build_options": {"cache_form": []}}, r"build_options has no argument\(s\) cache_form"),
    ],
)
def test_bad_image_arguments_are_refused_before_anything_is_registered(
    program_dir: Path, project: Path, options: dict[str, Any], message: str
) -> None:
    run = build_alone(program_dir, project, **options)

    with pytest.raises(ComponentError, match=message):
        run.raise_error()
    assert run.resources == ()


def test_a_base_named_by_a_bad_digest_is_refused(program_dir: Path, project: Path) -> None:
    run = build_alone(program_dir, project, base="localhost/axl-runner@sha256:abc")

    with pytest.raises(
        UsageError, match=r"^WorkflowImage 'image': base: image 'localhost/axl-runner@sha256:abc'"
    ):
        run.raise_error()


def test_a_project_without_its_lock_is_refused(program_dir: Path, project: Path) -> None:
    (project / "uv.lock").unlink()
    run = bake(program_dir, project)

    with pytest.raises(
        DependencyError,
        match=r"^WorkflowImage 'inventory-image': workflow 'inventory' has use_lockfile=True, "
        r"but .* has no uv\.lock \(run `uv lock` in",
    ):
        run.raise_error()
    assert not any(r.type == IMAGE for r in run.resources)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"bucket": "axl-dev"},
            r"^AxlWorkflow 'inventory': image=ImageTarget\(\.\.\.\) bakes the code into the "
            r"image, so there is no code archive for bucket= \(leave them out",
        ),
        (
            {"prefix": "ml/code", "archive_dir": "out"},
            r"no code archive for prefix=, archive_dir=",
        ),
        (
            {"image_options": {"push": False}},
            r"ImageTarget\(push=False\): the steps run the image by digest, which only a pushed "
            r"image has \(pass push=True",
        ),
        (
            {"argo": ArgoTarget(compiler_options={"packages_policy": "install"})},
            r"argo packages_policy='install' with a baked image",
        ),
        (
            {"build": image_programs.programs.FakeImageBuilder()},
            r"pass image= or build=, not both",
        ),
    ],
)
def test_a_baked_image_refuses_what_contradicts_it(
    program_dir: Path, project: Path, options: dict[str, Any], message: str
) -> None:
    run = bake(program_dir, project, **options)

    with pytest.raises(ComponentError, match=message):
        run.raise_error()
    assert run.resources == ()


def test_a_workflow_whose_every_step_has_its_own_image_is_refused(
    program_dir: Path, project: Path
) -> None:
    flow = project / "inventory" / "flow.py"
    flow.write_text(
        flow.read_text().replace(
            "    use_lockfile = True\n", '    use_lockfile = True\n    image = "python:3.12"\n'
        )
    )
    run = bake(program_dir, project)

    with pytest.raises(
        ComponentError,
        match=re.escape("every step of workflow 'inventory' names its own image"),
    ):
        run.raise_error()
