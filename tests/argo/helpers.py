"""Shared pieces of the Argo tests: a diamond workflow and lookups into a document."""

from __future__ import annotations

from typing import Any

from axl import Param, Workflow, step
from axl.compiler.argo import ArgoCodeArchive, ArgoOptions, SecretKey
from axl.ir import IRWorkflow, build
from axl.manifest import Manifest
from axl.planning.warm import env_store_at
from axl.runtime.__main__ import _parser

# warm_env with `--packages install` and an archive on MinIO: the warm task first, the env
# store beside the archive in every step's manifest, the archive's Secret as AWS credentials.
WARM_ARCHIVE = ArgoCodeArchive(
    key="axl/code/code-0123456789abcdef.tar.gz",
    digest="blake3:0123456789abcdef" + "0" * 48,
    bucket="axl",
    endpoint="minio.minio:9000",
    access_key_secret=SecretKey("minio-credentials", "accessKey"),
    secret_key_secret=SecretKey("minio-credentials", "secretKey"),
    insecure=True,
)
WARM_OPTIONS = ArgoOptions(
    code_archive=WARM_ARCHIVE,
    env_store=env_store_at("axl", WARM_ARCHIVE.key, "minio.minio:9000", insecure=True),
    packages_policy="install",
)


class Diamond(Workflow):
    name = "diamond"
    k = Param(3, help="a number")

    @step
    def a(self) -> int:
        return self.k

    @step
    def b(self, a: int) -> int:
        return a + 1

    @step
    def c(self, a: int) -> int:
        return a * 2

    @step
    def d(self, b: int, c: int) -> int:
        return b + c


def ir_of(cls: type[Workflow]) -> IRWorkflow:
    return build(cls).ir


def templates(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in doc["spec"]["templates"]}


def tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in templates(doc)["main-dag"]["dag"]["tasks"]}


def runner_call(template: dict[str, Any]) -> tuple[Any, Manifest]:
    """Parse a container's args with the runner's own parser, and its manifest."""
    container = template["container"]
    assert container["command"] == ["python", "-m", "axl.runtime", "run"]
    args = _parser().parse_args(["run", *container["args"]])
    return args, Manifest.from_json(args.manifest_json)
