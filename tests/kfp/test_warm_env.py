"""warm_env on KFP: a root warm task, every root task that waits for no step waits for it.

``warm-env.yaml`` (tests/kfp/test_golden.py) is the golden file; these check
its parts by name, the sub-DAG of a condition, and the cases without a warm task.
"""

from __future__ import annotations

import pytest

from axl.compiler.kfp import KfpOptions
from axl.compiler.kfp.compiler import compile_documents
from axl.compiler.kfp.options import KfpCodeArchive
from axl.compiler.kfp.target import TARGET
from axl.ir import build_ir
from axl.manifest import EnvStore, Manifest, WarmManifest
from axl.packaging import CodeLocation
from tests.examples_wf.warm_env import Clash, WarmEnv
from tests.kfp.helpers import executor_of, tasks

ARCHIVE = KfpCodeArchive(
    uri="s3://axl/code/code-0123456789abcdef.tar.gz", digest="blake3:0123456789abcdef" + "0" * 48
)
STORE = EnvStore(uri="s3://axl/code/envs")
WARM = KfpOptions(code_archive=ARCHIVE, env_store=STORE, packages_policy="install")


def test_the_warm_task_is_at_the_root_and_the_first_tasks_wait_for_it():
    doc, _ = compile_documents(build_ir(WarmEnv), WARM)
    root = tasks(doc)
    assert "dependentTasks" not in root["axl-warm-env"]
    assert root["axl-warm-env"]["cachingOptions"] == {}  # KFP's cache off
    assert root["load"]["dependentTasks"] == ["axl-code", "axl-warm-env"]
    assert root["condition-1"]["dependentTasks"] == ["axl-code", "axl-warm-env"]
    assert root["fit"]["dependentTasks"] == ["axl-code", "load"]  # after it through load
    inner = doc["components"]["comp-condition-1"]["dag"]["tasks"]["announce"]
    assert "axl-warm-env" not in inner.get("dependentTasks", [])


def test_the_warm_executor_runs_the_warm_command_with_the_workflow_env():
    doc, platform = compile_documents(build_ir(WarmEnv), WARM)
    container = executor_of(doc, "axl-warm-env")["container"]
    assert container["command"] == ["python", "-m", "axl.runtime", "warm"]
    warm = WarmManifest.from_json(container["args"][1])
    assert warm.store == STORE and len(warm.sets) == 3
    assert container["env"] == [
        {"name": "UV_INDEX_URL", "value": "https://pypi.example.com/simple"}
    ]
    assert platform is not None
    secret = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-axl-warm-env"]
    assert secret["secretAsEnv"][0]["keyToEnv"] == [{"envVar": "TOKEN", "secretKey": "token"}]
    step = executor_of(doc, "load")["container"]
    assert Manifest.from_json(step["args"][1]).packages.store == STORE


@pytest.mark.parametrize(
    ("options", "why"),
    [
        (
            KfpOptions(code_archive=ARCHIVE, packages_policy="install"),
            "does not ship as an archive",
        ),
        (KfpOptions(code_archive=ARCHIVE, env_store=STORE), "the packages policy is 'check'"),
    ],
)
def test_without_a_store_or_the_install_policy_there_is_no_warm_task(options, why):
    compiled = TARGET.compile(build_ir(WarmEnv), options)
    assert "axl-warm-env" not in compiled.text and '"store"' not in compiled.text
    (warning,) = compiled.warnings
    assert why in warning
    assert TARGET.check(compiled) == []


def test_a_step_named_like_the_warm_step_gets_another_task():
    compiled = TARGET.compile(build_ir(Clash), WARM)
    assert TARGET.check(compiled) == []
    root = tasks(compiled.document)
    assert "axl-warm-env" in root and len(root) == 3  # the importer, the warm task, the step


def test_the_store_is_beside_the_code_archive():
    location = CodeLocation(
        key="ml/code/code-0123456789abcdef.tar.gz", digest="blake3:" + "ab" * 32, bucket="ml"
    )
    options = TARGET.with_code(KfpOptions(packages_policy="install"), location)
    assert options.env_store == EnvStore(uri="s3://ml/ml/code/envs")
