"""What a workflow's image installs: the project's lock, or its requirements, checked first."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from axl import Workflow, step
from axl.errors import StepOptionError
from axl.packaging.containerfile import ContainerfileSpec, render_containerfile
from tests.packaging.image_helpers import (
    PINNED_BASE,
    TARGET,
    axl,
    copy_project,
    error_lines,
    needs_uv,
    report,
)

FLOW = """
from axl import Workflow, step


class Flow(Workflow):
    name = "flow"
{options}

    @step{step_options}
    def one(self) -> int:
        return 1
"""


def project_with(tmp_path: Path, *, options: str = "", step_options: str = "", files=None) -> Path:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    indented = "\n".join(f"    {line}" for line in options.splitlines())
    (root / "flow.py").write_text(FLOW.format(options=indented, step_options=step_options))
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    return root


def bake(root: Path, target: str = "flow.py:Flow", *, as_json: bool = False):
    return axl(
        "build-image", "-m", target, "--tag", "localhost/flow:1", "--base", PINNED_BASE,
        "--no-build", "--context-out", str(root.parent / "ctx.tar"),
        *(["--json"] if as_json else []),
        cwd=root,
    )  # fmt: skip


def context_file(path: Path, name: str) -> str:
    with tarfile.open(path) as tar:
        member = tar.extractfile(name)
        assert member is not None
        return member.read().decode()


def assert_one_line_error(result, code: int, *parts: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = error_lines(result)
    assert lines[0].startswith("error: ") and len(lines) <= 2, result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


# --- the lock ---------------------------------------------------------------------------


@needs_uv
def test_the_lock_is_installed_frozen_without_dev_groups(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    result = report(
        axl(
            "build-image",
            "-m",
            TARGET,
            "--tag",
            "localhost/i:1",
            "--base",
            PINNED_BASE,
            "--no-build",
            "--context-out",
            str(tmp_path / "ctx.tar"),
            "--json",
            cwd=project,
        )  # fmt: skip
    )
    containerfile = context_file(tmp_path / "ctx.tar", "Containerfile")
    assert result["dependencies"] == "uv.lock"
    assert "uv sync --frozen --no-dev --inexact --no-install-project" in containerfile
    assert "--no-install-package axl-workflows --compile-bytecode" in containerfile


def _install_step(project: Path, out: Path) -> str:
    axl(
        "build-image", "-m", TARGET, "--tag", "localhost/i:1", "--base", PINNED_BASE,
        "--no-build", "--context-out", str(out), cwd=project,
    )  # fmt: skip
    text = context_file(out, "Containerfile")
    (line,) = [line for line in text.splitlines() if "AXL_DEPS_DIGEST=" in line]
    return line


@needs_uv
def test_the_install_step_names_the_digest_of_every_dependency_file(tmp_path: Path) -> None:
    """A builder's layer cache keys a step on its text, not on the files it bind-mounts: the
    digest in the text makes any change under deps/ rebuild the install, and only that."""
    project = copy_project(tmp_path / "p")
    first = _install_step(project, tmp_path / "1.tar")
    (project / "inventory" / "render.py").write_text(
        (project / "inventory" / "render.py").read_text() + "\n# a code-only change\n"
    )
    assert _install_step(project, tmp_path / "2.tar") == first
    pyproject = project / "pyproject.toml"  # a change the lock does not see
    pyproject.write_text(pyproject.read_text() + '\n[tool.inventory]\nformat = "grid"\n')
    assert _install_step(project, tmp_path / "3.tar") != first


@needs_uv
def test_a_stale_lock_is_an_error_naming_uv_lock(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("tabulate>=0.9", "tabulate>=0.8"))
    result = axl(
        "build-image", "-m", TARGET, "--tag", "localhost/i:1", "--base", PINNED_BASE,
        "--no-build", "--context-out", str(tmp_path / "ctx.tar"), cwd=project,
    )  # fmt: skip
    assert_one_line_error(result, 2, f"{project / 'uv.lock'}", "run `uv lock` in")
    assert not (tmp_path / "ctx.tar").exists()


def test_use_lockfile_without_a_lock_is_an_error_naming_uv_lock(tmp_path: Path) -> None:
    root = project_with(
        tmp_path,
        options="use_lockfile = True",
        files={"pyproject.toml": '[project]\nname = "flow"\nversion = "1"\n'},
    )
    result = bake(root)
    assert_one_line_error(result, 2, "has use_lockfile=True, but", "has no uv.lock", "`uv lock`")


def test_use_lockfile_without_a_pyproject_is_an_error(tmp_path: Path) -> None:
    root = project_with(tmp_path, options="use_lockfile = True", files={".git": ""})
    assert_one_line_error(bake(root), 2, "has no pyproject.toml")


def test_declared_dependencies_without_a_lock_are_refused(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "flow"\nversion = "1"\ndependencies = ["axl-workflows", "six"]\n'
    root = project_with(tmp_path, files={"pyproject.toml": pyproject})
    assert_one_line_error(bake(root), 2, "declares dependencies (six)", "`uv lock`")


@needs_uv
@pytest.mark.parametrize(
    ("package", "messages"),
    [
        ("six", ("step 'report' of workflow 'inventory' needs 'six'", "has no six", "uv add")),
        ("tabulate>=99", ("needs 'tabulate>=99'", "holds tabulate 0.10.0")),
    ],
)
def test_a_step_package_the_lock_does_not_satisfy_is_refused(tmp_path: Path, package, messages):
    project = copy_project(tmp_path / "p")
    flow = project / "inventory" / "flow.py"
    flow.write_text(
        flow.read_text().replace('packages=["tabulate>=0.9"]', f"packages=[{package!r}]")
    )
    assert_one_line_error(bake(project, TARGET), 2, *messages)


# --- requirements -------------------------------------------------------------------------


def test_requirements_without_a_lock(tmp_path: Path) -> None:
    root = project_with(
        tmp_path,
        options='requirements = ["six==1.16.0"]\nrequirements_file = "requirements.txt"',
        step_options='(packages=["tabulate>=0.9"])',
        files={"requirements.txt": "pyyaml==6.0.2 \\\n  --hash=sha256:abc\n", ".git": ""},
    )
    result = report(bake(root, as_json=True))
    out = root.parent / "ctx.tar"
    assert result["dependencies"] == "requirements"
    assert context_file(out, "deps/requirements.txt") == "pyyaml==6.0.2 \\\n  --hash=sha256:abc\n"
    assert context_file(out, "deps/packages.txt").splitlines()[1:] == [
        "six==1.16.0",
        "tabulate>=0.9",
    ]
    containerfile = context_file(out, "Containerfile")
    assert (
        "uv pip install --python /opt/axl/venv/bin/python --compile-bytecode "
        "-r /axl/deps/packages.txt -r /axl/deps/requirements.txt" in containerfile
    )
    assert result["warnings"] == [
        "requirement 'tabulate>=0.9' (step 'one') is not pinned with '==': the image may "
        "differ from build to build; pin it, or lock the project with uv"
    ]


def test_use_lockfile_false_ignores_the_lock(tmp_path: Path) -> None:
    root = project_with(
        tmp_path,
        options="use_lockfile = False",
        files={"pyproject.toml": '[project]\nname = "flow"\nversion = "1"\n', "uv.lock": "x"},
    )
    result = report(bake(root, as_json=True))
    assert result["dependencies"] == "none"
    containerfile = context_file(root.parent / "ctx.tar", "Containerfile")
    assert "uv sync" not in containerfile and "uv pip" not in containerfile


def test_a_missing_requirements_file_is_an_error(tmp_path: Path) -> None:
    root = project_with(tmp_path, options='requirements_file = "reqs/base.txt"', files={".git": ""})
    assert_one_line_error(bake(root), 2, "requirements_file 'reqs/base.txt' is not a file")


# --- the options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"use_lockfile": "yes"}, "use_lockfile='yes': expected True, False or None"),
        ({"requirements_file": "/etc/reqs.txt"}, "must be relative"),
        ({"requirements_file": "../reqs.txt"}, "must be relative"),
        ({"use_lockfile": True, "requirements_file": "r.txt"}, "both say where"),
    ],
)
def test_dependency_options_are_checked_when_the_class_is_defined(options, message) -> None:
    def one(self) -> int:
        return 1

    with pytest.raises(StepOptionError, match=message):
        type("Bad", (Workflow,), {"one": step(one), **options})


def test_options_are_kept_as_given() -> None:
    class Fine(Workflow):
        requirements_file = "reqs\\main.txt"
        use_lockfile = False

        @step
        def one(self) -> int:
            return 1

    assert (Fine.requirements_file, Fine.use_lockfile) == ("reqs/main.txt", False)


def test_label_values_cannot_expand_or_break_lines() -> None:
    spec = ContainerfileSpec(
        workflow="w",
        base=PINNED_BASE,
        axl_version="0.1.0",
        dependencies="none",
        dependency_files=(),
        dependency_digest="blake3:00",
        python_path=("/axl/code",),
        labels={"b": 'say "$HOME"\nnext', "a": "back\\slash"},
    )
    text = render_containerfile(spec)
    assert 'LABEL a="back\\\\slash" \\\n      b="say \\"\\$HOME\\" next"\n' in text
    assert text.endswith('ENTRYPOINT ["python", "-m", "axl.runtime"]\nCMD ["--help"]\n')
    assert "USER 1000:1000" in text and "ENV PYTHONPATH=/axl/code" in text
