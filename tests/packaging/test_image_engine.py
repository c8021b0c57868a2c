"""The container engines' commands: reproducible flags, offline builds, pinned bases, errors."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from axl.errors import EXIT_INFRA, EXIT_USAGE, UsageError
from axl.packaging.image_engine import Engine, EngineError, _reason, _repository, find_engine
from axl.packaging.image_reference import check_image_reference, load_build_report, parse_tag
from tests.packaging import image_helpers as helpers
from tests.packaging.image_helpers import PINNED_BASE, TARGET


def fake_engine(folder: Path, name: str, script: str) -> Path:
    """An executable ``name`` in ``folder`` that runs the Python ``script`` (argv in sys.argv)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport sys\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("name", ["podman", "buildah"])
def test_podman_and_buildah_build_with_the_reproducible_flags(tmp_path: Path, name) -> None:
    engine = Engine(name, f"/usr/bin/{name}", {})
    command = engine.build_command(
        tmp_path / "ctx", "registry.example/flow:1", tmp_path, build_args={"B": "2", "A": "1"}
    )
    assert command.argv == (
        f"/usr/bin/{name}", "build", "--file", str(tmp_path / "ctx" / "Containerfile"),
        "--pull=never", "--layers", "--timestamp", "0", "--identity-label=false",
        "--build-arg", "A=1", "--build-arg", "B=2",
        "--iidfile", str(tmp_path / "image-id"), "--tag", "registry.example/flow:1",
        str(tmp_path / "ctx"),
    )  # fmt: skip


@pytest.mark.parametrize("name", ["podman", "buildah", "docker"])
def test_no_cache_rebuilds_every_layer(tmp_path: Path, name) -> None:
    engine = Engine(name, name, {})
    assert "--no-cache" not in engine.build_command(tmp_path, "r/f:1", tmp_path).argv
    assert "--no-cache" in engine.build_command(tmp_path, "r/f:1", tmp_path, no_cache=True).argv


def test_an_offline_build_differs_only_by_a_mount_build_args_and_no_network(tmp_path) -> None:
    engine = Engine("podman", "podman", {})
    online = engine.build_command(tmp_path / "ctx", "r/f:1", tmp_path).argv
    offline = engine.build_command(tmp_path / "ctx", "r/f:1", tmp_path, uv_cache=tmp_path).argv
    added = [a for a in offline if a not in online]
    assert added == [
        "--build-arg",
        "UV_CACHE_DIR=/mnt",
        "--build-arg",
        "UV_OFFLINE=1",
        "--network=none",
        "--volume",
        f"{tmp_path}:/mnt",
    ]
    assert [a for a in online if a not in offline] == []


def test_a_ca_bundle_is_mounted_read_only_and_named_in_a_build_arg(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    argv = (
        Engine("buildah", "buildah", {})
        .build_command(tmp_path, "r/f:1", tmp_path, ca_bundle=bundle)
        .argv
    )
    assert "BUILD_CA_BUNDLE=/run/axl-build-ca.crt" in argv
    assert argv[argv.index("--volume") + 1] == f"{bundle}:/run/axl-build-ca.crt:ro"


@pytest.mark.parametrize("push", [False, True])
def test_docker_uses_buildx_with_rewritten_timestamps(tmp_path: Path, push: bool) -> None:
    command = Engine("docker", "docker", {}).build_command(
        tmp_path / "ctx", "r/f:1", tmp_path, push=push
    )
    argv = list(command.argv)
    assert argv[:3] == ["docker", "buildx", "build"]
    assert argv[argv.index("--build-arg") + 1] == "SOURCE_DATE_EPOCH=0"
    output = "type=image,push=true" if push else "type=docker"
    assert argv[argv.index("--output") + 1] == f"{output},name=r/f:1,rewrite-timestamp=true"
    assert "--provenance=false" in argv
    assert argv[argv.index("--metadata-file") + 1] == str(tmp_path / "metadata.json")


def test_docker_cannot_mount_a_cache_or_a_ca_bundle_into_a_build(tmp_path: Path) -> None:
    docker = Engine("docker", "docker", {})
    with pytest.raises(UsageError, match="--uv-cache needs a mount into the build"):
        docker.build_command(tmp_path, "r/f:1", tmp_path, uv_cache=tmp_path)
    with pytest.raises(UsageError, match="--ca-bundle needs a mount into the build"):
        docker.build_command(tmp_path, "r/f:1", tmp_path, ca_bundle=tmp_path / "ca.crt")


def test_the_base_is_pinned_by_image_id_or_repository_digest(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    podman = fake_engine(bin_dir, "podman", "print('abc123' if sys.argv[1] == 'image' else '')")
    assert Engine("podman", str(podman), {}).pin("localhost/base:1") == "sha256:abc123"
    digests = json.dumps(["other/x@sha256:11", "ghcr.io/o/runner@sha256:22"])
    docker = fake_engine(bin_dir, "docker", f"print({digests!r} + ' sha256:ff')")
    assert (
        Engine("docker", str(docker), {}).pin("ghcr.io/o/runner:1") == "ghcr.io/o/runner@sha256:22"
    )
    assert Engine("docker", str(docker), {}).pin(PINNED_BASE) == PINNED_BASE


def test_a_base_that_cannot_be_pulled_is_an_infrastructure_error(tmp_path: Path) -> None:
    podman = fake_engine(
        tmp_path, "podman", "print('Error: initializing source: no such host', file=sys.stderr)\n"
        "sys.exit(125)",
    )  # fmt: skip
    with pytest.raises(EngineError, match="pulling the base image b:1 failed: Error: init") as info:
        Engine("podman", str(podman), {}).pin("b:1")
    assert info.value.exit_code == EXIT_INFRA


def test_a_missing_engine_is_named(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path)}
    with pytest.raises(EngineError, match="buildah is not installed") as info:
        find_engine("buildah", env)
    assert info.value.exit_code == EXIT_INFRA
    with pytest.raises(EngineError, match="no container engine is installed"):
        find_engine(None, env)
    fake_engine(tmp_path, "docker", "")
    assert find_engine(None, env).name == "docker"


def test_cli_engine_not_installed_is_a_one_line_error_exit_4(tmp_path: Path) -> None:
    project = helpers.copy_project(tmp_path / "p")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = helpers.axl(
        "build-image", "-m", TARGET, "--tag", "localhost/i:1", "--engine", "buildah",
        cwd=project, env={"PATH": str(empty)},
    )  # fmt: skip
    assert result.returncode == EXIT_INFRA
    assert helpers.error_lines(result) == [
        "error: buildah is not installed (not found on PATH)",
        "  hint: install buildah, or pick another with --engine (docker, podman)",
    ]


@helpers.needs_uv
def test_cli_failed_build_is_a_one_line_error_exit_4(tmp_path: Path) -> None:
    project = helpers.copy_project(tmp_path / "p")
    bin_dir = tmp_path / "bin"
    fake_engine(
        bin_dir, "podman",
        "if sys.argv[1] == 'image':\n    print('sha256:' + '1' * 64)\n    sys.exit(0)\n"
        "print('STEP 2/9: RUN /opt/axl/venv/bin/python -c ...')\n"
        "print('axl build-image: the base image has no axl 0.1.0 in /opt/axl/venv; build on it')\n"
        "print('Error: building at STEP \"RUN\": exit status 1', file=sys.stderr)\n"
        "sys.exit(1)",
    )  # fmt: skip
    result = helpers.axl(
        "build-image", "-m", TARGET, "--tag", "localhost/i:1", "--engine", "podman",
        "--base", "localhost/axl-base:bookworm",
        cwd=project, env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    assert result.returncode == EXIT_INFRA, result.stderr
    errors = [
        line for line in helpers.error_lines(result) if line.startswith(("error:", "  hint:"))
    ]
    assert errors == [
        "error: podman build failed: the base image has no axl 0.1.0 in /opt/axl/venv; build on it",
        "  hint: the build's output is above",
    ]
    assert "Traceback" not in result.stderr


def test_the_reason_of_a_failure_is_axls_own_line_then_the_engines_error() -> None:
    failed = 'Error: building at STEP "RUN x || { echo "axl build-image: no axl" }": exit 1'
    assert _reason(["STEP 1", "axl build-image: no axl", failed]) == "no axl"
    assert _reason(["x", "Error: building at STEP", "cleanup"]) == "Error: building at STEP"
    assert _reason(["", "last words", " "]) == "last words"
    assert _reason([]) == "no output"


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("ghcr.io/o/runner:0.1.0", "ghcr.io/o/runner"),
        ("localhost:5000/flow:1", "localhost:5000/flow"),
        ("localhost:5000/flow", "localhost:5000/flow"),
        ("flow@sha256:ab", "flow"),
    ],
)
def test_repository_of_an_image_name(image: str, repository: str) -> None:
    assert _repository(image) == repository


def test_tags_need_a_repository_and_a_tag() -> None:
    assert parse_tag("registry.example.com:5000/team/flow:1.0") == (
        "registry.example.com:5000/team/flow",
        "1.0",
    )
    for bad in ("flow", "Flow:1", "flow:", "flow:-x", "flow@sha256:00", ""):
        with pytest.raises(UsageError, match="is not an image name with a tag"):
            parse_tag(bad)


def test_digest_references_must_be_well_formed() -> None:
    good = "registry.example/flow@sha256:" + "a" * 64
    assert check_image_reference(good) == good
    assert check_image_reference("registry.example/flow:1") == "registry.example/flow:1"
    with pytest.raises(UsageError, match="names a digest, but not as"):
        check_image_reference("registry.example/flow@sha256:abc")


def test_build_reports_that_cannot_pin_an_image(tmp_path: Path) -> None:
    path = tmp_path / "build.json"
    base = {"ok": True, "tag": "r/f:1", "workflow": "w", "hash": "blake3:00"}
    cases = [
        ("not json", "is not JSON"),
        (json.dumps({"ok": False}), "is not the report of a successful axl build-image"),
        (json.dumps({**base, "reference": None}), "was not pushed, so it has no digest"),
        (json.dumps({**base, "reference": "r/f@sha256:1"}), "is not REPOSITORY@sha256"),
    ]
    for text, message in cases:
        path.write_text(text)
        with pytest.raises(UsageError, match=message) as info:
            load_build_report(path)
        assert info.value.exit_code == EXIT_USAGE
    with pytest.raises(UsageError, match="cannot read the build report"):
        load_build_report(tmp_path / "missing.json")


_FAKE_PODMAN = """
import json, pathlib
args = sys.argv[1:]
log = pathlib.Path(__file__).with_name("calls.jsonl")
with log.open("a") as handle:
    handle.write(json.dumps(args) + "\\n")
if args[0] == "image":
    print("sha256:" + "1" * 64)
elif args[0] == "build":
    pathlib.Path(args[args.index("--iidfile") + 1]).write_text("sha256:" + "2" * 64)
elif args[0] == "push":
    pathlib.Path(args[args.index("--digestfile") + 1]).write_text("sha256:" + "3" * 64)
"""


@helpers.needs_uv
def test_push_reports_the_digest_that_compile_pins(tmp_path: Path) -> None:
    project = helpers.copy_project(tmp_path / "p")
    bin_dir = tmp_path / "bin"
    fake_engine(bin_dir, "podman", _FAKE_PODMAN)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    tag = "registry.example.com:5000/team/inventory:0.1.0"
    built = helpers.report(
        helpers.axl(
            "build-image",
            "-m",
            TARGET,
            "--tag",
            tag,
            "--base",
            "localhost/runner:1",
            "--push",
            "--json",
            cwd=project,
            env=env,
        )  # fmt: skip
    )
    digest = "sha256:" + "3" * 64
    assert (built["engine"], built["image_id"]) == ("podman", "sha256:" + "2" * 64)
    assert (built["digest"], built["pushed"]) == (digest, True)
    assert built["reference"] == f"registry.example.com:5000/team/inventory@{digest}"
    assert built["base"] == {"name": "localhost/runner:1", "pinned": "sha256:" + "1" * 64}
    calls = [json.loads(line) for line in (bin_dir / "calls.jsonl").read_text().splitlines()]
    assert [call[0] for call in calls] == ["image", "build", "push"]
    assert calls[2][-1] == tag
    report_file = tmp_path / "build.json"
    report_file.write_text(json.dumps(built))
    out = tmp_path / "inventory.yaml"
    compiled = helpers.axl(
        "compile", "-m", TARGET, "--target", "argo", "--image-from", str(report_file),
        "--out", str(out), cwd=project,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stderr
    assert out.read_text().count(f"image: {built['reference']}") == 3
