"""The job module's source: the params class, the workflow's steps, one op each, the job.

The module is what a user commits and what ``dagster dev -f`` loads: it
imports Dagster and :mod:`axl.runtime.dagster_op` (the ops' runtime), and
never ``from __future__ import annotations`` (Dagster then cannot resolve a
Pythonic ``Config`` annotation). Every part is written as ``ruff format``
writes it (:mod:`axl.compiler.dagster.source`), so the file passes
``ruff format --check`` and ``ruff check`` with default settings.
"""

from __future__ import annotations

from axl._version import __version__
from axl.compiler.dagster.config import ParamField
from axl.compiler.dagster.plan import K8S_CONFIG_TAG, OpPlan, Plan
from axl.compiler.dagster.source import (
    INDENT,
    Atom,
    Expr,
    call,
    call_with,
    docstring,
    lines,
    listing,
    literal,
    mapping,
    scalar,
    string,
)

RESOURCE_KEY = "axl_workspace"
"""The resource every op reads the workspace folder from."""
RUNTIME_MODULE = "axl.runtime.dagster_op"


def module_source(plan: Plan) -> str:
    """The whole module as text (ends with one newline)."""
    params = bool(plan.fields)  # Dagster warns about a Config class without fields
    parts = [
        *([params_class(plan)] if params else []),
        _workflow(plan),
        *(_op(plan, op) for op in plan.ops.values()),
        _config_mapping(params=params),
        _job(plan),
        _definitions(plan),
    ]
    head = "\n".join(_header(plan)) + "\n\n" + "\n".join(module_imports(plan))
    # isort's blank lines after the imports: two before a class, one before an assignment
    gap = "\n\n\n" if params else "\n\n"
    body = "\n\n\n".join("\n".join(part) for part in parts)
    return f"{head}{gap}{body}\n"


def _header(plan: Plan) -> list[str]:
    ir = plan.ir
    text = (
        f"Dagster job {plan.job!r} of workflow {ir.name!r}, written by axl {__version__}.\n\n"
        f"Workflow: {ir.ref} (hash {ir.compute_hash()}).\n"
        "Each op runs its step with axl's runner, as `axl run local` does: artifacts and\n"
        "the run record go to <workspace>/runs/<Dagster run id>/. Regenerate this file\n"
        "with `axl compile --target dagster` rather than edit it.\n\n"
        "    dagster dev -f THIS_FILE\n"
        f"    dagster job execute -f THIS_FILE -j {plan.job} -c params.yaml"
    )
    return docstring(text, "")


def module_imports(plan: Plan) -> list[str]:
    """The module's import lines, as isort orders them."""
    annotations = [field.annotation for field in plan.fields]
    typing_names = [
        name
        for name, used in (
            ("Any", any(a.split(" | ")[0] == "Any" for a in annotations)),
            ("Literal", any(a.startswith("Literal[") for a in annotations)),
        )
        if used
    ]
    out = []
    if typing_names:
        out += [f"from typing import {', '.join(typing_names)}", ""]
    out.append("import dagster as dg")
    out.append(f"from {RUNTIME_MODULE} import AxlStep, AxlWorkflow, AxlWorkspace")
    if any(_field_call(field) for field in plan.fields):
        out.append("from pydantic import Field")
    return out


def _field_call(field: ParamField) -> bool:
    """Whether the field needs ``Field(...)``: a list or dict default must not be a literal
    class attribute (ruff's RUF012), and a description or an alias needs it."""
    mutable = not field.required and isinstance(field.default, list | dict)
    return bool(field.description or field.alias or mutable)


def params_class(plan: Plan) -> list[str]:
    """The ``Params`` class: the workflow's params as a Dagster ``Config`` (needs fields)."""
    out = ["class Params(dg.Config):"]
    out += docstring(
        f"The params of workflow {plan.ir.name!r}: the launchpad's config, handed to every op.",
        INDENT,
    )
    if plan.fields:
        out.append("")
    for field in plan.fields:
        head = f"{field.name}: {field.annotation}"
        if not _field_call(field):
            out += (
                [f"{INDENT}{head}"]
                if field.required
                else lines(literal(field.default), INDENT, f"{head} = ")
            )
            continue
        default = None if field.required else literal(field.default)
        described = Atom(string(field.description)) if field.description else None
        alias = Atom(string(field.alias)) if field.alias else None
        value_expr = call("Field", default=default, alias=alias, description=described)
        out += lines(value_expr, INDENT, f"{head} = ")
    return out


def _workflow(plan: Plan) -> list[str]:
    ir = plan.ir
    steps = [_step(op) for op in plan.ops.values()]
    expr = call(
        "AxlWorkflow",
        explode=True,
        name=Atom(string(ir.name)),
        ref=Atom(string(ir.ref)),
        hash=Atom(string(ir.compute_hash())),
        steps=listing(steps, explode=True),
    )
    return lines(expr, "", "WORKFLOW = ")


def _step(op: OpPlan) -> Expr:
    step = op.step
    return call(
        "AxlStep",
        explode=True,
        name=Atom(string(step.name)),
        op=Atom(string(op.op)) if op.op != step.name else None,
        upstream=literal(list(step.upstream)) if step.upstream else None,
        timeout=Atom(scalar(step.timeout)) if step.timeout is not None else None,
        when=literal(step.when.to_dict()) if step.when is not None else None,
        secret_env=literal(op.secret_env) if op.secret_env else None,
        manifest=literal(op.manifest),
    )


def _op(plan: Plan, op: OpPlan) -> list[str]:
    out_args: list[Expr] = [Atom("dg.Nothing")]
    conditional = op.step.when is not None
    output = call("dg.Out", *out_args, is_required=Atom("False") if conditional else None)
    tags = (
        mapping([(Atom(string(K8S_CONFIG_TAG)), literal(op.k8s))]) if op.k8s is not None else None
    )
    decorator = call(
        "@dg.op",
        name=Atom(string(op.op)) if op.function != op.op else None,
        ins=mapping([(Atom(string(up)), Atom("dg.In(dg.Nothing)")) for up in op.ins])
        if op.ins
        else None,
        out=output,
        retry_policy=_retry_policy(op),
        tags=tags,
    )
    params = [Atom("config: Params")] if plan.fields else []
    signature = call(
        f"def {op.function}",
        Atom("context: dg.OpExecutionContext"),
        Atom(f"{RESOURCE_KEY}: AxlWorkspace"),
        *params,
    )
    out = lines(decorator)
    out += lines(signature, tail=":")
    if op.step.node.doc:
        out += docstring(op.step.node.doc, INDENT)
    body = call(
        "WORKFLOW.run",
        Atom(string(op.step.name)),
        Atom("context"),
        Atom(RESOURCE_KEY),
        *([Atom("config")] if plan.fields else []),
    )
    out += lines(body, INDENT, "yield from ")
    return out


def _retry_policy(op: OpPlan) -> Expr | None:
    retry = op.retry
    if retry is None:
        return None
    return call(
        "dg.RetryPolicy",
        max_retries=Atom(str(retry.max_retries)),
        delay=Atom(scalar(float(retry.delay))) if retry.delay is not None else None,
        backoff=Atom("dg.Backoff.EXPONENTIAL") if retry.exponential else None,
    )


def _config_mapping(*, params: bool) -> list[str]:
    if not params:  # an empty schema, so that the launchpad asks for nothing
        return [
            "@dg.config_mapping(config_schema={})",
            "def params_to_every_op(config: dict) -> dict:",
            *docstring("The workflow has no params: the launchpad asks for none.", INDENT),
            f"{INDENT}return {{}}",
        ]
    return [
        "@dg.config_mapping",
        "def params_to_every_op(params: Params) -> dg.RunConfig:",
        *docstring("The launchpad shows the workflow's params; every op gets them.", INDENT),
        f"{INDENT}return dg.RunConfig(ops=dict.fromkeys(WORKFLOW.ops, params))",
    ]


def _job(plan: Plan) -> list[str]:
    ir = plan.ir
    decorator = call(
        "@dg.job",
        name=Atom(string(plan.job)) if plan.job_function != plan.job else None,
        config=Atom("params_to_every_op"),
        executor_def=_executor(plan),
        tags=mapping(
            [
                (Atom(string("axl/workflow")), Atom(string(ir.name))),
                (Atom(string("axl/hash")), Atom(string(ir.short_hash()))),
            ]
        ),
    )
    out = lines(decorator)
    out.append(f"def {plan.job_function}():")
    out += docstring(job_doc(plan), INDENT)
    for op in plan.ops.values():
        ins = [Atom(plan.ops[up].variable or "") for up in op.step.upstream]
        names = [plan.ops[up].op for up in op.step.upstream]
        expr = call_with(op.function, (), zip(names, ins, strict=True))
        head = f"{op.variable} = " if op.variable else ""
        out += lines(expr, INDENT, head)
    return out


def _executor(plan: Plan) -> Expr | None:
    options = plan.options
    if options.executor is None:
        return None
    if options.max_concurrent is None:
        return Atom(f"dg.{options.executor}_executor")
    settings = mapping([(Atom(string("max_concurrent")), Atom(str(options.max_concurrent)))])
    return call(f"dg.{options.executor}_executor.configured", settings)


def job_doc(plan: Plan) -> str:
    """The job function's docstring: the job's description in Dagster."""
    steps = len(plan.ops)
    return f"Workflow {plan.ir.name!r} ({plan.ir.ref}): {steps} step{'s' if steps != 1 else ''}."


def _definitions(plan: Plan) -> list[str]:
    workspace = call("AxlWorkspace", folder=Atom(string(plan.options.workspace)))
    expr = call(
        "dg.Definitions",
        jobs=listing([Atom(plan.job_function)]),
        resources=mapping([(Atom(string(RESOURCE_KEY)), workspace)]),
    )
    return lines(expr, "", "defs = ")
