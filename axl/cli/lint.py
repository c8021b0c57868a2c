"""``axl lint FILE``: check Argo Workflows YAML against Argo's schemas and validator rules."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from axl.cli.common import JsonOption, emit_json, handle_errors
from axl.compiler.argo.versions import ARGO_VERSIONS, NEWEST_ARGO


def register(app: typer.Typer) -> None:
    """Add ``axl lint`` to the app."""
    app.command("lint")(lint)


@handle_errors
def lint(
    file: str = typer.Argument(
        ...,
        help="An Argo YAML file (several documents allowed); - for stdin.",
        metavar="FILE",
        show_default=False,
    ),
    as_json: bool = JsonOption,
    schema_dir: Path | None = typer.Option(
        None,
        "--schema-dir",
        metavar="DIR",
        help="Read Argo's schema.json and CRDs from DIR (default: $AXL_ARGO_SCHEMA_DIR, "
        "else the copies shipped with axl).",
        file_okay=False,
    ),
    strict_names: bool = typer.Option(
        False,
        "--strict-names",
        help="Also require DNS-1123 names that start with a letter, at most 63 characters.",
    ),
    argo_version: str = typer.Option(
        NEWEST_ARGO,
        "--argo-version",
        metavar="|".join(ARGO_VERSIONS),
        help="Check against the schemas of this Argo release (shipped with axl).",
    ),
) -> None:
    """Lint Argo Workflow, WorkflowTemplate or CronWorkflow YAML (exit 1 on errors, 2 if FILE
    is not YAML or the Argo version is not shipped)."""
    from axl.compiler.argo.lint import format_finding, lint_text
    from axl.compiler.argo.lint.schemas import check_argo_version
    from axl.compiler.argo.lint.text import decode_text, read_text

    check_argo_version(argo_version)
    source = "stdin" if file == "-" else file
    text = decode_text(sys.stdin.buffer.read(), source) if file == "-" else read_text(Path(file))
    findings = lint_text(
        text,
        schema_dir=schema_dir,
        strict_names=strict_names,
        source=source,
        argo_version=argo_version,
    )
    errors = sum(1 for f in findings if f.severity == "error")
    if as_json:
        report: dict[str, object] = {
            "ok": errors == 0,
            "findings": [
                {"path": f.path, "rule": f.rule, "message": f.message, "severity": f.severity}
                for f in findings
            ],
        }
        if errors:
            report["error"] = {
                "code": "lint",
                "message": f"{source}: {errors} error{'s' * (errors != 1)}",
                "hint": "see findings; each names the rule and the path in the document",
            }
        emit_json(report)
    else:
        for finding in findings:
            typer.echo(f"{source}: {format_finding(finding)}")
        if errors == 0:
            warnings = len(findings)
            typer.echo(
                f"{source}: ok"
                + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else "")
            )
    if errors:
        raise typer.Exit(code=1)
