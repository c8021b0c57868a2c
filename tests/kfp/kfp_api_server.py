"""A TEST DOUBLE of the Kubeflow Pipelines v2beta1 REST API: a real HTTP server on 127.0.0.1.

It is not KFP: it answers the endpoints ``kfp.Client`` (2.17) calls to find,
create and upload pipelines and versions, find or create experiments, and
create and read runs, and keeps what it receives in memory (each version's
uploaded bytes, each run's runtime config). It records every request
(method, path, query, headers), so a test can assert what was sent, or that
nothing was. Answers are JSON with the proto field names, as the real
server's gRPC gateway writes them; an unknown endpoint is a 404 with a JSON
error. Runs do not execute: each ends in :attr:`KfpApiServer.final_state`
after :attr:`KfpApiServer.polls_before_final` reads that say ``RUNNING``.

Use the ``kfp_api_server`` fixture, or ``with KfpApiServer() as server:``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

API = "/apis/v2beta1"
_ID = "([^/:]+)"
_UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".zip", ".tar.gz", ".tgz")
_NAME_LIMITS = {"pipeline": 128, "version": 127}
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 500: 13}


@dataclass(frozen=True)
class Request:
    """One request as the double received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Pipeline:
    pipeline_id: str
    name: str
    display_name: str
    description: str
    namespace: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return _fields(self)


@dataclass
class Version:
    pipeline_version_id: str
    pipeline_id: str
    name: str
    display_name: str
    description: str
    filename: str
    spec: bytes
    created_at: str

    def to_json(self, *, with_spec: bool = False) -> dict[str, Any]:
        data = _fields(self, leave_out=("filename", "spec"))
        if with_spec:  # the server answers the stored spec as a JSON object
            data["pipeline_spec"] = next(yaml.safe_load_all(self.spec.decode("utf-8")))
        return data


@dataclass
class Experiment:
    experiment_id: str
    display_name: str
    description: str
    namespace: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {**_fields(self), "storage_state": "AVAILABLE"}


@dataclass
class Run:
    run_id: str
    display_name: str
    experiment_id: str
    pipeline_id: str
    pipeline_version_id: str
    runtime_config: dict[str, Any]
    service_account: str
    created_at: str
    final_state: str
    polls_before_final: int
    reads: int = 0

    @property
    def state(self) -> str:
        return self.final_state if self.reads > self.polls_before_final else "RUNNING"

    def to_json(self) -> dict[str, Any]:
        data = _fields(
            self,
            leave_out=("pipeline_id", "final_state", "polls_before_final", "reads"),
        )
        data["pipeline_version_reference"] = {
            "pipeline_id": self.pipeline_id,
            "pipeline_version_id": self.pipeline_version_id,
        }
        data["state"] = "PENDING" if self.reads == 0 else self.state
        data["storage_state"] = "AVAILABLE"
        return data


class ApiError(Exception):
    """An error answer: an HTTP status and the gateway's JSON error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class KfpApiServer:
    """The double's state, and the HTTP server that serves it (see the module docstring).

    ``expected_token``: when set, a request without ``Authorization: Bearer
    <it>`` is a 401. ``failures``: ``(METHOD, path)`` -> ``(status, message)``
    answered instead of the endpoint's own answer.
    """

    final_state: str = "SUCCEEDED"
    polls_before_final: int = 0
    expected_token: str | None = None
    failures: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)
    experiments: dict[str, Experiment] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    _requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> KfpApiServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.double = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._httpd = self._thread = None

    def __enter__(self) -> KfpApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the host to give ``kfp.Client``."""
        assert self._httpd is not None, "the double is not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # --- what a test reads ----------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """Every request so far, in order."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str, path: str) -> list[Request]:
        """The requests of ``method`` to exactly ``path`` (``/apis/v2beta1/...``)."""
        return [r for r in self.requests if r.method == method and r.path == path]

    def uploads(self) -> list[Request]:
        """The requests that upload a pipeline spec (a new pipeline or a new version)."""
        return [r for r in self.requests if r.path.startswith(f"{API}/pipelines/upload")]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def pipeline_named(self, name: str) -> Pipeline:
        (found,) = [p for p in self.pipelines.values() if p.name == name]
        return found

    def versions_of(self, pipeline_id: str) -> list[Version]:
        """The versions of a pipeline, oldest first."""
        return [v for v in self.versions.values() if v.pipeline_id == pipeline_id]

    # --- serving --------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        with self._lock:
            self._requests.append(Request(method, parts.path, query, headers))
            try:
                self._authorize(headers)
                failure = self.failures.get((method, parts.path))
                if failure is not None:
                    raise ApiError(*failure)
                for verb, pattern, endpoint in _ROUTES:
                    match = pattern.fullmatch(parts.path)
                    if verb == method and match:
                        return 200, endpoint(self, match.groups(), _Call(query, headers, body))
                raise ApiError(404, f"the KFP test double has no endpoint {method} {parts.path}")
            except ApiError as exc:
                code = _GRPC_CODES.get(exc.status, 2)
                return exc.status, {"error": exc.message, "code": code, "message": exc.message}

    def _authorize(self, headers: dict[str, str]) -> None:
        if self.expected_token is None:
            return
        if headers.get("authorization") != f"Bearer {self.expected_token}":
            raise ApiError(401, "Unauthenticated: the request has no valid bearer token")

    # --- endpoints ------------------------------------------------------------------

    def _healthz(self, _ids: tuple[str, ...], _call: _Call) -> Any:
        return {"multi_user": False, "pipeline_store": "database"}

    def _list_pipelines(self, _ids: tuple[str, ...], call: _Call) -> Any:
        found = _filtered(self.pipelines.values(), call.first("filter"))
        return _listing("pipelines", [p.to_json() for p in found])

    def _create_pipeline(self, _ids: tuple[str, ...], call: _Call) -> Any:
        data = call.json()
        name = data.get("name") or data.get("display_name") or ""
        return self._new_pipeline(
            name, data.get("display_name") or name, data.get("description") or "",
            data.get("namespace") or "",
        ).to_json()  # fmt: skip

    def _get_pipeline(self, ids: tuple[str, ...], _call: _Call) -> Any:
        return self._pipeline(ids[0]).to_json()

    def _delete_pipeline(self, ids: tuple[str, ...], _call: _Call) -> Any:
        pipeline = self._pipeline(ids[0])
        if self.versions_of(pipeline.pipeline_id):
            raise ApiError(400, f"pipeline {pipeline.pipeline_id} still has versions")
        del self.pipelines[pipeline.pipeline_id]
        return {}

    def _upload_pipeline(self, _ids: tuple[str, ...], call: _Call) -> Any:
        filename, spec = call.uploaded_file()
        name = call.first("name") or call.first("display_name") or filename
        pipeline = self._new_pipeline(
            name, call.first("display_name") or name, call.first("description"),
            call.first("namespace"),
        )  # fmt: skip
        self._new_version(pipeline, name, call.first("description"), filename, spec)
        return pipeline.to_json()

    def _upload_version(self, _ids: tuple[str, ...], call: _Call) -> Any:
        filename, spec = call.uploaded_file()
        pipeline_id = call.first("pipelineid")
        if not pipeline_id:
            raise ApiError(400, "Failed to create a pipeline version: no pipelineid")
        pipeline = self._pipeline(pipeline_id)
        name = call.first("name") or call.first("display_name") or filename
        return self._new_version(
            pipeline, name, call.first("description"), filename, spec
        ).to_json()

    def _list_versions(self, ids: tuple[str, ...], call: _Call) -> Any:
        pipeline = self._pipeline(ids[0])
        found = _filtered(self.versions_of(pipeline.pipeline_id), call.first("filter"))
        return _listing("pipeline_versions", [v.to_json() for v in found])

    def _get_version(self, ids: tuple[str, ...], _call: _Call) -> Any:
        return self._version(*ids).to_json(with_spec=True)

    def _delete_version(self, ids: tuple[str, ...], _call: _Call) -> Any:
        del self.versions[self._version(*ids).pipeline_version_id]
        return {}

    def _list_experiments(self, _ids: tuple[str, ...], call: _Call) -> Any:
        found = _filtered(self.experiments.values(), call.first("filter"))
        return _listing("experiments", [e.to_json() for e in found])

    def _create_experiment(self, _ids: tuple[str, ...], call: _Call) -> Any:
        data = call.json()
        return self._new_experiment(
            data.get("display_name") or "", data.get("description") or "",
            data.get("namespace") or "",
        ).to_json()  # fmt: skip

    def _get_experiment(self, ids: tuple[str, ...], _call: _Call) -> Any:
        if ids[0] not in self.experiments:
            raise ApiError(404, f"experiment {ids[0]} not found")
        return self.experiments[ids[0]].to_json()

    def _create_run(self, _ids: tuple[str, ...], call: _Call) -> Any:
        data = call.json()
        reference = data.get("pipeline_version_reference") or {}
        version = self._version(
            reference.get("pipeline_id", ""), reference.get("pipeline_version_id", "")
        )
        experiment_id = data.get("experiment_id") or self._default_experiment().experiment_id
        if experiment_id not in self.experiments:
            raise ApiError(404, f"experiment {experiment_id} not found")
        run = Run(
            run_id=str(uuid.uuid4()),
            display_name=data.get("display_name") or "",
            experiment_id=experiment_id,
            pipeline_id=version.pipeline_id,
            pipeline_version_id=version.pipeline_version_id,
            runtime_config=data.get("runtime_config") or {},
            service_account=data.get("service_account") or "",
            created_at=_now(),
            final_state=self.final_state,
            polls_before_final=self.polls_before_final,
        )
        self.runs[run.run_id] = run
        return run.to_json()

    def _get_run(self, ids: tuple[str, ...], _call: _Call) -> Any:
        run = self.runs.get(ids[0])
        if run is None:
            raise ApiError(404, f"run {ids[0]} not found")
        run.reads += 1
        return run.to_json()

    # --- state ----------------------------------------------------------------------

    def _new_pipeline(self, name: str, display: str, description: str, ns: str) -> Pipeline:
        _check_name("pipeline", name)
        if any(p.name == name for p in self.pipelines.values()):
            raise ApiError(409, f"a pipeline named {name!r} already exists")
        pipeline = Pipeline(str(uuid.uuid4()), name, display, description, ns, _now())
        self.pipelines[pipeline.pipeline_id] = pipeline
        return pipeline

    def _new_version(
        self, pipeline: Pipeline, name: str, description: str, filename: str, spec: bytes
    ) -> Version:
        _check_name("version", name)
        if any(v.name == name for v in self.versions_of(pipeline.pipeline_id)):
            raise ApiError(409, f"pipeline {pipeline.name!r} has a version named {name!r}")
        version = Version(
            str(uuid.uuid4()), pipeline.pipeline_id, name, name, description, filename, spec,
            _now(),
        )  # fmt: skip
        self.versions[version.pipeline_version_id] = version
        return version

    def _new_experiment(self, name: str, description: str, namespace: str) -> Experiment:
        if not name:
            raise ApiError(400, "an experiment needs a display_name")
        if any(e.display_name == name for e in self.experiments.values()):
            raise ApiError(409, f"an experiment named {name!r} already exists")
        experiment = Experiment(str(uuid.uuid4()), name, description, namespace, _now())
        self.experiments[experiment.experiment_id] = experiment
        return experiment

    def _default_experiment(self) -> Experiment:
        for experiment in self.experiments.values():
            if experiment.display_name == "Default":
                return experiment
        return self._new_experiment("Default", "", "")

    def _pipeline(self, pipeline_id: str) -> Pipeline:
        if pipeline_id not in self.pipelines:
            raise ApiError(404, f"pipeline {pipeline_id} not found")
        return self.pipelines[pipeline_id]

    def _version(self, pipeline_id: str, version_id: str) -> Version:
        version = self.versions.get(version_id)
        if version is None or version.pipeline_id != pipeline_id:
            raise ApiError(404, f"version {version_id} of pipeline {pipeline_id} not found")
        return version


@dataclass(frozen=True)
class _Call:
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def first(self, key: str) -> str:
        return self.query.get(key, [""])[0]

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the body is not a JSON object")
        return data

    def uploaded_file(self) -> tuple[str, bytes]:
        """The ``uploadfile`` part of a multipart/form-data body: its file name and bytes."""
        kind = self.headers.get("content-type", "")
        found = re.search(r'boundary="?([^";]+)"?', kind)
        if not kind.startswith("multipart/form-data") or found is None:
            raise ApiError(400, "Failed to read pipeline from file: not multipart/form-data")
        for part in self.body.split(b"--" + found.group(1).encode())[1:-1]:
            head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            disposition = head.decode("utf-8", "replace")
            if 'name="uploadfile"' not in disposition:
                continue
            filename = re.search(r'filename="([^"]*)"', disposition)
            name = filename.group(1) if filename else ""
            if not name.endswith(_UPLOAD_SUFFIXES):
                raise ApiError(400, f"Failed to read a pipeline spec file: unexpected {name!r}")
            return name, content.removesuffix(b"\r\n")
        raise ApiError(400, "Failed to read pipeline from file: no uploadfile part")


_Endpoint = Callable[[KfpApiServer, tuple[str, ...], _Call], Any]

_ROUTES: list[tuple[str, re.Pattern[str], _Endpoint]] = [
    (method, re.compile(API + path), endpoint)
    for method, path, endpoint in [
        ("GET", "/healthz", KfpApiServer._healthz),
        ("GET", "/pipelines", KfpApiServer._list_pipelines),
        ("POST", "/pipelines", KfpApiServer._create_pipeline),
        ("POST", "/pipelines/upload", KfpApiServer._upload_pipeline),
        ("POST", "/pipelines/upload_version", KfpApiServer._upload_version),
        ("GET", f"/pipelines/{_ID}", KfpApiServer._get_pipeline),
        ("DELETE", f"/pipelines/{_ID}", KfpApiServer._delete_pipeline),
        ("GET", f"/pipelines/{_ID}/versions", KfpApiServer._list_versions),
        ("GET", f"/pipelines/{_ID}/versions/{_ID}", KfpApiServer._get_version),
        ("DELETE", f"/pipelines/{_ID}/versions/{_ID}", KfpApiServer._delete_version),
        ("GET", "/experiments", KfpApiServer._list_experiments),
        ("POST", "/experiments", KfpApiServer._create_experiment),
        ("GET", f"/experiments/{_ID}", KfpApiServer._get_experiment),
        ("POST", "/runs", KfpApiServer._create_run),
        ("GET", f"/runs/{_ID}", KfpApiServer._get_run),
    ]
]


class _Handler(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        double: KfpApiServer = self.server.double  # type: ignore[attr-defined]
        status, payload = double.handle(self.command, self.path, headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the double records requests instead of logging them."""


def _filtered(items: Any, text: str) -> list[Any]:
    """``items`` that pass a KFP list filter (only EQUALS predicates, as kfp.Client sends)."""
    if not text:
        return list(items)
    try:
        predicates = json.loads(text).get("predicates", [])
    except (ValueError, AttributeError):
        raise ApiError(400, f"filter {text!r} is not a Filter JSON object") from None
    chosen = list(items)
    for predicate in predicates:
        if predicate.get("operation") not in ("EQUALS", 1):
            raise ApiError(400, f"the KFP test double only filters with EQUALS: {predicate}")
        key = predicate.get("key", "")
        value = predicate.get("stringValue", predicate.get("string_value"))
        chosen = [item for item in chosen if getattr(item, key, None) == value]
    return chosen


def _listing(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A list answer: the gateway leaves an empty list out."""
    return {key: items, "total_size": len(items)} if items else {}


def _check_name(kind: str, name: str) -> None:
    if not name:
        raise ApiError(400, f"a {kind} needs a name")
    if len(name) > _NAME_LIMITS[kind]:
        raise ApiError(400, f"{kind} name length cannot exceed {_NAME_LIMITS[kind]}")


def _fields(item: Any, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in vars(item).items() if k not in leave_out}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def kfp_api_server() -> Iterator[KfpApiServer]:
    """A started double of the KFP API, stopped after the test."""
    with KfpApiServer() as server:
        yield server
