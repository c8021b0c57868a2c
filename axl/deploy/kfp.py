"""A Kubeflow Pipelines server: connect, upload a compiled pipeline as a named version, run it.

``axl kfp`` and the Pulumi provider call these functions. What is uploaded
is the exact text ``axl compile --target kfp`` writes; the version is named
after the workflow hash (:func:`version_name`), so uploading unchanged code
again finds the version and sends nothing.

The API token is ``connect(token=...)``, else the environment variable
``KFP_TOKEN``; it reaches the server as ``Authorization: Bearer <token>``
and nothing else: no message, log or file holds it. A failure of the server
or the network is one :class:`~axl.errors.DeployError` (exit 5) naming the
host and what failed. ``kfp`` (the ``axl-workflows[kfp]`` extra) is
imported when a function needs it, never with this module.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axl.dataclass_fast import dataclass
from axl.digests import digest_hex, short_digest
from axl.errors import DeployError, MissingDependencyError, UsageError, WaitTimeoutError

TOKEN_ENV = "KFP_TOKEN"
"""The environment variable :func:`connect` reads the API token from when none is given."""

SUCCEEDED = "SUCCEEDED"
FINAL_STATES = frozenset({SUCCEEDED, "FAILED", "SKIPPED", "CANCELED"})
"""Run states (``V2beta1RuntimeState``) after which a run changes no more."""

VERSION_NAME_LIMIT = 127
"""Most characters KFP takes in a pipeline version's name."""

_HINT_HOST = (
    "check --host: the KFP API URL, e.g. http://localhost:8888 after "
    "`kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888`"
)
_HINT_TOKEN = f"pass a valid token with --existing-token or the {TOKEN_ENV} environment variable"
_ERRNO = re.compile(r"\[Errno [^\]]*\] ([^'\")]+)")
_CONNECTION = re.compile(r"^.*?Connection(Pool)?\([^)]*\): ")  # urllib3's prefix: the host again
_NOT_FOUND = 404
_CONFLICT = 409


@dataclass(frozen=True)
class UploadedVersion:
    """A pipeline version on the server; ``created`` is False when it was there already."""

    pipeline_id: str
    version_id: str
    pipeline_name: str
    version_name: str
    created: bool


def connect(
    host: str,
    *,
    namespace: str | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> Any:
    """A ``kfp.Client`` of the KFP API at ``host`` (``http(s)://HOST[:PORT][/PATH]``).

    ``namespace`` is the user namespace of a multi-user deployment (its
    pipelines, experiments and runs); ``token`` defaults to ``$KFP_TOKEN``.
    The server's health endpoint is asked first, once, waiting at most
    ``timeout`` seconds, so a wrong or unreachable host fails at once.
    """
    kfp, server_api = _sdk()
    url = _api_url(host)
    secret = token or os.environ.get(TOKEN_ENV) or None
    _probe(server_api, url, secret, timeout)
    given = {"namespace": namespace} if namespace else {}
    with _calls(host_label(url), "connecting", secret):
        return kfp.Client(host=url, existing_token=secret, **given)


def pipeline_digest(spec_text: str, workflow_hash: str) -> str:
    """``blake3:<hex>`` of a compiled pipeline: the workflow's hash, then the file's text.

    The text changes with every compile option (image, packages, axl's
    version), the hash with the code the spec does not hold (the image or the
    archive does): a version named after both is stale after neither.
    """
    from blake3 import blake3

    from axl.digests import format_digest

    hasher = blake3()
    hasher.update(f"{workflow_hash}\n".encode())
    hasher.update(spec_text.encode("utf-8"))
    return format_digest(hasher.hexdigest())


def version_name(pipeline_name: str, workflow_hash: str) -> str:
    """``<pipeline>-<first 12 hex digits of the hash>``: a valid KFP version name."""
    from axl.compiler.kfp.options import check_pipeline_name

    check_pipeline_name(pipeline_name)
    hex_digits = digest_hex(workflow_hash)
    if hex_digits is None:
        raise UsageError(
            f"{workflow_hash!r} is not a workflow hash",
            hint="pass the hash a compile reports (blake3:<64 hex digits>)",
        )
    return f"{pipeline_name}-{short_digest(hex_digits)}"


def upload(
    client: Any,
    *,
    spec_text: str,
    pipeline_name: str,
    version_name: str,
    description: str | None = None,
) -> UploadedVersion:
    """Make version ``version_name`` of ``pipeline_name`` hold ``spec_text``; upload at most once.

    The pipeline is created when it is absent; an existing version of that
    name is returned as it is (``created=False``) and nothing is uploaded.
    The bytes uploaded are ``spec_text`` in UTF-8, exactly.
    """
    host, token = _endpoint(client)
    pipeline_id = _find_pipeline(client, pipeline_name)
    if pipeline_id is None:
        pipeline_id = _create_pipeline(client, pipeline_name, description)
    else:
        found = _find_version(client, pipeline_id, version_name)
        if found is not None:
            return UploadedVersion(pipeline_id, found, pipeline_name, version_name, False)
    with tempfile.TemporaryDirectory(prefix="axl-kfp-") as folder:
        path = Path(folder) / f"{version_name}.yaml"  # the server reads the format from the name
        path.write_bytes(spec_text.encode("utf-8"))
        try:
            with _calls(host, f"uploading version {version_name!r}", token):
                version = client.upload_pipeline_version(
                    str(path), version_name, pipeline_id=pipeline_id, description=description
                )
        except DeployError as exc:
            if exc.context.get("status") != _CONFLICT:
                raise
            found = _find_version(client, pipeline_id, version_name)  # uploaded meanwhile
            if found is None:
                raise
            return UploadedVersion(pipeline_id, found, pipeline_name, version_name, False)
    return UploadedVersion(
        pipeline_id, str(version.pipeline_version_id), pipeline_name, version_name, True
    )


def delete_version(client: Any, *, pipeline_id: str, version_id: str) -> None:
    """Delete a pipeline version; one that is not there (any more) is no error."""
    host, token = _endpoint(client)
    try:
        with _calls(host, f"deleting version {version_id} of pipeline {pipeline_id}", token):
            client.delete_pipeline_version(pipeline_id, version_id)
    except DeployError as exc:
        if exc.context.get("status") != _NOT_FOUND:
            raise


def start_run(
    client: Any,
    *,
    pipeline_id: str,
    version_id: str,
    params: Mapping[str, Any],
    experiment: str | None,
    run_name: str,
) -> str:
    """Start a run of a pipeline version with ``params`` (JSON values); its run id.

    The run goes to ``experiment`` (created when absent), else to the
    server's default experiment.
    """
    host, token = _endpoint(client)
    experiment_id = None
    if experiment:
        with _calls(host, f"finding or creating experiment {experiment!r}", token):
            experiment_id = client.create_experiment(experiment).experiment_id
    with _calls(host, f"starting run {run_name!r}", token):
        run = client.run_pipeline(
            experiment_id=experiment_id,
            job_name=run_name,
            params=dict(params),
            pipeline_id=pipeline_id,
            version_id=version_id,
        )
    return str(run.run_id)


def wait_run(client: Any, run_id: str, timeout: float, *, poll: float = 5.0) -> str:
    """The final state of a run (one of :data:`FINAL_STATES`), asking every ``poll`` seconds.

    A run still going after ``timeout`` seconds is a
    :class:`~axl.errors.WaitTimeoutError`; the run itself goes on.
    """
    host, token = _endpoint(client)
    deadline = time.monotonic() + timeout
    while True:
        with _calls(host, f"reading run {run_id}", token):
            state = str(client.get_run(run_id).state or "")
        if state in FINAL_STATES:
            return state
        left = deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeoutError(
                f"run {run_id} on {host} is still {state or 'not started'} after {timeout:g} s",
                hint="wait longer (--timeout SECONDS) or follow the run in the KFP UI",
                host=host,
                run_id=run_id,
            )
        time.sleep(min(poll, left))


# --- the pipeline and its versions, by name -------------------------------------------


def _name_filter(name: str) -> str:
    """A KFP list filter (a ``Filter`` proto as JSON): ``display_name`` equals ``name``."""
    predicate = {"operation": "EQUALS", "key": "display_name", "stringValue": name}
    return json.dumps({"predicates": [predicate]})


def _find_pipeline(client: Any, name: str) -> str | None:
    host, token = _endpoint(client)
    with _calls(host, f"looking up pipeline {name!r}", token):
        listed = client.list_pipelines(
            filter=_name_filter(name), namespace=client.get_user_namespace() or None
        )
    ids = [str(p.pipeline_id) for p in listed.pipelines or () if name in (p.display_name, p.name)]
    if len(ids) > 1:
        raise DeployError(
            f"{len(ids)} pipelines on {host} are named {name!r}",
            hint="delete the extra ones, or pass another --pipeline-name",
            host=host,
        )
    return ids[0] if ids else None


def _create_pipeline(client: Any, name: str, description: str | None) -> str:
    """An empty pipeline, so that its first version gets the version's name.

    ``kfp.Client.upload_pipeline`` would name the first version after the
    pipeline, and the next upload would not find it; the client has no
    public call to create a pipeline alone, so this uses its pipeline API.
    """
    _, server_api = _sdk()
    host, token = _endpoint(client)
    body = server_api.V2beta1Pipeline(
        name=name,
        display_name=name,
        description=description,
        namespace=client.get_user_namespace() or None,
    )
    try:
        with _calls(host, f"creating pipeline {name!r}", token):
            created = client._pipelines_api.pipeline_service_create_pipeline(pipeline=body)
    except DeployError as exc:
        if exc.context.get("status") != _CONFLICT:
            raise
        found = _find_pipeline(client, name)  # created meanwhile
        if found is None:
            raise
        return found
    return str(created.pipeline_id)


def _find_version(client: Any, pipeline_id: str, name: str) -> str | None:
    host, token = _endpoint(client)
    with _calls(host, f"looking up version {name!r}", token):
        listed = client.list_pipeline_versions(pipeline_id, filter=_name_filter(name))
    for version in listed.pipeline_versions or ():
        if name in (version.display_name, version.name):
            return str(version.pipeline_version_id)
    return None


# --- the SDK, the host, and the failures -----------------------------------------------


def _sdk() -> tuple[Any, Any]:
    """``kfp`` and ``kfp_server_api``, or the one-line error naming the extra."""
    import importlib

    try:
        return importlib.import_module("kfp"), importlib.import_module("kfp_server_api")
    except ImportError as exc:
        raise MissingDependencyError(
            f"deploying to Kubeflow Pipelines needs the kfp extra ({exc.name or 'kfp'} is missing)",
            hint="pip install 'axl-workflows[kfp]'",
        ) from None


def _api_url(host: str) -> str:
    url = host.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"KFP host {host!r} is not an http:// or https:// URL", hint=_HINT_HOST, host=host
        )
    return url


def host_label(url: str) -> str:
    """``url`` as messages name it: without any user or password in it."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _endpoint(client: Any) -> tuple[str, str | None]:
    """The host a client talks to, as messages name it, and its token (to keep it out of them).

    ``kfp.Client`` keeps both only in its configuration object.
    """
    config = getattr(client, "_existing_config", None)
    host = getattr(config, "host", None)
    keys = getattr(config, "api_key", None) or {}
    return (host_label(host) if host else "the KFP server"), keys.get("authorization")


def _probe(server_api: Any, url: str, token: str | None, timeout: float) -> None:
    """Ask the health endpoint once, within ``timeout`` seconds.

    ``kfp.Client`` asks it too, but retries each failure five times five
    seconds apart, logging a traceback each time, and never times out.
    """
    config = server_api.Configuration(host=url)
    config.retries = 0  # one attempt: urllib3 logs a warning before each retry
    if token:
        config.api_key["authorization"] = token
        config.api_key_prefix["authorization"] = "Bearer"
    api_client = server_api.ApiClient(config)
    try:
        with _calls(host_label(url), "connecting", token):
            server_api.HealthzServiceApi(api_client).healthz_service_get_healthz(
                _request_timeout=(timeout, timeout)
            )
    finally:
        api_client.close()


@contextlib.contextmanager
def _calls(host: str, what: str, token: str | None) -> Iterator[None]:
    """Run SDK calls quietly (the client prints links and warns); failures as one DeployError."""
    import urllib3

    api_exception = _sdk()[1].ApiException
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except api_exception as exc:
        raise _refused(host, what, exc, token) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _unreachable(host, what, exc, token) from None


def _refused(host: str, what: str, exc: Any, token: str | None) -> DeployError:
    status = int(exc.status or 0)
    if status == 0:  # the SDK's own wrapping of a TLS failure
        return _unreachable(host, what, exc.reason or "TLS error", token)
    detail = f"HTTP {status} {exc.reason or ''}".rstrip()
    said = _server_message(exc.body)
    if said:
        detail += f": {said}"
    if status in (401, 403):
        hint = _HINT_TOKEN
    elif status == _NOT_FOUND:
        hint = f"{_HINT_HOST}; it serves /apis/v2beta1"
    elif status >= 500:
        hint = "the server failed; the logs of its ml-pipeline deployment say why"
    else:
        hint = "the server's message says what it refused"
    return _failure(host, what, detail, hint, token, status=status)


def _unreachable(host: str, what: str, exc: Any, token: str | None) -> DeployError:
    text = str(getattr(exc, "reason", None) or exc)
    errno = _ERRNO.search(text)
    detail = errno.group(1) if errno else _CONNECTION.sub("", text)
    return _failure(host, what, f"cannot reach the server ({detail})", _HINT_HOST, token)


def _failure(
    host: str, what: str, detail: str, hint: str, token: str | None, **context: Any
) -> DeployError:
    message = f"Kubeflow Pipelines at {host}: {what} failed: {' '.join(detail.split())}"
    if len(message) > 400:
        message = message[:397] + "..."
    if token:
        message = message.replace(token, "***")
    return DeployError(message, hint=hint, host=host, **context)


def _server_message(body: Any) -> str:
    """The ``message`` (or ``error``) of a gRPC-gateway error body, if it has one."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip().splitlines()[0]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or "")
    return ""
