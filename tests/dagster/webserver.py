"""``dagster-webserver`` as a subprocess on 127.0.0.1, and what its GraphQL API says of a job.

:func:`running_webserver` starts ``python -m dagster_webserver -f FILE ...``
(read-only, one code location per file) with ``DAGSTER_HOME`` in a folder of
its own, waits (bounded) until every location has loaded, and stops the
server and its code servers when the ``with`` block ends, however it ends.
:meth:`DagsterWebserver.job` asks the server for a job's ops, each op's
upstream ops and the run config schema's top-level fields, in the plain
shapes of :class:`JobView` and :class:`ConfigField`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 120.0
"""The server, its code servers and the modules' imports (2 shared cores: allow plenty)."""
STOP_SECONDS = 20.0
REQUEST_SECONDS = 30.0

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# A config type, three wrappers deep: Noneable(Enum), Array(Int), Noneable(Map(...)) ...
_TYPE_FIELDS = """
  __typename key
  ... on RegularConfigType { givenName }
  ... on EnumConfigType { givenName values { value } }
  ... on ScalarUnionConfigType { scalarType { key ... on RegularConfigType { givenName } } }
"""
_CONFIG_TYPE = (
    _TYPE_FIELDS
    + "... on WrappingConfigType { ofType { "
    + _TYPE_FIELDS
    + "... on WrappingConfigType { ofType { "
    + _TYPE_FIELDS
    + "} } } }"
)

WORKSPACE_QUERY = """
{
  workspaceOrError {
    __typename
    ... on PythonError { message }
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message causes { message } }
          ... on RepositoryLocation { name repositories { name pipelines { name } } }
        }
      }
    }
  }
}
"""

_SELECTED = "__typename ... on PythonError { message } ... on PipelineNotFoundError { message }"
"""What a query by ``PipelineSelector`` answers when there is no such job."""

JOB_QUERY = """
query Job($selector: PipelineSelector!) {
  pipelineOrError(params: $selector) {
    SELECTED
    ... on Pipeline {
      name
      description
      tags { key value }
      solidHandles {
        handleID
        solid {
          name
          definition { name description metadata { key value } }
          inputs { definition { name } dependsOn { solid { name } } }
        }
      }
    }
  }
  runConfigSchemaOrError(selector: $selector) {
    SELECTED
    ... on RunConfigSchema {
      rootDefaultYaml
      rootConfigType {
        key
        ... on CompositeConfigType {
          fields { name description isRequired defaultValueAsJson configType { CONFIG_TYPE } }
        }
      }
    }
  }
}
""".replace("SELECTED", _SELECTED).replace("CONFIG_TYPE", _CONFIG_TYPE)


class WebserverError(RuntimeError):
    """The server did not start, a location did not load, or a query came back with errors."""


NO_DEFAULT = object()
"""The :attr:`ConfigField.default` of a field without a default value."""


@dataclass(frozen=True)
class ConfigType:
    """A config type as the UI shows it: ``String``, ``Int``, ``Float``, ``Bool``, ``Any``, ...

    ``nullable``: wrapped in ``Noneable``; ``enum``: the values of an enum
    type (``None`` otherwise); ``array``: a list of ``name``.
    """

    name: str
    nullable: bool = False
    array: bool = False
    enum: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ConfigField:
    """One top-level field of a job's run config schema (what the launchpad asks for)."""

    name: str
    type: ConfigType
    required: bool
    default: Any
    """The default value (decoded from JSON), or :data:`NO_DEFAULT`."""
    description: str | None


@dataclass(frozen=True)
class JobView:
    """A job as the web UI sees it."""

    name: str
    description: str | None
    ops: dict[str, frozenset[str]]
    """Each op's name and the names of the ops its inputs depend on."""
    op_descriptions: dict[str, str | None]
    op_tags: dict[str, dict[str, str]]
    """Each op's tags (the UI's op metadata), values as text."""
    tags: dict[str, str]
    """The job's tags."""
    config: dict[str, ConfigField]
    """The run config schema's top-level fields by name."""
    default_yaml: str


@dataclass(frozen=True)
class DagsterWebserver:
    """A running ``dagster-webserver``: its URL, its locations and a GraphQL client."""

    url: str
    pid: int
    """The server's process id, also its process group's (its code servers are in it)."""
    home: Path
    log: Path
    locations: dict[str, dict[str, tuple[str, ...]]]
    """Location name -> repository name -> job names, as loaded."""

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``POST /graphql``; the ``data`` of the answer, or :class:`WebserverError`."""
        answer = _post(f"{self.url}/graphql", {"query": query, "variables": variables or {}})
        if answer.get("errors"):
            raise WebserverError(f"GraphQL errors: {json.dumps(answer['errors'])}")
        data: dict[str, Any] = answer["data"]
        return data

    def find_job(self, location: str) -> tuple[str, str]:
        """The repository and the name of the one job of ``location`` (no asset jobs there)."""
        jobs = [
            (repo, job)
            for repo, names in self.locations[location].items()
            for job in names
            if not job.startswith("__")
        ]
        if len(jobs) != 1:
            raise WebserverError(f"location {location!r} has jobs {jobs}, expected one")
        return jobs[0]

    def job(self, location: str, repository: str, name: str) -> JobView:
        """What the server says of job ``name``: ops, their upstream ops, the config schema."""
        selector = {
            "repositoryLocationName": location,
            "repositoryName": repository,
            "pipelineName": name,
        }
        data = self.graphql(JOB_QUERY, {"selector": selector})
        job, schema = data["pipelineOrError"], data["runConfigSchemaOrError"]
        for answer in (job, schema):
            if answer["__typename"] not in ("Pipeline", "RunConfigSchema"):
                raise WebserverError(f"{name}: {answer['__typename']}: {answer.get('message')}")
        ops, descriptions, op_tags = {}, {}, {}
        for handle in job["solidHandles"]:
            solid = handle["solid"]
            ops[solid["name"]] = frozenset(
                up["solid"]["name"] for each in solid["inputs"] for up in each["dependsOn"]
            )
            descriptions[solid["name"]] = solid["definition"]["description"]
            op_tags[solid["name"]] = _pairs(solid["definition"]["metadata"])
        fields = schema["rootConfigType"].get("fields") or []
        return JobView(
            name=job["name"],
            description=job["description"],
            ops=ops,
            op_descriptions=descriptions,
            op_tags=op_tags,
            tags=_pairs(job["tags"]),
            config={field["name"]: _config_field(field) for field in fields},
            default_yaml=schema["rootDefaultYaml"],
        )


def _pairs(items: list[dict[str, str]]) -> dict[str, str]:
    return {item["key"]: item["value"] for item in items}


def _config_field(field: dict[str, Any]) -> ConfigField:
    raw = field["defaultValueAsJson"]
    return ConfigField(
        name=field["name"],
        type=_config_type(field["configType"]),
        required=field["isRequired"],
        default=NO_DEFAULT if raw is None else json.loads(raw),
        description=field["description"],
    )


def _config_type(node: dict[str, Any]) -> ConfigType:
    kind = node["__typename"]
    if kind == "NullableConfigType":
        inner = _config_type(node["ofType"])
        return ConfigType(inner.name, nullable=True, array=inner.array, enum=inner.enum)
    if kind == "ArrayConfigType":
        inner = _config_type(node["ofType"])
        return ConfigType(inner.name, nullable=inner.nullable, array=True, enum=inner.enum)
    if kind == "EnumConfigType":
        return ConfigType(node["givenName"], enum=tuple(v["value"] for v in node["values"]))
    if kind == "ScalarUnionConfigType":  # IntSource, StringSource, ...: a value or an env var
        return ConfigType(node["scalarType"].get("givenName") or node["scalarType"]["key"])
    if kind == "RegularConfigType":
        return ConfigType(node["givenName"])
    return ConfigType(node["key"])


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with _NO_PROXY.open(request, timeout=REQUEST_SECONDS) as response:
            answer: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:  # GraphQL errors come back as 400 with a JSON body
        try:
            answer = json.load(exc)
        except ValueError:
            raise WebserverError(f"{url}: HTTP {exc.code}") from None
    return answer


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with _NO_PROXY.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _loaded(url: str, count: int) -> dict[str, dict[str, tuple[str, ...]]] | None:
    """Each location's repositories and jobs once all ``count`` have loaded; None until then."""
    answer = _post(f"{url}/graphql", {"query": WORKSPACE_QUERY})
    if answer.get("errors"):
        raise WebserverError(f"GraphQL errors: {json.dumps(answer['errors'])}")
    workspace = answer["data"]["workspaceOrError"]
    if workspace["__typename"] != "Workspace":
        raise WebserverError(f"workspace: {workspace.get('message')}")
    entries = workspace["locationEntries"]
    if len(entries) < count or any(e["loadStatus"] != "LOADED" for e in entries):
        return None
    out = {}
    for entry in entries:
        location = entry["locationOrLoadError"]
        if location is None or location["__typename"] != "RepositoryLocation":
            detail = "" if location is None else _error_text(location)
            raise WebserverError(f"location {entry['name']!r} did not load: {detail}")
        out[location["name"]] = {
            repo["name"]: tuple(p["name"] for p in repo["pipelines"])
            for repo in location["repositories"]
        }
    return out


def _error_text(error: dict[str, Any]) -> str:
    """A PythonError's message and its causes' (the user code's own error is a cause)."""
    return "\n".join([error.get("message") or "", *(c["message"] for c in error.get("causes", []))])


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(home)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.pop("DAGSTER_CLI_API_GRPC_HOST", None)
    return env


def write_instance_config(home: Path) -> Path:
    """A ``DAGSTER_HOME`` folder whose ``dagster.yaml`` turns telemetry off."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return home


@contextlib.contextmanager
def running_webserver(
    files: Sequence[Path],
    home: Path,
    *,
    cwd: Path | None = None,
    startup_seconds: float = STARTUP_SECONDS,
) -> Iterator[DagsterWebserver]:
    """Serve ``files`` (one code location each) on a free port; stop the server on exit.

    ``cwd``: the server's working directory, which Dagster also gives the
    code servers (default: the folder of the first file).
    """
    write_instance_config(home)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port)]
    command += ["--read-only"]
    for path in files:
        command += ["-f", str(path)]
    log_path = home / "webserver.log"
    with open(log_path, "wb") as log:
        # A session of its own: the code servers it starts are in its process group.
        process = subprocess.Popen(
            command,
            cwd=cwd or files[0].parent,
            env=_environment(home),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            locations = _wait_until_loaded(process, url, len(files), log_path, startup_seconds)
            yield DagsterWebserver(
                url=url, pid=process.pid, home=home, log=log_path, locations=locations
            )
        finally:
            stop(process)


def _wait_until_loaded(
    process: subprocess.Popen[bytes], url: str, count: int, log: Path, seconds: float
) -> dict[str, dict[str, tuple[str, ...]]]:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise WebserverError(f"dagster-webserver exited {process.returncode}:\n{_tail(log)}")
        if _answers(f"{url}/server_info"):
            locations = _loaded(url, count)
            if locations is not None:
                return locations
        if time.monotonic() > deadline:
            raise WebserverError(f"dagster-webserver not ready in {seconds:.0f} s:\n{_tail(log)}")
        time.sleep(0.25)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a bounded wait, then SIGKILL; then the same for the rest of its process group.

    The group is the server's own (it was started in a new session): what is
    left in it are its code servers.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if _group_gone(process.pid):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + STOP_SECONDS / 2
        while not _group_gone(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _tail(log: Path, size: int = 4000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-size:]
