"""``python -m axl.runtime run --manifest FILE``: the runner command in every pod.

``python -m axl.runtime warm --manifest-json TEXT`` is the warm step of a
workflow with ``warm_env``: it makes every step's env ready before the steps
start (:mod:`axl.runtime.envs`).

Kept to the standard library and axl's light modules so that it starts in
well under 100 ms; heavy libraries load only when a step needs them.

Exit codes: 0 success, 2 bad manifest or params, 3 the step's code raised,
4 infrastructure (missing or corrupt artifact, unwritable output, the
workflow module cannot be imported), 70 a bug in axl.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from axl.errors import AxlError
from axl.manifest import CodeArchive, Manifest, ManifestError, check_archive_digest
from axl.runtime.logs import log_event


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m axl.runtime",
        description="Run one axl step from a manifest (what every backend's pod executes).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute one step")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--manifest", type=Path, help="manifest JSON file")
    source.add_argument("--manifest-json", help="manifest JSON text")
    run.add_argument(
        "--workflow-archive",
        type=Path,
        help="code archive (tar.gz) to extract and import the workflow from",
    )
    run.add_argument("--archive-digest", help="expected blake3 digest of the archive")
    run.add_argument("--workdir", type=Path, help="where to extract the archive (/axl/workdir)")
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a workflow param (JSON value or text); overrides the manifest's params",
    )
    run.add_argument("--run-id", help="the run this step belongs to (overrides the manifest)")
    run.add_argument(
        "--executor-input",
        metavar="JSON",
        help="KFP's executor input ({{$}}): paths and params from it, executor_output.json after",
    )
    run.add_argument(
        "--no-fsync",
        action="store_true",
        help="skip fsync of artifacts (faster; atomic rename is kept)",
    )
    warm = commands.add_parser("warm", help="make the env of every step ready (warm_env)")
    warm_source = warm.add_mutually_exclusive_group(required=True)
    warm_source.add_argument("--manifest", type=Path, help="warm manifest JSON file")
    warm_source.add_argument("--manifest-json", help="warm manifest JSON text")
    return parser


def _load(args: argparse.Namespace) -> Manifest:
    if args.manifest is not None:
        manifest = Manifest.from_file(args.manifest)
    else:
        manifest = Manifest.from_json(args.manifest_json)
    if args.param or args.run_id:
        from axl.param_wire import merge_cli_params

        params = {**manifest.params, **merge_cli_params(None, args.param)}
        manifest = replace(manifest, params=params, run_id=args.run_id or manifest.run_id)
    digest = args.archive_digest
    if digest is not None:
        check_archive_digest(digest, "--archive-digest")
    if args.workflow_archive is not None:
        current = manifest.code
        manifest = replace(
            manifest,
            code=CodeArchive(
                path=str(args.workflow_archive),
                digest=digest or (current.digest if current else None),
                workdir=str(args.workdir or (current.workdir if current else "/axl/workdir")),
            ),
        )
    elif manifest.code is not None:
        code = manifest.code
        manifest = replace(
            manifest,
            code=replace(
                code,
                digest=digest or code.digest,
                workdir=str(args.workdir) if args.workdir is not None else code.workdir,
            ),
        )
    elif digest is not None:
        raise ManifestError(
            "--archive-digest is given but there is no code archive",
            hint="pass --workflow-archive too, or drop --archive-digest",
        )
    # The flags are checked by the same rules as the manifest itself.
    return Manifest.from_dict(manifest.to_dict())


def main(argv: list[str] | None = None) -> int:
    """Run the runner command; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "warm":
        from axl.runtime.warm_command import warm

        return warm(args.manifest, args.manifest_json)
    executor_input = None
    try:
        manifest = _load(args)
        if args.executor_input is not None:
            from axl.runtime.kfp_mode import parse_executor_input, resolved

            executor_input = parse_executor_input(args.executor_input)
            manifest = resolved(manifest, executor_input)
    except AxlError as exc:
        log_event(
            "failed",
            level="error",
            workflow=None,
            step=None,
            run_id=None,
            error={"code": exc.code, "message": exc.message, "hint": exc.hint},
            exit_code=exc.exit_code,
        )
        return exc.exit_code
    from axl.runtime.runner import execute

    outcome = execute(manifest, durable=not args.no_fsync)
    if executor_input is not None and outcome.result is not None:
        from axl.runtime.kfp_mode import write_executor_output

        write_executor_output(executor_input, outcome.result.outputs)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
