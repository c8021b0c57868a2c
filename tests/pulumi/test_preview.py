"""What ``pulumi preview`` would diff: the inputs two runs of the same program register."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from tests.pulumi import programs
from tests.pulumi.conftest import IRIS, REPO, Project
from tests.pulumi.expect import renamed
from tests.pulumi.harness import ProgramRun, is_unknown, run_program

EXAMPLES = REPO / "examples"


def deploy_both(project: Project, cwd: Path, preview: bool = False) -> ProgramRun:
    """A stack with the user's pipeline and the iris example, both with their code in S3."""
    program = functools.partial(
        programs.several,
        ("pipeline", {"workflow": project.target, "bucket": "axl-dev", "image": "runner:1"}),
        (
            "iris",
            {
                "workflow": IRIS,
                "workflow_path": str(EXAMPLES),
                "exclude": ("external_repo/",),
                "bucket": "axl-dev",
                "image": "runner:1",
            },
        ),
    )
    return run_program(program, cwd=cwd, preview=preview).check()


def changed(before: ProgramRun, after: ProgramRun) -> dict[str, list[str]]:
    """URN -> the top-level inputs whose values differ (the properties a diff would show)."""
    old, new = before.inputs_by_urn(), after.inputs_by_urn()
    assert old.keys() == new.keys()
    out = {}
    for urn in old:
        keys = sorted(
            k for k in old[urn].keys() | new[urn].keys() if old[urn].get(k) != new[urn].get(k)
        )
        if keys:
            out[urn] = keys
    return out


def test_unchanged_code_registers_byte_identical_inputs(project: Project, tmp_path: Path) -> None:
    # Two runs from two folders (a laptop and CI, say): nothing may differ, not even a path.
    first_dir, second_dir = tmp_path / "laptop", tmp_path / "ci"
    first_dir.mkdir()
    second_dir.mkdir()

    first = deploy_both(project, first_dir)
    second = deploy_both(project, second_dir)

    assert first.inputs_bytes() == second.inputs_bytes()
    assert len(first.resources) == 10
    assert first.exports == second.exports


def test_a_preview_knows_every_line_of_the_spec(project: Project, program_dir: Path) -> None:
    # In a preview the object to create has no outputs yet; the template is compiled with
    # the key known at program time, so its whole spec is known and diffable.
    preview = deploy_both(project, program_dir, preview=True)
    up = deploy_both(project, program_dir)

    objects = [r for r in preview.resources if r.name.endswith("-code-object")]
    templates = [r for r in preview.resources if r.name.endswith("-argo-template")]
    assert len(objects) == len(templates) == 2
    assert not any(is_unknown(t.inputs) for t in templates)
    assert preview.inputs_bytes() == up.inputs_bytes()
    assert all(is_unknown(preview.component_outputs[r.parent]["key"]) for r in objects)


def test_a_changed_step_changes_only_its_template_spec_and_archive_key(
    project: Project, program_dir: Path
) -> None:
    before = deploy_both(project, program_dir)
    project.edit_step("return sum(prepare) * self.scale", "return sum(prepare) * self.scale + 1")
    after = deploy_both(project, program_dir)

    obj = before.by_name("pipeline-code-object").urn
    template = before.by_name("pipeline-argo-template").urn
    assert changed(before, after) == {obj: ["key", "source"], template: ["metadata", "spec"]}

    # The object is replaced (its key names the new archive); iris is untouched.
    old_key = before.by_urn(obj).inputs["key"]
    new_key = after.by_urn(obj).inputs["key"]
    assert old_key != new_key
    assert old_key.startswith("axl/code/code-") and new_key.startswith("axl/code/code-")

    # Within the template only what names the new code moved: the archive key and digest,
    # and the workflow hash (labels, annotation, the train step's code digest feeds it).
    old_doc, new_doc = before.by_urn(template).inputs, after.by_urn(template).inputs
    old_hash = old_doc["metadata"]["annotations"]["axl.dev/ir-hash"]
    new_hash = new_doc["metadata"]["annotations"]["axl.dev/ir-hash"]
    old_digest = _code_digest(old_doc)
    new_digest = _code_digest(new_doc)
    assert len({old_hash, new_hash}) == 2 and len({old_digest, new_digest}) == 2
    renames = {
        old_key: new_key,
        old_digest: new_digest,
        old_hash: new_hash,
        old_hash.removeprefix("blake3:")[:12]: new_hash.removeprefix("blake3:")[:12],
    }
    assert renamed(old_doc, renames) == new_doc


def test_a_changed_helper_module_changes_the_archive_but_not_the_workflow_hash(
    project: Project, program_dir: Path
) -> None:
    before = deploy_both(project, program_dir)
    helpers = project.root / "flows" / "helpers.py"
    helpers.write_text(helpers.read_text().replace("[1, 2, 3]", "[1, 2, 3, 4]"))
    after = deploy_both(project, program_dir)

    obj = before.by_name("pipeline-code-object").urn
    template = before.by_name("pipeline-argo-template").urn
    assert changed(before, after) == {obj: ["key", "source"], template: ["spec"]}
    old_doc, new_doc = before.by_urn(template).inputs, after.by_urn(template).inputs
    assert old_doc["metadata"] == new_doc["metadata"]
    renames = {
        before.by_urn(obj).inputs["key"]: after.by_urn(obj).inputs["key"],
        _code_digest(old_doc): _code_digest(new_doc),
    }
    assert renamed(old_doc, renames) == new_doc


def _code_digest(document: dict[str, Any]) -> str:
    manifest = json.loads(document["spec"]["templates"][1]["container"]["args"][1])
    return str(manifest["code"]["digest"])
