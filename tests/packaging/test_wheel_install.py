"""The built distributions stand on their own: the sdist and wheel pass twine's checks, the
wheel holds what the package needs at run time (and no tests), and installed into a fresh
venv with only its declared dependencies it runs the quickstart from outside the checkout.
The extras (arrow, s3, kfp, dagster) are imported only by what asks for them.

The venv's dependencies are the lock's runtime set for axl-workflows (no dev group, no
extras), installed from uv's cache (``--offline``); only a cache that lacks one of them
makes the install go to the index. ``uv pip check`` then holds the wheel's own metadata
against what got installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import axl

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart.py"
DIST = f"axl_workflows-{axl.__version__}"
TIMEOUT = 300  # seconds for one command; a build or an install takes a few
# Each extra (pyproject.toml's optional-dependencies) and the main module it brings.
EXTRAS = {"arrow": "pyarrow", "s3": "boto3", "kfp": "kfp", "dagster": "dagster"}
EXTRA_MODULES = tuple(EXTRAS.values())


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


def uv() -> list[str]:
    """The uv command: on PATH, else the module of this or the system interpreter."""
    for command in (
        [shutil.which("uv") or "uv"],
        [sys.executable, "-m", "uv"],
        ["python3", "-m", "uv"],
    ):
        try:
            probe = subprocess.run([*command, "--version"], capture_output=True, timeout=60)
        except OSError:
            continue
        if probe.returncode == 0:
            return command
    pytest.fail("uv is needed to build and install the distributions: make setup installs it")


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a user's shell: nothing points back into this checkout or its venv."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env["HOME"] = str(home)
    env["AXL_PACKAGES_DIR"] = str(home / "axl-packages")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["NO_COLOR"] = "1"
    return env


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    if check and result.returncode != 0:
        pytest.fail(f"{command} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def python_c(
    python: str | Path, code: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -c code args...``, failing the test on a non-zero exit."""
    return run([str(python), "-c", code, *args], cwd=cwd, env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sdist, and the wheel uv builds from that sdist (so the sdist must be complete)."""
    out = tmp_path_factory.mktemp("dist")
    run([*uv(), "build", "--package", "axl-workflows", "--out-dir", str(out)], cwd=REPO)
    return Built(sdist=out / f"{DIST}.tar.gz", wheel=out / f"{DIST}-py3-none-any.whl")


@pytest.fixture(scope="module")
def venv(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel and its declared dependencies, nothing else."""
    work = tmp_path_factory.mktemp("venv")
    root = work / "venv"
    python = str(root / "bin" / "python")
    run([*uv(), "venv", "--quiet", "--python", sys.executable, str(root)], cwd=work)
    lock = work / "pylock.toml"
    run(
        [
            *uv(),
            "export",
            "--frozen",
            "--no-dev",
            "--package",
            "axl-workflows",
            "--no-emit-project",
            "--format",
            "pylock.toml",
            "--quiet",
            "-o",
            str(lock),
        ],
        cwd=REPO,
    )
    install = [*uv(), "pip", "install", "--quiet", "--python", python, "-r", str(lock)]
    if run([*install, "--offline"], cwd=work, check=False).returncode != 0:
        run(install, cwd=work)  # the cache lacks a dependency: fetch it from the index
    run(
        [
            *uv(),
            "pip",
            "install",
            "--quiet",
            "--offline",
            "--no-deps",
            "--python",
            python,
            str(built.wheel),
        ],
        cwd=work,
    )
    run([*uv(), "pip", "check", "--python", python], cwd=work)
    return root


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder outside the checkout holding a copy of the quickstart."""
    (tmp_path / "home").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(QUICKSTART, work / "quickstart.py")
    return work


def extras() -> dict[str, list[str]]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def test_the_sdist_and_the_wheel_pass_twine_check(built: Built) -> None:
    result = run(
        [sys.executable, "-m", "twine", "check", "--strict", str(built.sdist), str(built.wheel)],
        cwd=built.wheel.parent,
    )

    assert result.stdout.count("PASSED") == 2


def test_the_wheel_holds_the_package_its_data_and_its_metadata_only(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"{DIST}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"{DIST}.dist-info/entry_points.txt").decode()
    tracked = subprocess.run(
        ["git", "ls-files", "axl"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()

    assert {name.split("/")[0] for name in names} == {"axl", f"{DIST}.dist-info"}
    assert [path for path in tracked if (REPO / path).is_file() and path not in names] == []
    assert "axl/py.typed" in names
    assert {"axl/compiler/argo/schemas/PROVENANCE.md"} <= names
    assert any(
        n.startswith("axl/compiler/argo/schemas/v") and n.endswith("/workflow.json") for n in names
    )
    assert f"{DIST}.dist-info/licenses/LICENSE" in names
    assert not [n for n in names if "/tests/" in n or n.startswith("tests/") or "__pycache__" in n]
    assert "axl = axl.cli.app:main" in entry_points
    provided = {
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Provides-Extra:")
    }
    assert provided == set(extras()) == set(EXTRAS)
    for extra, module in EXTRAS.items():
        assert any(req.startswith(module) for req in extras()[extra]), (extra, module)


def test_the_sdist_holds_the_sources_and_nothing_else(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = sdist.getnames()
    top = {name.split("/")[1] for name in names if name.count("/") >= 1}

    assert {n.split("/")[0] for n in names} == {DIST}
    assert top <= {"axl", "pyproject.toml", "README.md", "LICENSE", "PKG-INFO", ".gitignore"}
    assert {"axl", "pyproject.toml", "README.md", "LICENSE", "PKG-INFO"} <= top


# A helper for the scripts below (run by this checkout's interpreter, which has `packaging`):
# closure(names, path) is the distributions `names` need, following each one's Requires-Dist
# without extras, as installed at `path` (default: this interpreter's sys.path).
CLOSURE = """
import importlib.metadata as md, json, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

def closure(names, path=None):
    found = {canonicalize_name(d.metadata["Name"]): d for d in md.distributions(path=path or sys.path)}
    seen, todo = set(), list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen or name not in found:
            continue
        seen.add(name)
        for line in found[name].requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen
"""


def test_the_venv_holds_the_wheel_and_its_declared_dependencies_only(venv: Path) -> None:
    # The closure of the installed axl-workflows' Requires-Dist (no extras), read with this
    # interpreter's `packaging` from the venv's site-packages: nothing of the dev group.
    script = (
        CLOSURE
        + """
site = sys.argv[1:]
installed = {canonicalize_name(d.metadata["Name"]) for d in md.distributions(path=site)}
needed = closure(["axl-workflows"], site)
print(json.dumps({"installed": sorted(installed), "needed": sorted(needed)}))
"""
    )
    site = python_c(
        venv / "bin" / "python", "import site; print(site.getsitepackages()[0])", cwd=venv
    )
    found = json.loads(python_c(sys.executable, script, site.stdout.strip(), cwd=venv).stdout)

    assert found["installed"] == found["needed"]
    assert "axl-workflows" in found["installed"]
    assert not {"pytest", "ruff", "mypy", *EXTRA_MODULES} & set(found["installed"])


def test_the_installed_cli_runs_the_quickstart_from_outside_the_checkout(
    venv: Path, workdir: Path
) -> None:
    env = clean_env(workdir.parent / "home")
    axl_bin = str(venv / "bin" / "axl")

    where = python_c(
        venv / "bin" / "python", "import axl; print(axl.__file__)", cwd=workdir, env=env
    )
    help_text = run([axl_bin, "--help"], cwd=workdir, env=env).stdout
    version = run([axl_bin, "--version"], cwd=workdir, env=env).stdout
    validate = run([axl_bin, "validate", "-m", "quickstart.py"], cwd=workdir, env=env)
    local = run([axl_bin, "run", "local", "-m", "quickstart.py"], cwd=workdir, env=env)

    assert Path(where.stdout.strip()).is_relative_to(venv)
    for command in ("validate", "compile", "run", "runs", "graph"):
        assert f"\n  {command} " in help_text
    assert axl.__version__ in version
    assert validate.stdout.startswith("hello (quickstart:Hello): 3 steps, 2 edges\n")
    assert "result: report = 2" in local.stdout
    assert "succeeded" in local.stdout
    assert len(list((workdir / ".axl" / "runs").iterdir())) == 1


# Saving a table with the arrow handler where pyarrow is not installed.
ARROW_WITHOUT_PYARROW = """
from pathlib import Path
from axl.errors import AxlError
from axl.io.arrow import ArrowHandler
try:
    ArrowHandler().save(None, Path("t.arrow"))
except AxlError as e:
    print(e.code, e.exit_code, e.message, e.hint, sep="|")
"""


def test_without_an_extra_the_feature_that_needs_it_says_which_to_install(
    venv: Path, workdir: Path
) -> None:
    env = clean_env(workdir.parent / "home")
    python = str(venv / "bin" / "python")
    absent = python_c(
        python,
        "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])",
        *EXTRA_MODULES,
        cwd=workdir,
        env=env,
    )
    kfp = run(
        [
            str(venv / "bin" / "axl"),
            "compile",
            "-m",
            "quickstart.py",
            "--target",
            "kfp",
            "-o",
            "out.yaml",
            "--json",
        ],
        cwd=workdir,
        env=env,
        check=False,
    )
    arrow = python_c(python, ARROW_WITHOUT_PYARROW, cwd=workdir, env=env)

    assert absent.stdout.strip() == "[]"  # the premise: no extra is installed here
    assert kfp.returncode == 4
    assert json.loads(kfp.stdout) == {
        "ok": False,
        "error": {
            "code": "missing_dependency",
            "message": "--target kfp needs the kfp extra (kfp is missing)",
            "hint": "pip install 'axl-workflows[kfp]'",
        },
    }
    assert "Traceback" not in kfp.stderr
    assert not (workdir / "out.yaml").exists()
    assert arrow.stdout.strip() == (
        "missing_dependency|4|the arrow IO handler needs pyarrow, which is not installed"
        "|install axl-workflows[arrow]"
    )


# Runs an axl command in this process and prints, at exit, the extras' top-level modules it
# imported. The extras' modules are found from the installed metadata (every top-level module
# of a distribution an extra brings, less those the core dependencies bring too).
IMPORTS_PROBE = (
    CLOSURE
    + """
import atexit

core, extra = set(), set()
for line in md.distribution("axl-workflows").requires or []:
    req = Requirement(line)
    (extra if req.marker is not None and "extra" in str(req.marker) else core).add(req.name)
modules = {}
for module, dists in md.packages_distributions().items():
    for dist in dists:
        modules.setdefault(canonicalize_name(dist), set()).add(module)
core_modules = set().union(*(modules.get(d, set()) for d in closure(core)))
extra_modules = set().union(*(modules.get(d, set()) for d in closure(extra) - closure(core))) - core_modules

def report():
    loaded = {name.split(".")[0] for name in sys.modules} - probe_modules
    print("EXTRAS-IMPORTED " + json.dumps(sorted(loaded & extra_modules)), file=sys.stderr)
    print("EXTRAS-KNOWN " + json.dumps(sorted(extra_modules)), file=sys.stderr)

probe_modules = {name.split(".")[0] for name in sys.modules}  # this probe's own (packaging)
atexit.register(report)
sys.argv = ["axl", *sys.argv[1:]]
from axl.cli.app import main
main()
"""
)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["validate", "-m", "quickstart.py"], ["run", "local", "-m", "quickstart.py"]],
    ids=["help", "validate", "run-local"],
)
def test_the_commands_import_no_extra_even_where_the_extras_are_installed(
    workdir: Path, args: list[str]
) -> None:
    # This checkout's venv has every extra installed: the commands must still not import them.
    result = run(
        [sys.executable, "-c", IMPORTS_PROBE, *args],
        cwd=workdir,
        env=clean_env(workdir.parent / "home"),
    )
    lines = dict(
        line.split(" ", 1) for line in result.stderr.splitlines() if line.startswith("EXTRAS-")
    )

    assert set(EXTRA_MODULES) <= set(json.loads(lines["EXTRAS-KNOWN"]))
    assert json.loads(lines["EXTRAS-IMPORTED"]) == []
