"""The manifest: everything a runner needs to execute one step, and nothing else.

Every backend hands the runner a manifest: the local engine builds it in
memory, the Argo and KFP compilers write it into the pod spec. It is JSON on
disk (``--manifest FILE``) or inline (``--manifest-json TEXT``).

The model is a frozen dataclass with strict hand-written validation rather
than a pydantic model: the runner must start in well under 100 ms and
importing pydantic alone costs about 200 ms. :func:`manifest_json_schema`
gives the JSON Schema (through pydantic, imported only then) for tools.
"""

from __future__ import annotations

import json
from dataclasses import asdict, field
from pathlib import Path
from typing import Any

from axl.dataclass_fast import dataclass
from axl.digests import DIGEST_PREFIX
from axl.digests import digest_hex as archive_digest_hex
from axl.errors import UsageError
from axl.param_wire import label, shown, wire_value

MANIFEST_VERSION = 1
INPUT_SOURCES = ("artifact", "param", "value")
INPUT_MODES = ("object", "path")
PACKAGE_POLICIES = ("none", "check", "install")
WARM_STEP = "axl-warm-env"
"""The warm step's name: in the runner's logs, and its task's on Argo and KFP."""


class ManifestError(UsageError):
    """A manifest is malformed."""

    code = "invalid_manifest"


@dataclass(frozen=True)
class ManifestInput:
    """One step argument: an artifact file, a workflow param, or a literal value.

    ``ref`` names the param of a ``param`` input; for an ``artifact`` input,
    the step that writes it (the runner refuses a file whose sidecar names
    another step or run).
    """

    name: str
    source: str = "artifact"
    path: str | None = None
    handler: str | None = None
    mode: str = "object"
    ref: str | None = None
    value: Any = None


@dataclass(frozen=True)
class ManifestOutput:
    """Where the step's return value goes; ``value_path`` also gets it as JSON text."""

    path: str
    handler: str
    name: str = "output"
    value_path: str | None = None


@dataclass(frozen=True)
class CodeArchive:
    """A code archive to extract before importing the workflow."""

    path: str
    digest: str | None = None
    workdir: str = "/axl/workdir"


@dataclass(frozen=True)
class EnvStore:
    """Where the warm step shares envs with steps on other machines: an S3 prefix.

    ``uri`` is ``s3://BUCKET/PREFIX`` (an env is ``<uri>/<key>.tar.gz``);
    ``endpoint`` the URL of an S3-compatible store (None: AWS, or the pod's
    ``AWS_ENDPOINT_URL``). Credentials come from the pod's environment.
    """

    uri: str
    endpoint: str | None = None


@dataclass(frozen=True)
class Packages:
    """What the step needs installed, and what to do about it.

    ``none``: trust the environment; ``check``: fail early, naming what is
    missing; ``install``: install what is missing with uv into the env cache
    (``store``: fetch it from there first, when the warm step put it there).
    """

    requirements: tuple[str, ...] = ()
    policy: str = "check"
    store: EnvStore | None = None


@dataclass(frozen=True)
class StepCache:
    """The step cache of a ``cache=True`` step: where it lives, and the key parts the runner
    cannot compute itself (see :mod:`axl.runtime.cache_key`).

    ``store`` is a folder or ``s3://BUCKET/PREFIX`` (``endpoint``: the URL of an
    S3-compatible store; None: AWS, or ``AWS_ENDPOINT_URL``). ``code`` is the
    digest of the project's files as a code archive packs them (None when the
    manifest's code archive carries its digest); ``environment`` names what the
    step runs in: ``{"image": "REPO@sha256:..."}`` for a baked image pinned by
    digest, else the lock or requirements file's digest (``{"lock": "blake3:..."}``);
    the runner adds its Python and platform then. ``workflow`` is the workflow
    reference as the code archive names it (None: the manifest's), so that a local
    run and a pod agree. ``secrets`` lists each Secret env var as
    ``VAR=SECRET/KEY`` (names only, never values); ``handlers`` maps each IO
    handler of the step's inputs and output to its version.
    """

    store: str
    code: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    workflow: str | None = None
    secrets: tuple[str, ...] = ()
    handlers: dict[str, str] = field(default_factory=dict)
    endpoint: str | None = None


CACHE_CREDENTIALS_PREFIX = "AXL_CACHE_"
"""The runner reads the cache store's S3 credentials from ``AXL_CACHE_AWS_ACCESS_KEY_ID`` and
``AXL_CACHE_AWS_SECRET_ACCESS_KEY`` (a pod's, from ``--cache-secret``), else from the standard
names, so that a pod whose code archive's store has other keys gets each pair under its own."""


@dataclass(frozen=True)
class Manifest:
    """What a runner needs to execute one step (``cache``: None for a step without cache)."""

    workflow: str
    step: str
    run_id: str = "local"
    params: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[ManifestInput, ...] = ()
    outputs: tuple[ManifestOutput, ...] = ()
    code: CodeArchive | None = None
    python_path: tuple[str, ...] = ()
    packages: Packages = field(default_factory=Packages)
    env: dict[str, str] = field(default_factory=dict)
    workflow_name: str | None = None
    cache: StepCache | None = None
    version: int = MANIFEST_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (tuples become lists)."""
        data: dict[str, Any] = json.loads(self.to_json())
        return data

    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON text (sorted keys)."""
        return json.dumps(asdict(self), sort_keys=True, indent=indent, default=list)

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse and validate manifest JSON."""
        return cls.from_dict(_parse(text))

    @classmethod
    def from_file(cls, path: str | Path) -> Manifest:
        """Read and validate a manifest file."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ManifestError(
                f"cannot read manifest {label(str(path))}: {exc.strerror or exc}"
            ) from None
        except ValueError as exc:  # a NUL in the path
            raise ManifestError(f"cannot read manifest {shown(str(path))}: {exc}") from None
        return cls.from_json(data)

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """Validate plain data into a manifest; errors name the offending field."""
        d = _mapping(data, "manifest")
        _known(
            d,
            "manifest",
            {
                "workflow", "step", "run_id", "params", "inputs", "outputs", "code",
                "python_path", "packages", "env", "workflow_name", "cache", "version",
            },
        )  # fmt: skip
        _check_version(d.get("version", MANIFEST_VERSION))
        workflow = _text(d, "workflow", "manifest")
        if ":" not in workflow:
            raise ManifestError(f"manifest.workflow {shown(workflow)} must be 'module:Class'")
        return cls(
            workflow=workflow,
            step=_text(d, "step", "manifest"),
            run_id=_text(d, "run_id", "manifest", default="local"),
            params=_params(d.get("params", {})),
            inputs=tuple(
                _input(item, f"manifest.inputs[{i}]")
                for i, item in enumerate(_entries(d.get("inputs", []), "manifest.inputs"))
            ),
            outputs=tuple(
                _output(item, f"manifest.outputs[{i}]")
                for i, item in enumerate(_entries(d.get("outputs", []), "manifest.outputs"))
            ),
            code=_code(d["code"]) if d.get("code") is not None else None,
            python_path=tuple(
                _str_item(x, "manifest.python_path")
                for x in _list(d.get("python_path", []), "manifest.python_path")
            ),
            packages=_packages(d.get("packages") or {}),
            env=_env(d.get("env", {})),
            workflow_name=_opt_text(d, "workflow_name", "manifest"),
            cache=_cache(d["cache"], d.get("code")) if d.get("cache") is not None else None,
        )


@dataclass(frozen=True)
class WarmManifest:
    """What the warm step (``python -m axl.runtime warm``) needs: each step's requirements.

    ``sets`` holds the distinct requirement sets of the steps; the warm step
    makes the env of each ready (installed, and put in ``store`` when given).
    """

    sets: tuple[tuple[str, ...], ...]
    store: EnvStore | None = None
    workflow_name: str | None = None
    version: int = MANIFEST_VERSION

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys)."""
        return json.dumps(asdict(self), sort_keys=True, default=list)

    @classmethod
    def from_json(cls, text: str | bytes) -> WarmManifest:
        """Parse and validate warm manifest JSON."""
        d = _mapping(_parse(text), "warm manifest")
        _known(d, "warm manifest", {"sets", "store", "workflow_name", "version"})
        _check_version(d.get("version", MANIFEST_VERSION))
        sets = _list(d.get("sets", []), "warm manifest.sets")
        return cls(
            sets=tuple(
                _requirements(item, f"warm manifest.sets[{i}]") for i, item in enumerate(sets)
            ),
            store=_store(d["store"]) if d.get("store") is not None else None,
            workflow_name=_opt_text(d, "workflow_name", "warm manifest"),
        )


def check_archive_digest(digest: str, where: str) -> str:
    """``digest`` when it is a blake3 digest; else a :class:`ManifestError` naming ``where``."""
    if archive_digest_hex(digest) is None:
        raise ManifestError(
            f"{where} {shown(digest)} is not a blake3 digest",
            hint=f"write {DIGEST_PREFIX}<64 hex digits> (or the bare hex axl package prints)",
        )
    return digest


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _parse(text: str | bytes) -> Any:
    try:
        return json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise ManifestError(
            "manifest is nested too deeply to read", hint="pass the JSON an axl compiler wrote"
        ) from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise ManifestError(
            f"manifest is not valid JSON: {exc}", hint="pass the JSON an axl compiler wrote"
        ) from None


def _check_version(version: Any) -> None:
    if type(version) is not int or version != MANIFEST_VERSION:
        raise ManifestError(
            f"manifest version {shown(version)} is not supported "
            f"(this runner reads {MANIFEST_VERSION})",
            hint="use a runner image of the same axl version as the compiler",
        )


def _params(value: Any) -> dict[str, Any]:
    params = _mapping(value, "manifest.params")
    return {
        name: wire_value(item, f"manifest.params.{label(name)}") for name, item in params.items()
    }


def _env(value: Any) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, item in _mapping(value, "manifest.env").items():
        if not name or "=" in name or "\x00" in name:
            raise ManifestError(
                f"manifest.env name {shown(name)} is not an environment variable name",
                hint="a name is non-empty and holds neither '=' nor a NUL character",
            )
        env[name] = _str_item(item, f"manifest.env.{label(name)}")
    return env


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestError(f"{where} must be an object, not {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ManifestError(f"{where} must be a list, not {type(value).__name__}")
    return value


def _entries(value: Any, where: str) -> list[Any]:
    """A list of objects, or a mapping of name to object (the name goes into each)."""
    if isinstance(value, dict):
        return [
            {**_mapping(item, f"{where}.{label(name)}"), "name": name}
            for name, item in value.items()
        ]
    return _list(value, where)


def _known(d: dict[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise ManifestError(
            f"{where} has unknown field(s) {', '.join(label(str(u)) for u in unknown)}",
            hint="the manifest was written by another axl version?",
        )


def _text(d: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = d.get(key, default)
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}.{key} must be non-empty text")
    return _clean(value, f"{where}.{key}")


def _str_item(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ManifestError(f"{where} holds {shown(value)}, which is not text")
    return _clean(value, where)


def _opt_text(d: dict[str, Any], key: str, where: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ManifestError(f"{where}.{key} must be text")
    return _clean(value, f"{where}.{key}")


def _clean(value: str, where: str) -> str:
    """Names, paths and env values reach the OS: no NUL, and nothing a path cannot encode."""
    if "\x00" in value:
        raise ManifestError(
            f"{where} {shown(value)} holds a NUL character",
            hint="paths, names and environment values cannot contain NUL",
        )
    if not value.isascii():
        try:
            value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raise ManifestError(
                f"{where} {shown(value)} is not valid Unicode text", hint="write UTF-8 text"
            ) from None
    return value


def _choice(d: dict[str, Any], key: str, where: str, choices: tuple[str, ...], default: str) -> str:
    value = d.get(key, default)
    if value not in choices:
        raise ManifestError(
            f"{where}.{key} is {shown(value)}; expected one of {', '.join(choices)}"
        )
    return str(value)


def _input(data: Any, where: str) -> ManifestInput:
    d = _mapping(data, where)
    _known(d, where, {"name", "source", "path", "handler", "mode", "ref", "value"})
    source = _choice(d, "source", where, INPUT_SOURCES, "artifact")
    item = ManifestInput(
        name=_text(d, "name", where),
        source=source,
        path=_opt_text(d, "path", where),
        handler=_opt_text(d, "handler", where),
        mode=_choice(d, "mode", where, INPUT_MODES, "object"),
        ref=_opt_text(d, "ref", where),
        value=wire_value(d.get("value"), f"{where}.value"),
    )
    if source == "artifact" and not item.path:
        raise ManifestError(f"{where}: an artifact input needs a path")
    if source == "param" and not item.ref:
        raise ManifestError(f"{where}: a param input needs ref (the param's name)")
    return item


def _output(data: Any, where: str) -> ManifestOutput:
    d = _mapping(data, where)
    _known(d, where, {"name", "path", "handler", "value_path"})
    return ManifestOutput(
        path=_text(d, "path", where),
        handler=_text(d, "handler", where),
        name=_text(d, "name", where, default="output"),
        value_path=_opt_text(d, "value_path", where),
    )


def _code(data: Any) -> CodeArchive:
    d = _mapping(data, "manifest.code")
    _known(d, "manifest.code", {"path", "digest", "workdir"})
    digest = _opt_text(d, "digest", "manifest.code")
    return CodeArchive(
        path=_text(d, "path", "manifest.code"),
        digest=None if digest is None else check_archive_digest(digest, "manifest.code.digest"),
        workdir=_text(d, "workdir", "manifest.code", default="/axl/workdir"),
    )


def _cache(data: Any, code: Any) -> StepCache:
    where = "manifest.cache"
    d = _mapping(data, where)
    _known(
        d, where, {"store", "code", "environment", "workflow", "secrets", "handlers", "endpoint"}
    )
    digest = _opt_text(d, "code", where)
    if digest is not None:
        check_archive_digest(digest, f"{where}.code")
    elif not (isinstance(code, dict) and code.get("digest")):
        raise ManifestError(
            f"{where} needs code (the digest of the project's files) when manifest.code "
            "carries no digest",
            hint="compile the workflow again with this axl version",
        )
    endpoint = _opt_text(d, "endpoint", where)
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ManifestError(f"{where}.endpoint {shown(endpoint)} must start with http(s)://")
    workflow = _opt_text(d, "workflow", where)
    if workflow is not None and ":" not in workflow:
        raise ManifestError(f"{where}.workflow {shown(workflow)} must be 'module:Class'")
    return StepCache(
        store=_text(d, "store", where),
        code=digest,
        environment=_text_map(d.get("environment", {}), f"{where}.environment"),
        workflow=workflow,
        secrets=_requirements(d.get("secrets", []), f"{where}.secrets"),
        handlers=_text_map(d.get("handlers", {}), f"{where}.handlers"),
        endpoint=endpoint,
    )


def _text_map(value: Any, where: str) -> dict[str, str]:
    return {
        _str_item(name, where): _str_item(item, f"{where}.{label(name)}")
        for name, item in _mapping(value, where).items()
    }


def _packages(data: Any) -> Packages:
    d = _mapping(data, "manifest.packages")
    _known(d, "manifest.packages", {"requirements", "policy", "store"})
    return Packages(
        requirements=_requirements(d.get("requirements", []), "manifest.packages.requirements"),
        policy=_choice(d, "policy", "manifest.packages", PACKAGE_POLICIES, "check"),
        store=_store(d["store"]) if d.get("store") is not None else None,
    )


def _requirements(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_str_item(item, where) for item in _list(value, where))


def _store(data: Any) -> EnvStore:
    where = "manifest.packages.store"
    d = _mapping(data, where)
    _known(d, where, {"uri", "endpoint"})
    uri = _text(d, "uri", where)
    if not uri.startswith("s3://") or not uri.removeprefix("s3://").strip("/"):
        raise ManifestError(f"{where}.uri {shown(uri)} is not an s3://BUCKET/PREFIX location")
    endpoint = _opt_text(d, "endpoint", where)
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ManifestError(f"{where}.endpoint {shown(endpoint)} must start with http(s)://")
    return EnvStore(uri=uri, endpoint=endpoint)


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema of a manifest (for tools and docs; imports pydantic)."""
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(Manifest).json_schema()
    return schema
