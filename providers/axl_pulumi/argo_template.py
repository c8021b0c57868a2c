"""``ArgoWorkflowTemplate``: a workflow compiled by axl's Argo compiler, deployed as a CRD object.

The IR is compiled inside an ``apply`` once every ``Output`` it needs (the
archive key, a namespace or image coming from other resources) is known; the
compiled document's ``metadata`` and ``spec`` become the ``WorkflowTemplate``
custom resource as they are, so ``pulumi preview`` diffs exactly what
``axl compile --kind workflow-template`` would print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Literal

import pulumi

from axl_pulumi._args import (
    args_from,
    check_namespace,
    check_object_name,
    compiler_extra,
    compiler_options_errors,
    describe,
)
from axl_pulumi.code_archive import CodeArchive
from axl_pulumi.errors import ComponentError, in_component
from axl_pulumi.source import WorkflowLike, resolve_workflow

if TYPE_CHECKING:
    from axl.compiler.argo import ArgoCodeArchive, ArgoOptions
    from axl.ir import IRWorkflow

TYPE_TOKEN = "axl:index:ArgoWorkflowTemplate"
_KIND: Final = "workflow-template"
_SET_BY_COMPONENT = frozenset(
    {
        "kind",
        "namespace",
        "service_account",
        "image",
        "artifacts",
        "code_archive",
        "name",
        "params",
    }
)


@dataclass(frozen=True)
class ArgoWorkflowTemplateArgs:
    """Inputs of :class:`ArgoWorkflowTemplate`."""

    workflow: WorkflowLike
    """The workflow class, or a target such as ``flows/train.py:Train``."""
    namespace: pulumi.Input[str] | None = None
    """Namespace of the template (default: the workflow's own, else the provider's)."""
    code: CodeArchive | None = None
    """The code archive the runner extracts before each step (None: the image holds the code)."""
    image: pulumi.Input[str] | None = None
    """Runner image for steps that name none (default: the runner image of this axl version)."""
    service_account: pulumi.Input[str] | None = None
    """Service account the step pods run as."""
    artifacts: Literal["s3", "pvc"] = "s3"
    """How steps pass results: the artifact repository (``s3``) or one volume per run."""
    params: Mapping[str, Any] | None = None
    """Default values of workflow params in the template (``argo submit -p`` overrides them)."""
    template_name: str | None = None
    """Name of the template (default: the workflow's name)."""
    code_endpoint: pulumi.Input[str] | None = None
    """S3 endpoint of the code archive (``host[:port]``, or ``http://host:port`` to read it
    over plain http); None reads it through the artifact repository."""
    code_secret: str | None = None
    """Secret with ``accessKey``/``secretKey`` for ``code_endpoint`` (None: the pod's own)."""
    compiler_options: Mapping[str, Any] = field(default_factory=dict)
    """Further ``axl.compiler.argo.ArgoOptions`` fields (``pod_gc``, ``ttl_seconds``, ...)."""


class ArgoWorkflowTemplate(pulumi.ComponentResource):
    """An Argo ``WorkflowTemplate`` compiled from an axl workflow.

    Outputs: ``template_name``, ``namespace`` and ``workflow_hash``
    (``blake3:<hex>``, also the template's ``axl.dev/ir-hash`` annotation).
    """

    template_name: pulumi.Output[str]
    namespace: pulumi.Output[str | None]
    workflow_hash: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: ArgoWorkflowTemplateArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        owner = describe(TYPE_TOKEN, name)
        args = args_from(ArgoWorkflowTemplateArgs, args, kwargs, owner)
        source = resolve_workflow(args.workflow, owner)
        ir = source.ir
        if args.code is not None and args.code.source.ir != source.ir:
            raise ComponentError(
                f"{owner}: code= is the archive of workflow {args.code.source.ir.ref}, "
                f"but this template deploys {source.ir.ref}",
                hint="pass the CodeArchive built for this workflow",
            )
        self.ir: IRWorkflow = ir
        """The IR compiled (the pods import it from ``code``'s archive when given)."""
        compiler = _TemplateCompiler(ir, args, owner)
        super().__init__(TYPE_TOKEN, name, None, opts)

        import pulumi_kubernetes as k8s

        from axl.compiler.argo.api import API_VERSION, KIND_NAMES

        code = args.code
        # The archive key is known at program time: compiling with it (rather than with the
        # object's output) keeps every line of the spec known in a preview.
        document = pulumi.Output.all(
            namespace=args.namespace,
            image=args.image,
            service_account=args.service_account,
            code_key=code.object_key if code is not None else None,
            code_bucket=code.bucket if code is not None and args.code_endpoint else None,
            code_endpoint=args.code_endpoint,
        ).apply(compiler.compile)
        self.document: pulumi.Output[dict[str, Any]] = document
        """The compiled document, as ``axl compile`` would render it."""
        self.template = k8s.apiextensions.CustomResource(
            f"{name}-template",
            api_version=API_VERSION,
            kind=KIND_NAMES[_KIND],
            metadata=document.apply(lambda doc: doc["metadata"]),
            spec=document.apply(lambda doc: doc["spec"]),
            # No run may start from a template whose code is not uploaded yet.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[code.object] if code is not None else None
            ),
        )
        # Through the resource's URN, readers of these outputs wait for the template.
        created = pulumi.Output.all(self.template.urn, document)
        self.template_name = created.apply(lambda v: str(v[1]["metadata"]["name"]))
        self.namespace = created.apply(lambda v: v[1]["metadata"].get("namespace"))
        self.workflow_hash = pulumi.Output.from_input(ir.compute_hash())
        self.register_outputs(
            {
                "template_name": self.template_name,
                "namespace": self.namespace,
                "workflow_hash": self.workflow_hash,
            }
        )


class _TemplateCompiler:
    """Checks the plain inputs at program time; compiles once the ``Output`` ones resolve."""

    def __init__(self, ir: IRWorkflow, args: ArgoWorkflowTemplateArgs, owner: str) -> None:
        self.ir = ir
        self.args = args
        self.owner = owner
        self.extra = compiler_extra(args.compiler_options, _SET_BY_COMPONENT, owner)
        if args.template_name is not None:
            check_object_name(args.template_name, "template_name", owner)
        if args.code is None and (args.code_endpoint is not None or args.code_secret is not None):
            raise ComponentError(
                f"{owner}: code_endpoint and code_secret need code=",
                hint="pass code=CodeArchive(...) or leave them out",
            )
        if args.code_secret is not None:
            check_object_name(args.code_secret, "code_secret", owner)
        if isinstance(args.code_endpoint, str):
            self.endpoint(args.code_endpoint)
        _check_params(ir, args.params, owner)
        check_namespace(args.namespace, owner)
        # Everything known now is checked now, with placeholders for the Output values.
        self.options(
            namespace=_plain(args.namespace),
            image=_plain(args.image),
            service_account=_plain(args.service_account),
            code=None,
        )

    def options(
        self,
        *,
        namespace: str | None,
        image: str | None,
        service_account: str | None,
        code: ArgoCodeArchive | None,
    ) -> ArgoOptions:
        from axl.compiler.argo import ArgoOptions

        fields: dict[str, Any] = dict(self.extra)
        if image is not None:
            fields["image"] = image
        if self.args.code is not None:
            fields["workflow_ref"] = self.args.code.workflow_ref
        with compiler_options_errors(self.owner, "axl.compiler.argo.ArgoOptions"):
            return ArgoOptions(
                kind=_KIND,
                name=self.args.template_name,
                params=dict(self.args.params or {}),
                artifacts=self.args.artifacts,
                namespace=namespace,
                service_account=service_account,
                code_archive=code,
                **fields,
            )

    def endpoint(self, text: str | None) -> tuple[str | None, bool | None]:
        """``code_endpoint`` as the pods take it: ``host[:port]`` and ``insecure``."""
        from axl.errors import AxlError
        from axl.packaging import parse_endpoint

        if text is None:
            return None, None
        try:
            return parse_endpoint(text, "code_endpoint")
        except AxlError as exc:
            raise in_component(self.owner, exc) from None

    def code_archive(self, values: Mapping[str, Any]) -> ArgoCodeArchive | None:
        from axl.compiler.argo import ArgoCodeArchive

        code = self.args.code
        if code is None:
            return None
        endpoint, insecure = self.endpoint(values["code_endpoint"])
        location = replace(
            code.location,
            bucket=values["code_bucket"],
            endpoint=endpoint,
            insecure=insecure,
            secret=self.args.code_secret,
        )
        return ArgoCodeArchive.at(location)

    def compile(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The WorkflowTemplate document, from the resolved input values."""
        from axl.compiler.argo import compile

        check_namespace(values["namespace"], self.owner)
        options = self.options(
            namespace=values["namespace"],
            image=values["image"],
            service_account=values["service_account"],
            code=self.code_archive(values),
        )
        return compile(self.ir, options)


def _plain(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _check_params(ir: IRWorkflow, given: Mapping[str, Any] | None, owner: str) -> None:
    """Each param given is the workflow's, one of its choices, and JSON (checked at once)."""
    from axl.compiler.argo import params_by_name
    from axl.planning import param_text

    if not given:
        return
    names = params_by_name(ir)
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ComponentError(
            f"{owner}: workflow {ir.name!r} has no param(s) {', '.join(unknown)}",
            hint=f"its params: {', '.join(names) or 'none'}",
        )
    declared = {p.name: p for p in ir.params}
    for key, value in given.items():
        decl = declared.get(key)
        if decl is not None and decl.choices and value not in decl.choices:
            raise ComponentError(
                f"{owner}: param {key!r}={value!r} is not one of {list(decl.choices)}"
            )
        try:
            param_text(value)
        except (TypeError, ValueError):
            raise ComponentError(
                f"{owner}: param {key!r}={value!r} cannot be written as JSON",
                hint="pass numbers, strings, booleans, lists or mappings of them",
            ) from None
