"""Golden files: the compiled pipeline of each example, byte for byte, strict in KFP's own terms.

Regenerate deliberately with ``pytest tests/kfp --update-golden`` and review the diff.
"""

from __future__ import annotations

import pytest
import yaml
from google.protobuf import json_format
from kfp import components
from kfp.kubernetes import kubernetes_executor_config_pb2
from kfp.pipeline_spec import pipeline_spec_pb2

from axl.compiler.kfp import KfpOptions
from axl.compiler.kfp.checks import platform_errors, structure_errors
from axl.compiler.kfp.options import KfpCodeArchive
from axl.compiler.kfp.target import TARGET
from axl.compiler.kfp.target import TARGET as CACHE_TARGET
from axl.compiler.yaml_render import to_yaml
from axl.ir import build
from axl.planning.warm import env_store_at
from tests.fixtures.golden import ROOT, example_targets, golden_cache, load_class

GOLDEN = ROOT / "tests" / "golden" / "kfp"

# What `axl compile --target kfp --code-bucket s3://axl/code` writes for the external project
# (a fixed fake digest here): the archive imported by its URI, the workflow imported from it.
CODE_OPTIONS = KfpOptions(
    code_archive=KfpCodeArchive(
        uri="s3://axl/code/code-0123456789abcdef.tar.gz",
        digest="blake3:0123456789abcdef" + "0" * 48,
    ),
    workflow_ref="wordstats.flow:WordStats",
)

# warm_env with `--packages install`: the warm task at the root, every step after it.
WARM_OPTIONS = KfpOptions(
    code_archive=KfpCodeArchive(
        uri="s3://axl/code/code-0123456789abcdef.tar.gz",
        digest="blake3:0123456789abcdef" + "0" * 48,
    ),
    env_store=env_store_at("axl", "code/code-0123456789abcdef.tar.gz"),
    packages_policy="install",
)

# (golden file, target, options): linear, diamond-like, fan-in of 20, params and every form of
# `when`, nested conditions, retries/resources/secrets/timeouts/images, a code archive, warm_env.
CACHE_OPTIONS = CACHE_TARGET.with_cache(KfpOptions(), golden_cache(), "cache-credentials")

CASES = [
    ("iris-knn.yaml", "examples/iris_knn.py:IrisKNN", KfpOptions()),
    ("churn.yaml", "examples/churn_workflow.py:ChurnWorkflow", KfpOptions()),
    ("quickstart.yaml", "examples/quickstart.py:Hello", KfpOptions()),
    ("fan-in-20.yaml", "tests/examples_wf/fan_in.py:FanIn", KfpOptions()),
    ("conditions.yaml", "tests/examples_wf/conditions.py:Conditions", KfpOptions()),
    ("nested-conditions.yaml", "tests/kfp/condition_workflows.py:Nested", KfpOptions()),
    ("step-options.yaml", "tests/examples_wf/step_options.py:StepOptions", KfpOptions()),
    (
        "word-stats-code.yaml",
        "examples/external_repo/src/wordstats/flow.py:WordStats",
        CODE_OPTIONS,
    ),
    ("warm-env.yaml", "tests/examples_wf/warm_env.py:WarmEnv", WARM_OPTIONS),
    # --cache-store s3://axl-cache/steps --cache-secret cache-credentials: the cached steps'
    # manifests get the store, the code and lock digests, the credentials from the Secret
    ("cached.yaml", "tests/examples_wf/cached.py:Cached", CACHE_OPTIONS),
]


def compile_target(target: str, options: KfpOptions) -> str:
    result = build(load_class(target))
    assert result.warnings == ()
    compiled = TARGET.compile(result.ir, options)
    assert compiled.warnings == ()
    assert TARGET.check(compiled) == []
    return compiled.text


@pytest.mark.parametrize(("name", "target", "options"), CASES, ids=[c[0] for c in CASES])
def test_golden(name, target, options, golden):
    golden.check(GOLDEN / name, compile_target(target, options))


def test_every_example_has_a_golden_case():
    covered = {target for _, target, _ in CASES}
    missing = sorted(example_targets() - covered)
    assert not missing, f"add a golden case for {', '.join(missing)}"


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_golden_files_parse_strictly_and_load_in_the_kfp_sdk(name):
    path = GOLDEN / name
    text = path.read_text(encoding="utf-8")
    documents = list(yaml.safe_load_all(text))
    spec = documents[0]
    assert to_yaml(spec) == text.split("---\n")[0]
    json_format.ParseDict(spec, pipeline_spec_pb2.PipelineSpec(), ignore_unknown_fields=False)
    assert structure_errors(spec) == []
    for platform in documents[1:]:
        assert platform_errors(platform, spec) == []
        executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
        for config in executors.values():
            json_format.ParseDict(
                config,
                kubernetes_executor_config_pb2.KubernetesExecutorConfig(),
                ignore_unknown_fields=False,
            )
    loaded = components.load_component_from_file(str(path))
    assert loaded.name == spec["pipelineInfo"]["name"]


def test_no_stale_golden_files():
    assert sorted(p.name for p in GOLDEN.glob("*.yaml")) == sorted(c[0] for c in CASES)
