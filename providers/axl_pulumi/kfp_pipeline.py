"""``KfpPipeline``: a compiled ``PipelineSpec`` uploaded to a Kubeflow Pipelines server.

A dynamic resource: its provider (:class:`KfpPipelineProvider`) runs in the
Pulumi engine's Python, talks to KFP through :mod:`axl.deploy.kfp` and holds
no state of its own, so Pulumi can serialise it. The version is named after
the digest of the spec and of the workflow it was compiled from
(``<pipeline>-<hash12>``): the same code registers the same inputs (an empty
preview); a changed spec or step is a new version, uploaded before the old
one is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import pulumi
import pulumi.dynamic

from axl_pulumi._args import args_from, check_namespace, describe
from axl_pulumi.errors import ComponentError, in_component

TYPE_TOKEN: Final = "pulumi-python:dynamic/axl:KfpPipeline"
"""The type the engine records (Pulumi's dynamic-resource type, module ``axl``)."""
REPLACED_BY: Final = ("host", "namespace", "pipeline_name", "spec", "spec_hash", "version_name")
"""Inputs whose change makes another pipeline version: the resource is replaced."""
SECRET_INPUTS: Final = ("host", "token")
COMPUTED: Final = ("pipeline_id", "version_id")
"""Outputs the server assigns."""


@dataclass(frozen=True)
class KfpPipelineArgs:
    """Inputs of :class:`KfpPipeline`."""

    host: pulumi.Input[str]
    """The KFP API endpoint, ``http(s)://host[:port][/path]`` (stored as a secret)."""
    pipeline_name: pulumi.Input[str]
    """The pipeline the version belongs to (created when absent)."""
    spec: pulumi.Input[str]
    """The ``PipelineSpec`` YAML, as ``axl compile --target kfp`` writes it."""
    token: pulumi.Input[str] | None = None
    """Bearer token for the API (stored as a secret); None: ``$KFP_TOKEN`` where the
    provider runs (``pulumi up``), else no token."""
    namespace: pulumi.Input[str] | None = None
    """The Kubeflow profile namespace of a multi-user installation."""
    workflow_hash: pulumi.Input[str] | None = None
    """The hash of the workflow the spec was compiled from, when there is one: it names
    the version together with the spec, so a changed step is a new version even when the
    spec's text stays the same (the code is in the image, not in an archive the spec names)."""
    version_name: pulumi.Input[str] | None = None
    """Name of the version (default: ``<pipeline_name>-<hash12>`` of ``spec_hash``)."""


class KfpPipeline(pulumi.dynamic.Resource, module="axl", name="KfpPipeline"):
    """A pipeline version on a KFP server, uploaded from a compiled spec.

    Outputs: ``pipeline_id``, ``version_id`` (also the resource's id),
    ``version_name``, ``pipeline_name``, ``spec_hash`` (``blake3:<hex>`` of the
    spec text, preceded by the workflow hash and a newline when
    ``workflow_hash`` is given). ``host`` and ``token`` are secrets in the state.
    """

    pipeline_id: pulumi.Output[str]
    version_id: pulumi.Output[str]
    version_name: pulumi.Output[str]
    pipeline_name: pulumi.Output[str]
    spec_hash: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: KfpPipelineArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = describe(TYPE_TOKEN, name)
        args = args_from(KfpPipelineArgs, args, kwargs, owner)
        _check(args, owner)
        spec = pulumi.Output.from_input(args.spec)
        spec_hash = pulumi.Output.all(spec, args.workflow_hash).apply(
            lambda v: spec_digest(v[0], v[1])
        )
        version_name = (
            pulumi.Output.from_input(args.version_name)
            if args.version_name is not None
            else pulumi.Output.all(args.pipeline_name, spec_hash).apply(
                lambda v: _version_name(v[0], v[1], owner)
            )
        )
        props: dict[str, Any] = {
            "host": pulumi.Output.secret(args.host),
            "token": pulumi.Output.secret(args.token),
            "namespace": args.namespace,
            "pipeline_name": args.pipeline_name,
            "spec": spec,
            "spec_hash": spec_hash,
            "version_name": version_name,
            **dict.fromkeys(COMPUTED),
        }
        super().__init__(KfpPipelineProvider(), name, props, opts)


def spec_digest(text: str, workflow_hash: str | None = None) -> str:
    """``blake3:<hex>`` of a spec's text (UTF-8), after ``<workflow_hash>\\n`` when given.

    With the hash, it is :func:`axl.deploy.kfp.pipeline_digest`: ``axl kfp upload``
    names the same version for the same workflow and spec.
    """
    from blake3 import blake3

    from axl.deploy.kfp import pipeline_digest
    from axl.digests import format_digest

    if workflow_hash is not None:
        return pipeline_digest(text, workflow_hash)
    return format_digest(blake3(text.encode("utf-8")).hexdigest())


def _version_name(pipeline_name: str, spec_hash: str, owner: str) -> str:
    from axl.deploy.kfp import version_name
    from axl.errors import AxlError

    try:
        return version_name(pipeline_name, spec_hash)
    except AxlError as exc:
        raise in_component(owner, exc) from None


def _check(args: KfpPipelineArgs, owner: str) -> None:
    """Plain inputs are checked now; an ``Output`` is taken as the server will see it."""
    from axl.compiler.kfp.options import check_pipeline_name
    from axl.errors import AxlError

    if isinstance(args.host, str):
        check_host(args.host, owner)
    elif args.host is None:
        raise ComponentError(
            f"{owner}: host is required", hint="e.g. host='https://kfp.example.com'"
        )
    check_namespace(args.namespace, owner)
    if isinstance(args.pipeline_name, str):
        try:
            check_pipeline_name(args.pipeline_name)
        except AxlError as exc:
            raise in_component(owner, exc) from None


def check_host(host: str, owner: str) -> None:
    """A KFP endpoint is an ``http`` or ``https`` URL with a host."""
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ComponentError(
            f"{owner}: host {host!r} is not a KFP endpoint URL",
            hint="e.g. https://kfp.example.com or http://127.0.0.1:8888",
        )


class KfpPipelineProvider(pulumi.dynamic.ResourceProvider):
    """Creates, compares and deletes pipeline versions; every call connects afresh.

    It keeps nothing between calls (Pulumi pickles it into the state and runs
    it in another process), and the state it returns holds what ``delete``
    needs: the host, the token and the ids.
    """

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        """Upload the spec as a new version (and the pipeline, when it is absent)."""
        from axl.deploy import kfp

        values = _plain(props)
        uploaded = kfp.upload(
            _connect(values),
            spec_text=values["spec"],
            pipeline_name=values["pipeline_name"],
            version_name=values["version_name"],
        )
        outs = {
            **_inputs(values),
            "pipeline_id": uploaded.pipeline_id,
            "version_id": uploaded.version_id,
            "version_name": uploaded.version_name,
        }
        return pulumi.dynamic.CreateResult(uploaded.version_id, outs)

    def diff(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        """Replace when the version would differ; update in place when only the token did."""
        olds, news = _plain(_olds), _plain(_news)
        replaces = [key for key in REPLACED_BY if olds.get(key) != news.get(key)]
        changes = bool(replaces) or olds.get("token") != news.get("token")
        # A replacement that keeps the version's name (another host spelling, say) may
        # address the very same version: the old one must go before the new one is made.
        same_name = olds.get("version_name") == news.get("version_name")
        return pulumi.dynamic.DiffResult(
            changes=changes,
            replaces=replaces,
            delete_before_replace=bool(replaces) and same_name,
        )

    def update(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        """Only the token changed (``diff`` replaces on anything else): keep the new one."""
        olds = _plain(_olds)
        return pulumi.dynamic.UpdateResult({**olds, "token": _plain(_news).get("token")})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Delete the version (the pipeline stays, with its other versions)."""
        from axl.deploy import kfp

        values = _plain(_props)
        kfp.delete_version(_connect(values), pipeline_id=values["pipeline_id"], version_id=_id)


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    from pulumi.runtime.rpc import unwrap_rpc_secret

    return {key: unwrap_rpc_secret(value) for key, value in props.items()}


def _inputs(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: values.get(key) for key in (*SECRET_INPUTS, *REPLACED_BY)}


def _connect(values: Mapping[str, Any]) -> Any:
    from axl.deploy import kfp

    return kfp.connect(values["host"], namespace=values.get("namespace"), token=values.get("token"))
