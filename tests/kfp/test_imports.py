"""Protobuf and kfp load only when a KFP compile needs them; without the extra, one line says so."""

from __future__ import annotations

import subprocess
import sys

import pytest

from axl.compiler.kfp import protos
from axl.errors import MissingDependencyError

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
