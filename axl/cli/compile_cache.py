"""The step-cache part of ``axl compile``: the store, its credentials, the code digested once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from axl.errors import UsageError

if TYPE_CHECKING:
    from axl.cli.code_delivery import CodeShipment
    from axl.compiler.target import Target
    from axl.ir import IRWorkflow


def check_store(store: str | None) -> str | None:
    """``--cache-store`` as given, checked as the workflow option ``cache_store`` is."""
    from axl.dsl.options import OptionValueError
    from axl.dsl.workflow import check_cache_store

    try:
        checked = check_cache_store(store)
    except OptionValueError as exc:
        raise UsageError(f"--cache-store {store!r}: {exc}", hint="s3://BUCKET/PREFIX") from None
    return checked


def cache_options(
    chosen: Target,
    options: Any,
    ir: IRWorkflow,
    *,
    store: str | None,
    secret: str | None,
    archive_secret: str | None,
    endpoint: str | None,
    endpoint_flag: str | None,
    module_file: Path,
    code: CodeShipment | None,
    exclude: list[str] | None,
    out: Path | None,
) -> tuple[Any, list[str]]:
    """``options`` with the step cache of the workflow's ``cache=True`` steps, and warnings.

    ``store`` is ``--cache-store`` or else the workflow's ``cache_store``; without
    one, or without a cached step, the options are unchanged (and the output is what
    it was before the cache existed). The code is digested as a local run digests it
    (the archive's files when the code ships as one). The credentials' Secret is
    ``secret``, else the code archive's ``archive_secret``. ``endpoint`` is the
    store's endpoint (``endpoint_flag``, the ``--cache-endpoint`` given, else the
    code archive's endpoint, which needs no cache store).
    """
    flags = {"--cache-secret": secret, "--cache-endpoint": endpoint_flag}
    if store is None:
        for flag, value in flags.items():
            if value:
                raise UsageError(
                    f"{flag} needs a cache store",
                    hint="pass --cache-store s3://BUCKET/PREFIX (or set the workflow's "
                    "cache_store)",
                )
        return options, []
    from axl.planning.cache import CacheSettings

    secret = secret or archive_secret
    chosen.with_cache(options, CacheSettings(store=store), secret)  # refuses a bad store early
    if not any(node.cache for node in ir.nodes):
        message = f"no step of workflow {ir.name!r} has cache=True: the cache store is unused"
        return options, [message]
    from axl.planning.cache_code import project_cache

    found = project_cache(
        ir,
        store,
        module_file.resolve(),
        root=code.packaged.root if code is not None else None,
        exclude=exclude or (),
        output=out,
        endpoint=endpoint,
    )
    return chosen.with_cache(options, found.settings, secret), list(found.warnings)


def endpoint_url(cache_endpoint: str | None, artifact_endpoint: str | None) -> str | None:
    """The store's endpoint as the steps reach it: ``--cache-endpoint``, else the code
    archive's ``--artifact-endpoint`` (https unless it says http://)."""
    if cache_endpoint is not None:
        from axl.packaging.location import parse_endpoint

        parse_endpoint(cache_endpoint, "--cache-endpoint")
        return cache_endpoint if "://" in cache_endpoint else f"https://{cache_endpoint}"
    if artifact_endpoint is None:
        return None
    return artifact_endpoint if "://" in artifact_endpoint else f"https://{artifact_endpoint}"
