"""The job module's job built as Dagster objects, for :func:`~axl.compiler.dagster.definitions`.

The module ``axl compile --target dagster`` writes declares each op with
``@dg.op`` and the job with ``@dg.job``; Dagster then inspects every op
function's signature and composes the job by calling each op, which costs
about as much as everything else put together at 2,000 steps. This module
builds the same job from the same :class:`~axl.compiler.dagster.plan.Plan`
directly: an ``OpDefinition`` per op (its compute function takes
``(context, inputs)``, reads the workspace resource and the params from the
context), the dependencies as a dict, the job from its graph. Only the
params class is written as source and executed (it is the module's own
class, so the launchpad shows the same fields).

Dagster's snapshot of the job this builds equals that of the module's job,
for every example (tests/dagster/test_in_memory.py): same ops, inputs,
outputs, descriptions, tags, retry policies, config schema, dependencies.

Importing this module imports Dagster (about a second).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg

from axl.compiler.dagster.module import RESOURCE_KEY, job_doc, module_imports, params_class
from axl.compiler.dagster.plan import K8S_CONFIG_TAG, OpPlan, Plan
from axl.compiler.dagster.source import INDENT, docstring
from axl.runtime.dagster_op import AxlStep, AxlWorkflow, AxlWorkspace

_OUTPUT = "result"
"""The name ``@dg.op`` gives its one output."""


def build_definitions(plan: Plan, filename: str) -> dg.Definitions:
    """The module's ``defs``: the job and the workspace resource.

    ``filename`` names the params class's source in tracebacks.
    """
    params = _params_class(plan, filename) if plan.fields else None
    workflow = _workflow(plan)
    ops = [_op(plan, op, workflow, params) for op in plan.ops.values()]
    dependencies: dict[str, dict[str, dg.DependencyDefinition]] = {
        op.op: {up: dg.DependencyDefinition(up, _OUTPUT) for up in op.ins}
        for op in plan.ops.values()
        if op.ins
    }
    description = _description(_python_doc(job_doc(plan), INDENT))
    graph = dg.GraphDefinition(
        name=plan.job, node_defs=ops, dependencies=dependencies, description=description
    )
    job = graph.to_job(
        description=description,
        config=_config_mapping(workflow, params),
        executor_def=_executor(plan),
        tags={"axl/workflow": plan.ir.name, "axl/hash": plan.ir.short_hash()},
    )
    return dg.Definitions(
        jobs=[job], resources={RESOURCE_KEY: AxlWorkspace(folder=plan.options.workspace)}
    )


def _executor(plan: Plan) -> dg.ExecutorDefinition | None:
    options = plan.options
    if options.executor is None:
        return None
    executor: dg.ExecutorDefinition = getattr(dg, f"{options.executor}_executor")
    if options.max_concurrent is not None:
        executor = executor.configured({"max_concurrent": options.max_concurrent})
    return executor


def _params_class(plan: Plan, filename: str) -> type[dg.Config]:
    source = "\n".join([*module_imports(plan), "", "", *params_class(plan)]) + "\n"
    namespace: dict[str, Any] = {"__name__": filename}
    exec(compile(source, filename, "exec", dont_inherit=True), namespace)
    cls: type[dg.Config] = namespace["Params"]
    return cls


def _workflow(plan: Plan) -> AxlWorkflow:
    ir = plan.ir
    steps = [
        AxlStep(
            name=op.step.name,
            manifest=op.manifest,
            op=op.op if op.op != op.step.name else None,
            upstream=list(op.step.upstream),
            timeout=op.step.timeout,
            when=op.step.when.to_dict() if op.step.when is not None else None,
            secret_env=op.secret_env,
        )
        for op in plan.ops.values()
    ]
    return AxlWorkflow(name=ir.name, ref=ir.ref, hash=ir.compute_hash(), steps=steps)


def _op(
    plan: Plan, op: OpPlan, workflow: AxlWorkflow, params: type[dg.Config] | None
) -> dg.OpDefinition:
    retry = op.retry
    policy = None
    if retry is not None:
        policy = dg.RetryPolicy(
            max_retries=retry.max_retries,
            delay=float(retry.delay) if retry.delay is not None else None,
            backoff=dg.Backoff.EXPONENTIAL if retry.exponential else None,
        )
    doc = op.step.node.doc
    return dg.OpDefinition(
        compute_fn=_compute(workflow, op.step.name, params),
        name=op.op,
        ins={up: dg.In(dg.Nothing) for up in op.ins},
        outs={_OUTPUT: dg.Out(dg.Nothing, is_required=op.step.when is None)},
        description=_description(_python_doc(doc, INDENT)) if doc else None,
        config_schema=params.to_config_schema() if params is not None else None,
        required_resource_keys={RESOURCE_KEY},
        tags={K8S_CONFIG_TAG: op.k8s} if op.k8s is not None else None,
        retry_policy=policy,
    )


def _compute(
    workflow: AxlWorkflow, step: str, params: type[dg.Config] | None
) -> Callable[[dg.OpExecutionContext, Any], Iterator[dg.Output[None]]]:
    def compute(context: dg.OpExecutionContext, inputs: Any) -> Iterator[dg.Output[None]]:
        config = params.model_validate(context.op_config) if params is not None else None
        workspace = getattr(context.resources, RESOURCE_KEY)
        yield from workflow.run(step, context, workspace, config)

    # Dagster checks the context's annotation by identity; this module's are strings.
    compute.__annotations__ = {}
    return compute


def _config_mapping(workflow: AxlWorkflow, params: type[dg.Config] | None) -> dg.ConfigMapping:
    if params is None:

        def no_params(config: dict[str, Any]) -> dict[str, Any]:
            return {}

        return dg.config_mapping(config_schema={})(no_params)

    def params_to_every_op(config: Any) -> dg.RunConfig:
        return dg.RunConfig(ops=dict.fromkeys(workflow.ops, config))

    params_to_every_op.__annotations__ = {"config": params, "return": dg.RunConfig}
    mapping: dg.ConfigMapping = dg.config_mapping(params_to_every_op)
    return mapping


def _python_doc(text: str, indent: str) -> str:
    """The ``__doc__`` Python gives a function whose docstring the module writes from ``text``."""
    value = ast.literal_eval("\n".join(docstring(text, indent)).strip())
    assert isinstance(value, str)
    return value


def _description(doc: str) -> str:
    """An op's or job's description from its ``__doc__``, as Dagster's decorators take it."""
    if doc and doc[0].isspace():
        return textwrap.dedent(doc).strip()
    first, newline, rest = doc.partition("\n")
    return (first + newline + textwrap.dedent(rest)).strip() if newline else doc
