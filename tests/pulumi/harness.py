"""Run a Pulumi program under Pulumi's own mocks, each in a fresh process, and report what it did.

``pulumi.runtime.set_mocks`` configures process-global state (settings, the
root stack, config, outstanding RPCs), so every program runs in its own
child process, forked from a server process that imported Pulumi and the
providers once and never ran a program (``multiprocessing``'s forkserver).
The child records each registration the way the engine would see it: type,
name, URN, parent URN, inputs, and the outputs components register; then it
sends them back as plain data.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import pickle
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRELOAD = [
    "pulumi",
    "pulumi_aws",
    "pulumi_kubernetes",
    "pulumi_docker_build",
    "axl_pulumi.workflow",
    "tests.pulumi.harness",
]
TIMEOUT = 120.0
STACK_TYPE = "pulumi:pulumi:Stack"
UNKNOWN_VALUE = {"$unknown": True}
"""How a recorded value the engine computes later (an unknown in a preview) appears."""

Program = Callable[[], Any] | Path


@dataclass(frozen=True)
class Registration:
    """One resource as the engine would receive it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgramRun:
    """What a program registered, exported, logged, and the error it ended with (if any)."""

    resources: tuple[Registration, ...]
    component_outputs: dict[str, dict[str, Any]]
    exports: dict[str, Any]
    logs: tuple[tuple[str, str], ...]
    error: BaseException | None = None
    stack_urn: str = ""
    pristine: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        assert len(found) == 1, f"{len(found)} resources of type {type_}: {[r.urn for r in found]}"
        return found[0]

    def by_name(self, name: str) -> Registration:
        found = [r for r in self.resources if r.name == name]
        assert len(found) == 1, f"no single resource named {name!r}: {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.resources if r.urn == urn)

    def inputs_by_urn(self) -> dict[str, dict[str, Any]]:
        return {r.urn: r.inputs for r in self.resources}

    def inputs_bytes(self) -> bytes:
        """Every resource's inputs, canonical JSON: what the engine diffs against the state."""
        return json.dumps(self.inputs_by_urn(), sort_keys=True, separators=(",", ":")).encode()

    def raise_error(self) -> None:
        """Raise what the program raised (for ``pytest.raises``)."""
        if self.error is not None:
            raise self.error

    def check(self) -> ProgramRun:
        """This run, after asserting the program ended without an error."""
        assert self.error is None, f"the program failed: {type(self.error).__name__}: {self.error}"
        return self


def jsonable(value: Any) -> Any:
    """Deserialized property values as plain JSON data (assets and unknowns become tagged)."""
    import pulumi
    from pulumi.output import Unknown

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Unknown):
        return UNKNOWN_VALUE
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        found = {k: getattr(value, k) for k in ("path", "text", "uri") if hasattr(value, k)}
        return {"$asset": type(value).__name__, **found}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return {"$repr": repr(value)}


def _mocks_and_monitor(preview: bool) -> tuple[Any, Any]:
    """Pulumi ``Mocks`` that compute what providers would, and a monitor that records requests.

    In a preview the S3 object's outputs are unknown, as for an object about to be created.
    """
    import pulumi
    from pulumi.runtime import mocks, rpc

    class AxlMocks(pulumi.runtime.Mocks):
        """Outputs the real providers compute: S3 object ARN/etag, Kubernetes uid and id."""

        def new_resource(
            self, args: pulumi.runtime.MockResourceArgs
        ) -> tuple[str | None, dict[str, Any]]:
            state = dict(args.inputs)
            if args.typ == "aws:s3/bucketObjectv2:BucketObjectv2":
                key, bucket = state["key"], state["bucket"]
                if preview:
                    return None, dict.fromkeys(("key", "bucket", "arn", "etag"), rpc.UNKNOWN)
                state.update(
                    arn=f"arn:aws:s3:::{bucket}/{key}",
                    etag=f"etag-{key.rsplit('/', 1)[-1]}",
                    versionId="",
                )
                return key, state
            if args.typ.startswith("kubernetes:"):
                if is_unknown(state.get("metadata")):  # compiled from an unknown (a new image)
                    return None, state
                meta = dict(state.get("metadata") or {})
                meta.setdefault("namespace", "default")
                meta["uid"] = f"uid-{args.name}"
                state["metadata"] = meta
                return f"{meta['namespace']}/{meta.get('name', args.name)}", state
            return (f"{args.name}-id" if args.custom else None), state

        def call(
            self, args: pulumi.runtime.MockCallArgs
        ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
            return {}, None

    class RecordingMonitor(mocks.MockMonitor):
        def __init__(self, m: pulumi.runtime.Mocks) -> None:
            super().__init__(m)
            self.registrations: list[Registration] = []
            self.component_outputs: dict[str, dict[str, Any]] = {}

        def RegisterResource(self, request: Any) -> Any:
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            if request.type != STACK_TYPE:
                self.registrations.append(
                    Registration(
                        type=request.type,
                        name=request.name,
                        urn=response.urn,
                        parent=request.parent,
                        custom=bool(request.custom),
                        inputs=jsonable(rpc.deserialize_properties(request.object)),
                        dependencies=tuple(sorted(request.dependencies)),
                    )
                )
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:
            self.component_outputs[request.urn] = jsonable(
                rpc.deserialize_properties(request.outputs)
            )
            return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    m = AxlMocks()
    return m, RecordingMonitor(m)


class ProviderMocks:
    """Mocks that compute the outputs of one resource type, over the running program's own.

    A subclass names its ``resource_type`` and computes ``(id, state)`` in :meth:`created`;
    :meth:`install` puts it in front of the mocks the program runs under (once).
    """

    resource_type: str = ""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def created(self, args: Any) -> tuple[str | None, dict[str, Any]]:
        """The id and state of a new resource of :attr:`resource_type`."""
        raise NotImplementedError

    def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
        if args.typ == self.resource_type:
            return self.created(args)
        result: tuple[str | None, dict[str, Any]] = self.inner.new_resource(args)
        return result

    def call(self, args: Any) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        result: tuple[dict[str, Any], list[tuple[str, str]] | None] = self.inner.call(args)
        return result

    @classmethod
    def install(cls) -> None:
        """Put these mocks in front of the running program's (a no-op when they are there)."""
        from pulumi.runtime import settings

        monitor = settings.get_monitor()
        mocks = monitor.mocks
        while isinstance(mocks, ProviderMocks):
            if isinstance(mocks, cls):
                return
            mocks = mocks.inner
        monitor.mocks = cls(monitor.mocks)


def is_unknown(value: Any) -> bool:
    """Whether a recorded value is (or holds) a value the engine computes later."""
    from pulumi.output import Unknown
    from pulumi.runtime import rpc

    if value == UNKNOWN_VALUE or value == rpc.UNKNOWN or isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname.lower(), record.getMessage()))


def _execute(
    program: Program,
    project: str,
    stack: str,
    config: Mapping[str, str],
    cwd: str,
    preview: bool,
) -> dict[str, Any]:
    """Run ``program`` under mocks in this (fresh) process; the result as plain data."""
    import pulumi
    from pulumi.runtime import settings

    pristine = {
        "root_resource": settings.get_root_resource() is not None,
        "config": dict(pulumi.runtime.config.CONFIG.get()),
    }
    os.chdir(cwd)
    handler = _ListHandler()
    logger = logging.getLogger(f"pulumi-program-{os.getpid()}")
    logger.propagate = False
    logger.addHandler(handler)
    m, monitor = _mocks_and_monitor(preview)
    pulumi.runtime.set_all_config(dict(config))
    pulumi.runtime.set_mocks(
        m, project=project, stack=stack, preview=preview, logger=logger, monitor=monitor
    )
    root = settings.get_root_resource()
    exports: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        if isinstance(program, Path):
            runpy.run_path(str(program), run_name="__main__")
        else:
            program()
        outputs = dict(getattr(root, "outputs", {}) or {})
        return pulumi.Output.all(**outputs).apply(exports.update) if outputs else None

    error: BaseException | None = None
    try:
        run()
    except Exception as exc:  # handed to the test, which asserts on it
        error = _portable(exc)
    stack_urn = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    return {
        "resources": tuple(sorted(monitor.registrations, key=lambda r: r.urn)),
        "component_outputs": monitor.component_outputs,
        "exports": jsonable(exports),
        "logs": tuple(handler.records),
        "error": error,
        "stack_urn": stack_urn,
        "pristine": pristine,
    }


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (AxlErrors do, hint included), else a plain stand-in."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _child(conn: Any, programs: list[Program], *args: Any) -> None:
    try:
        result: Any = [_execute(program, *args) for program in programs]
    except BaseException as exc:  # the harness itself broke: say so instead of hanging
        result = {"harness_error": f"{type(exc).__name__}: {exc}"}
    conn.send(result)
    conn.close()


_CONTEXT: Any = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _CONTEXT = ctx
    return _CONTEXT


def run_program(
    program: Program,
    *,
    cwd: Path,
    project: str = "axl-test",
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    preview: bool = False,
) -> ProgramRun:
    """Run ``program`` (a function, or a ``__main__.py`` run like Pulumi runs it) in a new process.

    ``config`` holds ``project:key`` entries, as ``Pulumi.<stack>.yaml`` does;
    ``cwd`` is the program's folder (Pulumi runs programs from their project folder);
    ``preview`` runs it as ``pulumi preview`` would (a dry run).
    """
    return _run([program], cwd, project, stack, config, preview)[0]


def run_in_one_process(
    programs: list[Program], *, cwd: Path, project: str = "axl-test", stack: str = "test"
) -> list[ProgramRun]:
    """Run programs one after the other in one new process: what per-program isolation avoids."""
    return _run(programs, cwd, project, stack, None, False)


def _run(
    programs: list[Program],
    cwd: Path,
    project: str,
    stack: str,
    config: Mapping[str, str] | None,
    preview: bool,
) -> list[ProgramRun]:
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child,
        args=(send, programs, project, stack, dict(config or {}), str(cwd), preview),
    )
    process.start()
    send.close()
    try:
        if not receive.poll(TIMEOUT):
            raise AssertionError(f"the Pulumi program did not finish within {TIMEOUT:.0f} s")
        data = receive.recv()
    except EOFError:
        process.join(10)
        raise AssertionError(
            f"the Pulumi program's process exited without a result (exit code {process.exitcode})"
        ) from None
    finally:
        receive.close()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(10)
    if not isinstance(data, list):
        raise AssertionError(f"the mock harness failed: {data['harness_error']}")
    return [ProgramRun(**item) for item in data]


def stack_config(project_dir: Path, stack: str) -> tuple[str, dict[str, str]]:
    """The project name and the config of ``Pulumi.<stack>.yaml`` as the CLI hands it over.

    Keys are ``namespace:key`` (a bare key belongs to the project); values are
    strings, structured ones as JSON (what ``PULUMI_CONFIG`` holds).
    """
    import yaml

    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    data = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config: dict[str, str] = {}
    for key, value in (data.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        config[full] = value if isinstance(value, str) else json.dumps(value)
    return project, config
