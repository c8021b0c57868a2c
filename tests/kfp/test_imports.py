"""Protobuf and kfp load only when a KFP compile needs them; without the extra, one line says so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from axl.compiler.kfp import protos
from axl.errors import MissingDependencyError
from tests.kfp.helpers import ROOT

_HEAVY = "('google.protobuf', 'kfp')"


@pytest.mark.parametrize(
    "code",
    [
        "import axl",
        "import axl.runtime.__main__",
        "from axl.compiler.registry import all_targets; all_targets()",
    ],
)
def test_importing_axl_the_runner_or_the_targets_loads_no_protobuf(code: str):
    probe = f"{code}; import sys; print(sorted(m for m in {_HEAVY} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_missing_extra_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "kfp.pipeline_spec.pipeline_spec_pb2", None)
    with pytest.raises(MissingDependencyError, match=r"--target kfp needs the kfp extra") as info:
        protos.pipeline_spec_pb2()
    assert info.value.hint == "pip install 'axl-workflows[kfp]'"


def test_compiling_does_not_run_the_kfp_sdk_and_the_sdk_still_loads_afterwards(tmp_path):
    """The protos load by themselves (the SDK's ``kfp/__init__`` costs about 2 s)."""
    out = tmp_path / "pipeline.yaml"
    probe = (
        "import sys\n"
        "from axl.compiler.kfp import compile\n"
        "from axl.compiler.yaml_render import to_yaml\n"
        "from axl.ir import build_ir\n"
        "from tests.argo.helpers import Diamond\n"
        f"open({str(out)!r}, 'w').write(to_yaml(compile(build_ir(Diamond))))\n"
        "print('kfp' in sys.modules)\n"
        "from kfp import components\n"
        "from kfp.pipeline_spec import pipeline_spec_pb2\n"
        "assert pipeline_spec_pb2 is sys.modules['kfp.pipeline_spec.pipeline_spec_pb2']\n"
        f"print(components.load_component_from_file({str(out)!r}).name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "diamond"]
