"""Image names and the build report: what ``axl compile`` pins a workflow's image by.

A tag is ``REPOSITORY:TAG``; a pinned image is ``REPOSITORY@sha256:<64 hex>``,
the form Kubernetes pulls by content (a tag may move; caches and runs keyed on
it go stale). The report of ``axl build-image --push --json`` carries the
pinned reference, the workflow's name and its hash; ``axl compile
--image-from`` reads it with :func:`load_build_report`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from axl.dataclass_fast import dataclass
from axl.errors import UsageError

__all__ = [
    "BuildReportError",
    "BuiltImage",
    "check_image_reference",
    "load_build_report",
    "parse_tag",
]

_TAG = re.compile(
    r"^(?P<repository>(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*):(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$"
)


def parse_tag(tag: str) -> tuple[str, str]:
    """``REPO:TAG`` -> ``(REPO, TAG)``; anything else is a :class:`~axl.errors.UsageError`."""
    match = _TAG.match(tag or "")
    if match is None:
        raise UsageError(
            f"--tag {tag!r} is not an image name with a tag",
            hint="pass REPOSITORY:TAG, e.g. registry.example.com/team/flow:1.0 "
            "(lower-case repository, a tag after ':')",
        )
    return match.group("repository"), match.group("tag")


_DIGEST_REFERENCE = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")


class BuildReportError(UsageError):
    """A build report (``axl build-image --json``) cannot be used to compile against."""

    code = "build_report"


def check_image_reference(image: str) -> str:
    """``image`` itself; one that names a digest must be ``REPOSITORY@sha256:<64 hex>``."""
    if "@" in image and not _DIGEST_REFERENCE.match(image):
        raise UsageError(
            f"image {image!r} names a digest, but not as REPOSITORY@sha256:<64 hex digits>",
            hint="copy the reference axl build-image --push reported, or give a tag",
        )
    return image


@dataclass(frozen=True)
class BuiltImage:
    """What ``axl compile --image-from`` needs of a build report."""

    reference: str
    """``REPOSITORY@sha256:...``."""
    workflow: str
    hash: str
    tag: str


def load_build_report(path: Path) -> BuiltImage:
    """Read the ``--json`` report of ``axl build-image`` at ``path``.

    Raises :class:`BuildReportError` for a file that is not such a report, or
    a report of an image that was not pushed (it has no digest to pin).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BuildReportError(
            f"cannot read the build report {path}: {exc.strerror or exc}",
            hint="pass the file axl build-image --json wrote",
        ) from None
    except ValueError as exc:
        raise BuildReportError(
            f"{path} is not JSON: {exc}", hint="pass the file axl build-image --json wrote"
        ) from None
    problem = _problem(data, path)
    if problem is not None:
        raise BuildReportError(problem[0], hint=problem[1])
    reference = data["reference"]
    return BuiltImage(reference, data["workflow"], data["hash"], data["tag"])


def _problem(data: object, path: Path) -> tuple[str, str] | None:
    """Why ``data`` cannot pin an image: (message, hint), or None when it can."""
    fields = ("tag", "workflow", "hash")
    if not isinstance(data, dict) or data.get("ok") is not True:
        return (
            f"{path} is not the report of a successful axl build-image --json",
            "build the image with axl build-image --json > FILE, and pass that FILE",
        )
    if not all(isinstance(data.get(name), str) for name in fields):
        return (
            f"{path} lacks the {', '.join(fields)} of an axl build-image report",
            "build the image again with axl build-image --push --json",
        )
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference:
        return (
            f"the image {data['tag']} of {path} was not pushed, so it has no digest to pin",
            "build it with --push, or pass --image REPOSITORY@sha256:... of the pushed image",
        )
    if not _DIGEST_REFERENCE.match(reference):
        return (
            f"{path}: reference {reference!r} is not REPOSITORY@sha256:<64 hex digits>",
            "build the image again with axl build-image --push --json",
        )
    return None
