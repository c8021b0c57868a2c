"""``when`` on KFP: condition sub-DAGs, nested as the conditions a step runs under.

A step runs when its own condition holds and every step it reads ran, so it
runs under its own condition *and* those of its upstream steps: its *path*,
a sequence of conditions. Each distinct path is a sub-DAG of its parent path
(``condition-N``, a task with ``triggerPolicy.condition``), and each step is a
task of the sub-DAG of its path: a step that depends on a skipped step is
inside the skipped sub-DAG, so it is skipped too, as locally.

KFP lets a task read only what is in its own DAG or is handed down from an
enclosing one, so the paths of a step's upstream steps must be prefixes of
one another (the kfp SDK refuses the same shapes). Whatever a sub-DAG's
tasks read from outside it enters as an input of the sub-DAG, named as the
kfp SDK names them (``pipelinechannel--<task>-<output>``); the workflow's
params enter every sub-DAG under their own names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from axl.compiler.kfp.options import KfpOptionsError
from axl.compiler.kfp.parameters import BY_TYPE, type_of_value
from axl.dataclass_fast import dataclass
from axl.ir import IRCondition, IRNode, IRWorkflow
from axl.kfp_paths import OUTPUT_ARTIFACT, VALUE_PARAMETER

Path = tuple[str, ...]
"""The conditions a task runs under, outermost first, each as a canonical key."""

CHANNEL = "pipelinechannel--"
IMPORTED_ARTIFACT = "artifact"
"""The output of an importer task, as KFP names it."""


@dataclass(frozen=True)
class Group:
    """One condition sub-DAG: its names, its condition, and what enters it from outside."""

    task: str
    component: str
    path: Path
    condition: IRCondition
    opened_by: str
    artifacts: tuple[str, ...]
    """Steps whose output artifact a task inside reads, produced outside."""
    values: tuple[str, ...]
    """Steps whose value a condition inside (its own included) reads, produced outside."""
    after: tuple[str, ...]
    """Steps of the enclosing DAG that something inside waits for."""

    @property
    def parent(self) -> Path:
        return self.path[:-1]


@dataclass(frozen=True)
class Scopes:
    """Where each step runs: its path, and the sub-DAGs in the order they are named."""

    paths: Mapping[str, Path]
    groups: Mapping[Path, Group]

    def members(self, path: Path) -> list[str]:
        """The steps that are tasks of the DAG at ``path``, in declaration order."""
        return [step for step, at in self.paths.items() if at == path]

    def children(self, path: Path) -> list[Group]:
        """The sub-DAGs that are tasks of the DAG at ``path``."""
        return [group for key, group in self.groups.items() if key[:-1] == path]


def condition_key(condition: IRCondition) -> str:
    """Conditions with equal keys hold together: they share a sub-DAG."""
    return json.dumps(
        [condition.source, condition.ref, condition.op, condition.value],
        sort_keys=True,
        default=repr,
    )


def artifact_channel(task: str) -> str:
    """The sub-DAG input that carries the output artifact of ``task``."""
    return f"{CHANNEL}{task}-{OUTPUT_ARTIFACT}"


def imported_channel(task: str) -> str:
    """The sub-DAG input that carries the artifact of importer ``task`` (the code archive)."""
    return f"{CHANNEL}{task}-{IMPORTED_ARTIFACT}"


def value_channel(task: str) -> str:
    """The sub-DAG input that carries the value (output parameter) of ``task``."""
    return f"{CHANNEL}{task}-{VALUE_PARAMETER}"


def scopes(ir: IRWorkflow, taken: set[str]) -> Scopes:
    """Each step's path and every sub-DAG; ``taken`` are task names a sub-DAG must not get."""
    nodes, upstream = ir.lookups()
    paths: dict[str, Path] = {}
    opened: dict[Path, tuple[IRCondition, str]] = {}
    for name in ir.topological_order():
        node = nodes[name]
        path = _path(ir, node, {up: paths[up] for up in upstream[name]})
        paths[name] = path
        for depth in range(1, len(path) + 1):
            if path[:depth] not in opened:
                assert node.when is not None
                opened[path[:depth]] = (node.when, name)
    order = {name: i for i, name in enumerate(nodes)}
    paths = dict(sorted(paths.items(), key=lambda item: order[item[0]]))
    needs = _needs(ir, paths, opened)
    groups: dict[Path, Group] = {}
    number = 0
    for path, (condition, step) in opened.items():
        number += 1
        while f"condition-{number}" in taken:
            number += 1
        artifacts, values, after = needs[path]
        groups[path] = Group(
            task=f"condition-{number}",
            component=f"comp-condition-{number}",
            path=path,
            condition=condition,
            opened_by=step,
            artifacts=tuple(sorted(artifacts, key=order.__getitem__)),
            values=tuple(sorted(values, key=order.__getitem__)),
            after=tuple(sorted(after, key=order.__getitem__)),
        )
    return Scopes(paths=paths, groups=groups)


def _path(ir: IRWorkflow, node: IRNode, upstream: Mapping[str, Path]) -> Path:
    deepest = max(upstream, key=lambda name: len(upstream[name]), default=None)
    longest: Path = upstream[deepest] if deepest is not None else ()
    for name, path in upstream.items():
        if longest[: len(path)] != path:
            raise KfpOptionsError(
                f"workflow {ir.name!r}, step {node.name!r} reads {deepest!r} and {name!r}, "
                "which run under different conditions: a KFP task cannot wait on both",
                hint=f"let {name!r} run under the conditions of {deepest!r} too (or the "
                "other way round), or compile with --target argo",
            )
    if node.when is None:
        return longest
    own = condition_key(node.when)
    return longest if own in longest else (*longest, own)


def _needs(
    ir: IRWorkflow, paths: Mapping[str, Path], opened: Mapping[Path, tuple[IRCondition, str]]
) -> dict[Path, tuple[set[str], set[str], set[str]]]:
    """For each sub-DAG: the artifacts and values that enter it, and what it waits for."""
    needs: dict[Path, tuple[set[str], set[str], set[str]]] = {
        path: (set(), set(), set()) for path in opened
    }
    nodes, upstream = ir.lookups()

    def refer(scope: Path, producer: str, kind: int | None) -> None:
        """A task at ``scope`` reads ``producer``: every sub-DAG in between carries it."""
        start = len(paths[producer]) + 1
        crossed = [scope[:depth] for depth in range(start, len(scope) + 1)]
        for group in crossed:
            if kind is not None:
                needs[group][kind].add(producer)
        if crossed:
            needs[crossed[0]][2].add(producer)

    for name, path in paths.items():
        reads = {item.ref for item in nodes[name].inputs if item.source == "step"}
        for up in upstream[name]:
            refer(path, up, 0 if up in reads else None)
    for path, (condition, _) in opened.items():
        if condition.source == "step":
            refer(path, condition.ref, 1)
    return needs


def value_type(node: IRNode, conditions: Sequence[IRCondition]) -> str:
    """The ``ParameterTypeEnum`` of a step's value: its annotation, else the literals read."""
    declared = (node.output.annotation or "").replace("builtins.", "").split("[", 1)[0].lower()
    if declared in BY_TYPE:
        return BY_TYPE[declared]
    for condition in conditions:
        literal = condition.value
        if condition.op in ("in", "not in") and isinstance(literal, list | tuple) and literal:
            literal = literal[0]
        if isinstance(literal, bool | int | float | str):
            kind = type_of_value(literal)  # a number literal says nothing of int or float
            return "NUMBER_DOUBLE" if kind == "NUMBER_INTEGER" else kind
    raise KfpOptionsError(
        f"step {node.name!r}: a when= reads its value, whose type KFP must know",
        hint="annotate the step's return type (e.g. -> float)",
    )
