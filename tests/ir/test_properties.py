"""Property-based tests: random DAGs infer exactly their edges; garbage gives axl errors only."""

from __future__ import annotations

import keyword
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axl import Workflow, step
from axl.errors import AxlError
from axl.ir import build


@st.composite
def dag_specs(draw: st.DrawFn) -> list[list[tuple[int, str]]]:
    """For each step i, the parents it reads and how: by step name or by a unique type."""
    n = draw(st.integers(min_value=1, max_value=12))
    spec: list[list[tuple[int, str]]] = [[]]
    for i in range(1, n):
        parents = draw(st.sets(st.integers(min_value=0, max_value=i - 1), max_size=4))
        spec.append(
            [
                (j, draw(st.sampled_from(["name", "type", "name-annotated"])))
                for j in sorted(parents)
            ]
        )
    return spec


def _make_dag_workflow(
    spec: list[list[tuple[int, str]]],
) -> tuple[type[Workflow], set[tuple[str, str, str]]]:
    namespace: dict[str, Any] = {}
    lines = [f"class T{i}: pass" for i in range(len(spec))]
    expected: set[tuple[str, str, str]] = set()
    for i, parents in enumerate(spec):
        args = []
        for j, how in parents:
            if how == "name":
                arg = f"s{j}"
                args.append(arg)
            elif how == "name-annotated":
                arg = f"s{j}"
                args.append(f"{arg}: T{j}")
            else:
                arg = f"in_{j}"
                args.append(f"{arg}: T{j}")
            expected.add((f"s{j}", f"s{i}", arg))
        lines.append(f"def s{i}(self, {', '.join(args)}) -> T{i}:\n    return T{i}()")
    exec("\n".join(lines), namespace)  # noqa: S102
    body = {f"s{i}": step(namespace[f"s{i}"]) for i in range(len(spec))}
    return type("RandomDag", (Workflow,), body), expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dag_specs())
def test_random_dags_infer_exactly_their_edges(spec):
    cls, expected = _make_dag_workflow(spec)
    ir = build(cls).ir
    assert {(e.source, e.target, e.arg) for e in ir.edges} == expected
    order = ir.topological_order()
    position = {name: k for k, name in enumerate(order)}
    assert all(position[e.source] < position[e.target] for e in ir.edges)


_NAMES = st.sampled_from(
    [
        "a",
        "b",
        "c",
        "data",
        "model",
        "params",
        "image",
        "name",
        "graph",
        "env",
        "x",
        "steps",
        "outputs",
    ]
)
_ANNOTATIONS = st.sampled_from(
    [
        "",
        ": int",
        ": str",
        ": Any",
        ": list[int]",
        ": tuple[int, str]",
        ": None",
        ": 'Undefined'",
        ": dict",
    ]
)
_RETURNS = st.sampled_from(
    ["", " -> int", " -> str", " -> None", " -> Any", " -> list[int]", " -> 'Nope'"]
)
_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-5, max_value=10**12),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=6), st.integers()), inner, max_size=3),
    ),
    max_leaves=6,
)
_OPTION_NAMES = st.sampled_from(
    [
        "io_handler",
        "input_mode",
        "resources",
        "retries",
        "env",
        "packages",
        "when",
        "image",
        "cache",
        "timeout",
        "colour",
        "retry",
    ]
)


@st.composite
def garbage_bodies(draw: st.DrawFn) -> str:
    lines = ["from typing import Any", "from axl import step, Param", "class G(Workflow):"]
    for attr in draw(
        st.lists(
            st.sampled_from(["name", "io_handler", "input_mode", "env", "outputs", "image"]),
            max_size=2,
            unique=True,
        )
    ):
        lines.append(f"    {attr} = {draw(_VALUES)!r}")
    if draw(st.booleans()):
        lines.append(f"    k = Param({draw(_VALUES)!r})")
    step_names = draw(st.lists(_NAMES, min_size=0, max_size=5, unique=True))
    for name in step_names:
        options = draw(st.dictionaries(_OPTION_NAMES, _VALUES, max_size=2))
        decorator = "@step" if not options else f"@step(**{options!r})"
        params = draw(st.lists(st.one_of(_NAMES, st.just("k")), max_size=3, unique=True))
        args = "".join(
            f", {p}{draw(_ANNOTATIONS)}{' = 1' if draw(st.booleans()) else ''}" for p in params
        )
        # keep parameters with defaults after those without
        parts = [a.strip() for a in args.split(",") if a.strip()]
        parts.sort(key=lambda a: "=" in a)
        lines.append(f"    {decorator}")
        lines.append(f"    def {name}(self{''.join(', ' + p for p in parts)}){draw(_RETURNS)}:")
        lines.append("        return 1")
    if draw(st.booleans()) and step_names:
        first = step_names[0]
        lines.append("    def graph(self):")
        lines.append(f"        return self.{first}()")
    if len(lines) == 3:
        lines.append("    pass")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage_bodies())
def test_garbage_class_bodies_give_axl_errors_only(source):
    namespace: dict[str, Any] = {"Workflow": Workflow, "inf": float("inf"), "nan": float("nan")}
    try:
        exec(source, namespace)  # noqa: S102
        build(namespace["G"])
    except AxlError:
        pass
    except SyntaxError:
        # e.g. a parameter named like a keyword: not something axl sees
        assert any(keyword.iskeyword(w) for w in source.split())
