"""Where Argo's schemas live, and reading them: ``schema.json`` and each kind's CRD schema.

The package ships compact copies for each Argo release in :data:`ARGO_VERSIONS`,
one folder per release in ``axl/compiler/argo/schemas/`` (see its
PROVENANCE.md). A schema directory may instead hold Argo's originals: the CRD
YAML files are then read and converted the same way (slower: ~0.5 s each).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from axl.compiler.argo.lint.strict import Schema, strip_descriptions
from axl.compiler.argo.versions import ARGO_VERSIONS, NEWEST_ARGO
from axl.dataclass_fast import dataclass
from axl.errors import UsageError

ENV_VAR = "AXL_ARGO_SCHEMA_DIR"
JSON_SCHEMA_FILE = "schema.json"
CRD_VERSION = "v1alpha1"
_DEFINITIONS = "io.argoproj.workflow.v1alpha1."


@dataclass(frozen=True)
class KindFiles:
    """The schema files of one Argo kind."""

    kind: str
    compact: str
    """The converted CRD schema as shipped with axl."""
    crd: str
    """Argo's original CRD manifest."""

    @property
    def definition(self) -> str:
        """The kind's name under ``definitions`` in ``schema.json``."""
        return _DEFINITIONS + self.kind


KINDS: dict[str, KindFiles] = {
    k.kind: k
    for k in (
        KindFiles("Workflow", "workflow.json", "argoproj.io_workflows.yaml"),
        # The two template kinds have one schema (their CRDs differ only in the header).
        KindFiles(
            "WorkflowTemplate", "workflowtemplate.json", "argoproj.io_workflowtemplates.yaml"
        ),
        KindFiles(
            "ClusterWorkflowTemplate",
            "workflowtemplate.json",
            "argoproj.io_clusterworkflowtemplates.yaml",
        ),
        KindFiles("CronWorkflow", "cronworkflow.json", "argoproj.io_cronworkflows.yaml"),
    )
}


class SchemaDirError(UsageError):
    """The Argo schema directory is missing or lacks a file the lint needs."""

    code = "argo_schema_dir"


VENDORED = Path(__file__).resolve().parent.parent / "schemas"
"""The folder of the shipped schemas: one subfolder per Argo release."""


def check_argo_version(argo_version: str) -> str:
    """``argo_version`` if its schemas ship with axl, else :class:`SchemaDirError`."""
    if argo_version not in ARGO_VERSIONS:
        raise SchemaDirError(
            f"Argo {argo_version!r} has no schemas in axl: choose {' or '.join(ARGO_VERSIONS)}",
            hint="or pass --schema-dir with that release's schema.json and CRDs",
        )
    return argo_version


def default_schema_dir(argo_version: str = NEWEST_ARGO) -> Path:
    """The schemas shipped with axl for ``argo_version`` (default: the newest)."""
    return VENDORED / f"v{check_argo_version(argo_version)}"


def resolve_schema_dir(
    schema_dir: Path | str | None = None, argo_version: str = NEWEST_ARGO
) -> Path:
    """``schema_dir``, else ``$AXL_ARGO_SCHEMA_DIR``, else the shipped copies; absolute."""
    chosen = schema_dir if schema_dir is not None else os.environ.get(ENV_VAR) or None
    path = Path(chosen).expanduser() if chosen is not None else default_schema_dir(argo_version)
    if not path.is_dir():
        raise SchemaDirError(
            f"Argo schema directory {path} does not exist",
            hint=f"pass a folder holding {JSON_SCHEMA_FILE} and the CRDs, or unset {ENV_VAR}",
        )
    return path.resolve()


def read_json_schema(schema_dir: Path) -> Schema:
    """``schema.json`` as Argo publishes it."""
    data: Schema = json.loads(_read(schema_dir / JSON_SCHEMA_FILE))
    return data


def read_crd_schema(schema_dir: Path, kind: str) -> Schema:
    """The kind's ``openAPIV3Schema`` without descriptions: the compact copy, else the CRD."""
    files = KINDS[kind]
    compact = schema_dir / files.compact
    if compact.is_file():
        data: Schema = json.loads(_read(compact))
        return data
    original = schema_dir / files.crd
    if not original.is_file():
        raise SchemaDirError(
            f"Argo schema directory {schema_dir} has neither {files.compact} nor {files.crd}",
            hint=f"point {ENV_VAR} (or --schema-dir) at a complete copy",
        )
    return crd_schema(_load_yaml(_read(original)), original)


def crd_schema(crd: Any, source: Path | str = "the CRD") -> Schema:
    """Take the ``openAPIV3Schema`` of version v1alpha1 out of a CRD, without descriptions."""
    versions = crd.get("spec", {}).get("versions", []) if isinstance(crd, dict) else []
    for version in versions:
        if isinstance(version, dict) and version.get("name") == CRD_VERSION:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if isinstance(schema, dict):
                stripped: Schema = strip_descriptions(schema)
                return stripped
    raise SchemaDirError(
        f"{source} has no openAPIV3Schema for version {CRD_VERSION}",
        hint="use a CustomResourceDefinition from Argo's manifests/base/crds/full",
    )


def compact_json(schema: Any) -> str:
    """The one canonical text of a converted schema (sorted keys, no spaces)."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaDirError(
            f"{path} is missing", hint=f"point {ENV_VAR} (or --schema-dir) at a complete copy"
        ) from None
    except OSError as exc:
        raise SchemaDirError(f"cannot read {path}: {exc.strerror or exc}") from None


def _load_yaml(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)
