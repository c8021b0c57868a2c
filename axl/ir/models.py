"""The intermediate representation: immutable, typed, serialisable, hashable.

Every backend (local engine, Argo, KFP, Dagster, Pulumi) starts from an
:class:`IRWorkflow`; nothing else crosses from the DSL to the compilers.

The models are frozen dataclasses rather than pydantic models: every command
builds an IR, and importing pydantic costs more than building one. Reading
one back (:meth:`IRWorkflow.from_json`) checks each field against its
annotation (:mod:`axl.dataclass_json`).
"""

from __future__ import annotations

import dataclasses
import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import field
from types import MappingProxyType
from typing import Any, Literal, Self

from axl.dataclass_fast import dataclass
from axl.dataclass_json import DataError, load, plain
from axl.digests import format_digest, short_digest
from axl.errors import GraphError

IR_VERSION = 1

LATER_FIELDS: Mapping[str, Any] = MappingProxyType(
    {"requirements_file": None, "use_lockfile": None, "warm_env": False}
)
"""Workflow fields added after IR version 1, and their defaults. The canonical JSON
leaves a field out while it holds its default, so a workflow that does not use one
keeps the hash (and the compiled output) it always had."""

InputSource = Literal["step", "param", "value"]
InputMode = Literal["object", "path"]
ConditionSource = Literal["step", "param"]


class IRModel:
    """What every IR model shares: plain JSON data out, checked data in."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON data (tuples become lists), in declaration order."""
        return plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Rebuild a model from :meth:`to_dict` data; a wrong field raises ``DataError``."""
        return load(cls, data)


@dataclass(frozen=True, slots=True, kw_only=True)
class IRInput(IRModel):
    """One argument of a step: where its value comes from, and how it is handed over."""

    name: str
    source: InputSource
    ref: str | None = None
    value: Any = None
    mode: InputMode = "object"
    annotation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IROutput(IRModel):
    """A step's output: the IO handler that stores it and the file extension."""

    name: str = "output"
    handler: str
    ext: str
    annotation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRResources(IRModel):
    """Requests (``cpu``, ``memory``), limits and GPUs of a step."""

    cpu: str | None = None
    memory: str | None = None
    gpu: int | None = None
    cpu_limit: str | None = None
    memory_limit: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRRetry(IRModel):
    """Retries after the first attempt, with exponential backoff in seconds."""

    count: int
    backoff: float = 0.0
    factor: int = 2
    max_backoff: float | None = None

    def __post_init__(self) -> None:
        _as_floats(self, "backoff", "max_backoff")


@dataclass(frozen=True, slots=True, kw_only=True)
class IRSecretRef(IRModel):
    """A key of a Kubernetes Secret."""

    name: str
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IREnvVar(IRModel):
    """An environment variable: a literal ``value`` or a ``secret`` reference."""

    name: str
    value: str | None = None
    secret: IRSecretRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRCondition(IRModel):
    """``when=``: compare an upstream step's output or a param with a literal."""

    source: ConditionSource
    ref: str
    op: str
    value: Any = None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IRNode(IRModel):
    """One step."""

    name: str
    inputs: tuple[IRInput, ...] = ()
    output: IROutput
    resources: IRResources | None = None
    retries: IRRetry | None = None
    env: tuple[IREnvVar, ...] = ()
    packages: tuple[str, ...] = ()
    when: IRCondition | None = None
    image: str | None = None
    cache: bool = False
    timeout: float | None = None
    code_digest: str
    doc: str | None = None

    def __post_init__(self) -> None:
        _as_floats(self, "timeout")


@dataclass(frozen=True, slots=True, kw_only=True)
class IREdge(IRModel):
    """``source`` runs before ``target``; ``arg`` is the argument it feeds (None: ordering only)."""

    source: str
    target: str
    arg: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRParam(IRModel):
    """A declared workflow parameter."""

    name: str
    type: str | None = None
    default: Any = None
    required: bool = False
    help: str | None = None
    choices: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IRWorkflow(IRModel):
    """A whole workflow: nodes in definition order, edges, params and defaults."""

    ir_version: int = IR_VERSION
    name: str
    module: str
    qualname: str
    image: str | None = None
    namespace: str | None = None
    service_account: str | None = None
    io_handler: str = "pickle"
    input_mode: InputMode = "object"
    env: tuple[IREnvVar, ...] = ()
    requirements: tuple[str, ...] = ()
    requirements_file: str | None = None
    use_lockfile: bool | None = None
    warm_env: bool = False
    params: tuple[IRParam, ...] = ()
    open_params: bool = True
    nodes: tuple[IRNode, ...]
    edges: tuple[IREdge, ...] = ()
    outputs: tuple[str, ...] = ()

    _index: dict[str, IRNode] = field(init=False, repr=False, compare=False)
    _upstream: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    _downstream: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    _hash: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {node.name: node for node in self.nodes}
        if len(index) != len(self.nodes):
            raise GraphError(f"workflow {self.name!r} has duplicate step names")
        upstream: dict[str, list[str]] = {name: [] for name in index}
        downstream: dict[str, list[str]] = {name: [] for name in index}
        for edge in self.edges:
            for end in (edge.source, edge.target):
                if end not in index:
                    raise GraphError(f"workflow {self.name!r}: edge names unknown step {end!r}")
            if edge.source not in upstream[edge.target]:
                upstream[edge.target].append(edge.source)
                downstream[edge.source].append(edge.target)
        _set = object.__setattr__  # frozen: the lookup tables are derived, set once here
        _set(self, "_index", index)
        _set(self, "_upstream", upstream)
        _set(self, "_downstream", downstream)
        _set(self, "_hash", None)

    def replace(self, **changes: Any) -> IRWorkflow:
        """A copy with ``changes``; its lookup tables and hash are its own."""
        return dataclasses.replace(self, **changes)

    @property
    def ref(self) -> str:
        """``module:QualName``: how a runner imports the workflow class."""
        return f"{self.module}:{self.qualname}"

    def get_node(self, name: str) -> IRNode:
        """The node named ``name`` (O(1))."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"workflow {self.name!r} has no step {name!r}") from None

    def has_node(self, name: str) -> bool:
        """Whether a step of that name exists."""
        return name in self._index

    def upstream(self, name: str) -> list[str]:
        """Steps that must finish before ``name`` (data and condition dependencies)."""
        return list(self._upstream[name])

    def lookups(self) -> tuple[Mapping[str, IRNode], Mapping[str, Sequence[str]]]:
        """The node index and the upstream lists as plain read-only mappings.

        For passes over every step: one lookup of a model attribute, then
        plain dict reads (about 4 µs cheaper each than :meth:`get_node`).
        """
        return MappingProxyType(self._index), MappingProxyType(self._upstream)

    def downstream(self, name: str) -> list[str]:
        """Steps that wait for ``name``."""
        return list(self._downstream[name])

    def topological_order(self) -> list[str]:
        """Step names in an order that respects every edge (stable: definition order)."""
        indegree = {name: len(ups) for name, ups in self._upstream.items()}
        position = {node.name: i for i, node in enumerate(self.nodes)}
        ready = deque(node.name for node in self.nodes if indegree[node.name] == 0)
        order: list[str] = []
        while ready:
            name = ready.popleft()
            order.append(name)
            released = []
            for child in self._downstream[name]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    released.append(child)
            ready.extend(sorted(released, key=position.__getitem__))
        if len(order) != len(self.nodes):
            raise GraphError(f"workflow {self.name!r} has a cycle")
        return order

    def sinks(self) -> list[str]:
        """Steps nothing depends on, in definition order."""
        return [node.name for node in self.nodes if not self._downstream[node.name]]

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no whitespace; the same IR gives the same text.

        The :data:`LATER_FIELDS` that hold their default are left out.
        """
        data = self.to_dict()
        for name, default in LATER_FIELDS.items():
            if data[name] == default:
                del data[name]
        return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> IRWorkflow:
        """Rebuild an IR from :meth:`to_json` output; bad data raises ``DataError``."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise DataError(f"not JSON: {type(exc).__name__}: {exc}") from None
        return cls.from_dict(data)

    def compute_hash(self) -> str:
        """``blake3:<hex>`` over the canonical JSON, which carries each step's code digest.

        Computed once: the IR is immutable.
        """
        digest = self._hash
        if digest is None:
            from axl.ir.hashing import digest_text

            digest = format_digest(digest_text(self.to_json()))
            object.__setattr__(self, "_hash", digest)
        return digest

    def short_hash(self) -> str:
        """The first 12 hex digits of :meth:`compute_hash` (for labels and names)."""
        return short_digest(self.compute_hash())


def _as_floats(model: IRModel, *names: str) -> None:
    """Store whole numbers given for float fields as floats: ``5`` and ``5.0`` hash alike."""
    for name in names:
        value = getattr(model, name)
        if type(value) is int:
            object.__setattr__(model, name, float(value))
