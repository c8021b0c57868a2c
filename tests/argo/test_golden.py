"""Golden files: the compiled YAML of each example, byte for byte, and every one passes the lint.

Regenerate deliberately with ``pytest tests/argo --update-golden`` and review the diff.
"""

from __future__ import annotations

import pytest
import yaml

from axl.compiler.argo import (
    ArgoCodeArchive,
    ArgoOptions,
    ArtifactRepositoryRef,
    SecretKey,
    compile,
    render,
    to_yaml,
)
from axl.compiler.argo.checks import lint
from axl.compiler.argo.target import TARGET as CACHE_TARGET
from axl.ir import build
from tests.argo.helpers import WARM_OPTIONS
from tests.fixtures.golden import ROOT, example_targets, golden_cache, load_class

GOLDEN = ROOT / "tests" / "golden" / "argo"

TEMPLATE_OPTIONS = ArgoOptions(
    kind="workflow-template",
    namespace="ml",
    service_account="axl-runner",
    artifact_repository_ref=ArtifactRepositoryRef(config_map="artifact-repositories", key="minio"),
    ttl_seconds=86400,
    pod_gc="OnWorkflowSuccess",
    code_archive=ArgoCodeArchive(
        key="axl/code/iris-knn.tar.gz",
        digest="blake3:" + "0" * 64,
        bucket="axl",
        endpoint="minio.minio:9000",
        access_key_secret=SecretKey("minio-credentials", "accesskey"),
        secret_key_secret=SecretKey("minio-credentials", "secretkey"),
        insecure=True,
    ),
)

# What `axl compile --code-bucket s3://axl/axl/code` writes for a project: the pods read the
# archive (a fixed fake digest here) through the artifact repository, and import the
# workflow under its module name inside the archive.
CODE_OPTIONS = ArgoOptions(
    code_archive=ArgoCodeArchive(
        key="axl/code/code-0123456789abcdef.tar.gz",
        digest="blake3:0123456789abcdef" + "0" * 48,
    ),
    workflow_ref="wordstats.flow:WordStats",
)

CACHE_OPTIONS = CACHE_TARGET.with_cache(ArgoOptions(), golden_cache(), "cache-credentials")

# (golden file, target, options): linear, diamond, fan-in of 20, params and `when`,
# retries/resources/secrets/images, both artifact modes, both kinds, code archives, warm_env.
CASES = [
    ("iris-knn.yaml", "examples/iris_knn.py:IrisKNN", ArgoOptions()),
    ("iris-knn-template.yaml", "examples/iris_knn.py:IrisKNN", TEMPLATE_OPTIONS),
    ("churn.yaml", "examples/churn_workflow.py:ChurnWorkflow", ArgoOptions()),
    ("churn-pvc.yaml", "examples/churn_workflow.py:ChurnWorkflow", ArgoOptions(artifacts="pvc")),
    ("quickstart.yaml", "examples/quickstart.py:Hello", ArgoOptions()),
    ("fan-in-20.yaml", "tests/examples_wf/fan_in.py:FanIn", ArgoOptions()),
    ("conditions.yaml", "tests/examples_wf/conditions.py:Conditions", ArgoOptions()),
    (
        "conditions-pvc-template.yaml",
        "tests/examples_wf/conditions.py:Conditions",
        ArgoOptions(kind="workflow-template", artifacts="pvc", pvc_size="10Gi", pod_gc=None),
    ),
    ("step-options.yaml", "tests/examples_wf/step_options.py:StepOptions", ArgoOptions()),
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


def compile_target(target: str, options: ArgoOptions) -> str:
    result = build(load_class(target))
    assert result.warnings == ()
    output = render(result.ir, options)
    assert output.warnings == ()
    return output.yaml


@pytest.mark.parametrize(("name", "target", "options"), CASES, ids=[c[0] for c in CASES])
def test_golden(name, target, options, golden):
    text = compile_target(target, options)
    golden.check(GOLDEN / name, text)


def test_every_example_has_a_golden_case():
    covered = {target for _, target, _ in CASES}
    missing = sorted(example_targets() - covered)
    assert not missing, f"add a golden case for {', '.join(missing)}"


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_golden_files_pass_the_lint(name):
    path = GOLDEN / name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert to_yaml(document) == path.read_text(encoding="utf-8")
    assert lint(document) == []


def test_no_stale_golden_files():
    assert sorted(p.name for p in GOLDEN.glob("*.yaml")) == sorted(c[0] for c in CASES)


def test_compile_is_deterministic_within_a_process():
    _, target, options = CASES[6]
    ir = build(load_class(target)).ir
    assert to_yaml(compile(ir, options)) == to_yaml(compile(ir, options))
