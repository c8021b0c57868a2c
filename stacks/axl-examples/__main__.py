"""Deploy axl's examples to Argo Workflows: each one's code to S3, each one a WorkflowTemplate
(and, with ``kfpHost`` set, each one a Kubeflow Pipelines pipeline version too).

Stack config (``Pulumi.<stack>.yaml``):

``namespace``        namespace of the WorkflowTemplates (required)
``codeBucket``       S3 bucket for the code archives (required; Argo's artifact repository
                     bucket unless ``s3Endpoint`` is set)
``imageTag``         tag of the runner image (required)
``imageRepository``  runner image repository (default ``ghcr.io/axl-workflows/runner``)
``codePrefix``       key prefix of the archives (default ``axl/code``)
``serviceAccount``   service account of the step pods (default: the namespace's default)
``s3Endpoint``       S3 endpoint the pods read the archives from (default: the artifact
                     repository's), with ``s3Secret`` naming a Secret (accessKey, secretKey)
``kfpHost``          KFP API URL: also deploy each workflow to Kubeflow Pipelines (default: off;
                     KFP reads the archives with its own object store settings)
``kfpToken``         bearer token for ``kfpHost`` (a secret: ``pulumi config set --secret``)
``kfpNamespace``     profile namespace of a multi-user KFP (default: none)
"""

from __future__ import annotations

from pathlib import Path

import pulumi
from axl_pulumi import ArgoTarget, AxlWorkflow, KfpTarget

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXTERNAL_REPO = EXAMPLES / "external_repo"

config = pulumi.Config()
repository = config.get("imageRepository") or "ghcr.io/axl-workflows/runner"
image = f"{repository}:{config.require('imageTag')}"
bucket = config.require("codeBucket")
prefix = config.get("codePrefix") or "axl/code"
argo = ArgoTarget(
    namespace=config.require("namespace"),
    service_account=config.get("serviceAccount"),
    code_endpoint=config.get("s3Endpoint"),
    code_secret=config.get("s3Secret"),
)
kfp_host = config.get("kfpHost")
kfp = (
    KfpTarget(
        host=kfp_host,
        token=config.get_secret("kfpToken"),
        namespace=config.get("kfpNamespace"),
    )
    if kfp_host
    else None
)
targets = ["argo", "kfp"] if kfp is not None else ["argo"]

workflows = {
    # A workflow of this repository: archive only examples/ (not axl itself, not the
    # external project beside it), so unrelated changes leave its archive alone.
    "iris": AxlWorkflow(
        "iris-knn",
        workflow=f"{EXAMPLES / 'iris_knn.py'}:IrisKNN",
        workflow_path=EXAMPLES,
        exclude=("external_repo/",),
        bucket=bucket,
        prefix=prefix,
        image=image,
        targets=targets,
        argo=argo,
        kfp=kfp,
    ),
    # A project of its own (src layout, pyproject.toml): archived from its root.
    "wordstats": AxlWorkflow(
        "wordstats",
        workflow=f"{EXTERNAL_REPO / 'src' / 'wordstats' / 'flow.py'}:WordStats",
        bucket=bucket,
        prefix=prefix,
        image=image,
        targets=targets,
        argo=argo,
        kfp=kfp,
    ),
}

for key, flow in workflows.items():
    pulumi.export(f"{key}_template", flow.outputs["argo_template_name"])
    pulumi.export(f"{key}_namespace", flow.outputs["argo_namespace"])
    pulumi.export(f"{key}_code_uri", flow.code_uri)
    pulumi.export(f"{key}_workflow_hash", flow.workflow_hash)
    if kfp is not None:
        pulumi.export(f"{key}_kfp_version", flow.outputs["kfp_version_name"])
