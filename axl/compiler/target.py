"""What a compile target is: its flags, its options, and compile, render and check.

The CLI knows no target by name: ``axl compile --target NAME`` looks the
target up in :mod:`axl.compiler.registry`, parses the target's own flags
with :func:`parse_flags`, and calls :meth:`Target.compile`. A new backend
is a module with a :class:`Target` subclass and one line in the registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from axl.dataclass_fast import dataclass
from axl.errors import UsageError
from axl.naming import is_dns_subdomain

if TYPE_CHECKING:
    from axl.ir import IRWorkflow
    from axl.planning.cache import CacheSettings


class ShippedCode(Protocol):
    """The workflow's code archive in S3 (:class:`axl.packaging.CodeLocation` is one)."""

    @property
    def key(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def bucket(self) -> str | None: ...
    @property
    def endpoint(self) -> str | None: ...
    @property
    def insecure(self) -> bool | None: ...
    @property
    def secret(self) -> str | None: ...
    @property
    def workflow_ref(self) -> str | None: ...


@dataclass(frozen=True)
class TargetFlag:
    """A command-line flag of one target: ``--flag VALUE`` sets the option ``field``.

    ``kind``: ``str``, ``int``, ``bool`` (a switch, no value) or ``list`` (repeatable).
    """

    flag: str
    field: str
    help: str
    kind: type = str
    metavar: str = "TEXT"


IMAGE_FLAG = TargetFlag(
    "--image", "image", "Image of steps that set none (default: the axl runner image)."
)
PACKAGES_FLAG = TargetFlag(
    "--packages",
    "packages_policy",
    "What the runner does about missing step packages: check, install or none.",
)
PYTHON_PATH_FLAG = TargetFlag(
    "--python-path",
    "python_path",
    "A folder in the image to import the workflow from (repeatable).",
    kind=list,
    metavar="DIR",
)
"""Flags every container target has: the default image, the package policy, ``sys.path``."""


@dataclass(frozen=True)
class Compiled:
    """A compiled document, its text as written to ``--out``, and warnings about it."""

    document: Any
    text: str
    warnings: tuple[str, ...]
    kind: str
    hash: str


class Target(ABC):
    """One backend ``axl compile`` writes for."""

    name: ClassVar[str]
    summary: ClassVar[str]
    flags: ClassVar[tuple[TargetFlag, ...]] = ()

    @abstractmethod
    def options(self, values: Mapping[str, Any]) -> Any:
        """The target's options object from parsed flag values (unset flags are absent)."""

    def with_code(self, options: Any, code: ShippedCode) -> Any:
        """``options`` with the workflow's code shipped as an archive at ``code``."""
        raise UsageError(
            f"--target {self.name} cannot take the code as an archive yet",
            hint="bake the code into the image instead",
        )

    def with_cache(self, options: Any, cache: CacheSettings, secret: str | None) -> Any:
        """``options`` with the step cache of ``cache=True`` steps in ``cache.store``, its S3
        credentials from the Kubernetes Secret ``secret`` (None: the pod's own)."""
        raise UsageError(
            f"--target {self.name} cannot share a step cache yet", hint="leave --cache-store out"
        )

    @abstractmethod
    def compile(self, ir: IRWorkflow, options: Any) -> Compiled:
        """Compile and render ``ir``: a pure function of the IR and the options."""

    @abstractmethod
    def check(self, compiled: Compiled) -> list[str]:
        """Check the output: raise :class:`~axl.errors.LintError` on errors, return warnings."""


def with_pod_cache(target: str, options: Any, cache: CacheSettings, secret: str | None) -> Any:
    """``options`` (with fields ``image``, ``cache``, ``cache_secret``) for steps that run in
    pods: the store is S3 (a folder of this machine means nothing to a pod), and an image
    pinned by digest names a step's environment."""
    if not cache.store.startswith("s3://"):
        raise UsageError(
            f"--target {target} runs steps in pods, which cannot reach the cache folder "
            f"{cache.store}",
            hint="pass --cache-store s3://BUCKET/PREFIX",
        )
    if secret is not None and not is_dns_subdomain(secret):
        raise UsageError(
            f"--cache-secret {secret!r} is not a Kubernetes Secret name",
            hint="lower-case letters, digits, '-' and '.'",
        )
    pods = replace(cache, images=True, image=options.image)
    return replace(options, cache=pods, cache_secret=secret)


def parse_flags(target: Target, args: Sequence[str]) -> dict[str, Any]:
    """Field -> value of the target's flags in ``args``; anything else is a usage error."""
    by_flag = {flag.flag: flag for flag in target.flags}
    values: dict[str, Any] = {}
    items = list(args)
    while items:
        arg = items.pop(0)
        name, has_value, value = arg.partition("=")
        flag = by_flag.get(name)
        if flag is None:
            known = ", ".join(by_flag) or "none"
            raise UsageError(
                f"--target {target.name} has no option {name!r}",
                hint=f"its options: {known} (axl compile --help lists them)",
            )
        if flag.kind is bool:
            if has_value:
                raise UsageError(f"{name} is a switch: it takes no value")
            values[flag.field] = True
            continue
        if not has_value:
            if not items or items[0].startswith("--"):
                raise UsageError(f"{name} needs a value ({flag.metavar})")
            value = items.pop(0)
        values[flag.field] = _convert(flag, value, values.get(flag.field))
    return values


def _convert(flag: TargetFlag, value: str, earlier: Any) -> Any:
    if flag.kind is list:
        return [*(earlier or []), value]
    if flag.kind is int:
        try:
            number = int(value)
        except ValueError:
            raise UsageError(f"{flag.flag} takes a whole number, not {value!r}") from None
        if number < 0:
            raise UsageError(f"{flag.flag} must not be negative, not {number}")
        return number
    return value


def flags_help(targets: Sequence[Target]) -> str:
    """The targets and their options, for ``axl compile --help``."""
    lines = []
    for target in targets:
        lines.append(f"--target {target.name}: {target.summary}")
        for flag in target.flags:
            value = "" if flag.kind is bool else f" {flag.metavar}"
            lines.append(f"  {flag.flag}{value}: {flag.help}")
    return "\n".join(lines)
