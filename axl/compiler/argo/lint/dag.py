"""DAG rules: task names, ``depends``/``dependencies``, undefined tasks, cycles, targets."""

from __future__ import annotations

from axl.compiler.argo.lint.depends import ITEM_RESULTS
from axl.compiler.argo.lint.findings import Report, did_you_mean
from axl.compiler.argo.lint.model import LOOPS, Call, Dag, Document, as_list, as_map, text


def check_dags(document: Document, report: Report) -> None:
    """Run every DAG rule on every DAG template."""
    for dag in document.dags.values():
        _check_tasks(dag, report)
        _check_cycles(dag, report)
        _check_target(dag, report)


def _check_tasks(dag: Dag, report: Report) -> None:
    using_depends = next((t for t in dag.tasks if text(t.body.get("depends"))), None)
    for task in dag.tasks:
        body = task.body
        has_depends = text(body.get("depends")) is not None
        has_dependencies = bool(as_list(body.get("dependencies")))
        if has_depends and has_dependencies:
            report.add(
                task.path,
                "depends-and-dependencies",
                f"{task.label} sets both depends and dependencies; use depends only",
            )
        elif using_depends is not None and has_dependencies:
            report.add(
                (*task.path, "dependencies"),
                "depends-and-dependencies",
                f"{task.label} uses dependencies, but {using_depends.label} of the same DAG uses "
                "depends; Argo allows only one style per DAG: use depends",
            )
        if using_depends is not None and body.get("continueOn") is not None:
            report.add(
                (*task.path, "continueOn"),
                "depends-and-dependencies",
                f"{task.label}: continueOn cannot be used in a DAG that uses depends; "
                "test results such as 'A.Failed' in depends instead",
            )
        name = task.name
        if name and name[0] in "0123456789" and (using_depends or has_dependencies):
            report.add(
                (*task.path, "name"),
                "invalid-name",
                f"task name {name!r} starts with a digit, which Argo forbids in a DAG "
                "that uses depends or dependencies",
            )
        if name is not None:
            _check_references(dag, task, name, report)


def _check_references(dag: Dag, task: Call, name: str, report: Report) -> None:
    if name in dag.errors:
        report.add((*task.path, "depends"), "depends-syntax", f"{task.label}: {dag.errors[name]}")
        return
    from_depends = text(task.body.get("depends")) is not None
    for i, ref in enumerate(dag.depends.get(name, ())):
        path = (*task.path, "depends") if from_depends else (*task.path, "dependencies", i)
        upstream = dag.by_name.get(ref.task)
        if upstream is None:
            report.add(
                path,
                "dag-dependency",
                f"{task.label} depends on {ref.task!r}, which is not a task of this DAG"
                + did_you_mean(ref.task, dag.by_name),
            )
        elif ref.result in ITEM_RESULTS and not any(
            upstream.body.get(key) not in (None, "") for key in LOOPS
        ):
            report.add(
                path,
                "dag-dependency",
                f"{task.label} tests '{ref.task}.{ref.result}', but task {ref.task!r} does "
                "not loop (withItems, withParam or withSequence)",
            )


def _check_cycles(dag: Dag, report: Report) -> None:
    """Report one cycle per DAG, found by an iterative depth-first search in task order."""
    done: set[str] = set()
    for start in dag.by_name:
        if start in done:
            continue
        on_stack = {start: 0}
        stack: list[tuple[str, list[str]]] = [(start, dag.upstream(start))]
        while stack:
            node, pending = stack[-1]
            if not pending:
                stack.pop()
                del on_stack[node]
                done.add(node)
                continue
            nxt = pending.pop()
            if nxt in on_stack:
                cycle = [n for n, _ in stack[on_stack[nxt] :]]
                shown = " -> ".join([*cycle, nxt][::-1])
                first = dag.by_name[nxt]
                report.add(
                    first.path,
                    "dag-cycle",
                    f"dependency cycle in {dag.template.label}: {shown} "
                    "(each task depends on the one before it)",
                )
                return
            if nxt not in done:
                on_stack[nxt] = len(stack)
                stack.append((nxt, dag.upstream(nxt)))


def _check_target(dag: Dag, report: Report) -> None:
    target = text(as_map(dag.template.body.get("dag")).get("target"))
    if target is None or "{{" in target:
        return
    for name in target.split():
        if name not in dag.by_name:
            report.add(
                (*dag.template.path, "dag", "target"),
                "dag-dependency",
                f"target {name!r} is not a task of this DAG" + did_you_mean(name, dag.by_name),
            )
