"""Kubernetes names: the rules axl checks and the names its compilers make.

Kubernetes knows two shapes of name (RFC 1123): a *label* (lower-case
letters, digits and ``-``, starting and ending with a letter or digit, at
most 63 characters; e.g. a namespace) and a *subdomain* (labels joined by
``.``, at most 253 characters; most object names: a Secret, a ConfigMap, a
service account, a ``WorkflowTemplate``). Argo also limits a workflow's own
name to 63 characters, because it becomes a label value.

axl promises more of every name it emits (templates, tasks, artifacts,
parameters, the workflow's name): a label that starts with a letter
(:data:`NAME`), since Argo rejects DAG task names that start with a digit.

* :func:`sanitize` lower-cases, turns every run of other characters (``_``,
  ``.``, spaces...) into one ``-`` and trims ``-`` at both ends; a name that
  would start with a digit gets a letter prefix, an empty one becomes that
  letter alone.
* :func:`unique_names` keeps a sanitised name as it is when it is short enough
  and no other name (nor a reserved one) sanitises to it. Otherwise the name
  gets a suffix ``-<6 hex digits>`` of the blake3 digest of the *original*
  name, truncated first when needed: long names and clashing names change, and
  the change is stable (it never depends on the other names). Two names that
  sanitise alike both get suffixes, so which one "keeps" the plain name never
  depends on their order. One pass with hash tables: O(n).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from axl.errors import AxlError

MAX_NAME = 63
"""Characters of a label (and of a label value, and of an Argo workflow's name)."""
MAX_SUBDOMAIN = 253
"""Characters of a subdomain (most Kubernetes object names)."""
SUFFIX_HEX = 6

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
"""A Kubernetes label (length not checked): a namespace, one part of a subdomain."""
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
"""A Kubernetes subdomain (length not checked): most object names."""
NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
"""axl's own rule (length not checked): a label that starts with a letter."""
NAME_PREFIX = re.compile(r"^[a-z][-a-z0-9]*$")
"""A ``generateName`` under axl's rule: Kubernetes appends 5 characters to it."""
WORKFLOW_REF = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
"""A ``module:Class`` reference, as pods import the workflow (``wordstats.flow:WordStats``)."""

_LONG_SUFFIX_HEX = 12
_INVALID_RUN = re.compile(r"[^a-z0-9]+")
_LABEL_VALUE_INVALID = re.compile(r"[^A-Za-z0-9_.-]+")


class NamingError(AxlError):
    """Names cannot be made unique (a bug: the hash suffixes should prevent it)."""

    code = "naming"
    exit_code = 70


def is_name(name: str, max_len: int = MAX_NAME) -> bool:
    """Whether ``name`` follows axl's rule (:data:`NAME`) and fits ``max_len``."""
    return len(name) <= max_len and NAME.match(name) is not None


def is_dns_label(name: str) -> bool:
    """Whether ``name`` is a Kubernetes label (e.g. a namespace), leading digit allowed."""
    return len(name) <= MAX_NAME and DNS_LABEL.match(name) is not None


def is_dns_subdomain(name: str) -> bool:
    """Whether ``name`` is a Kubernetes subdomain (e.g. a Secret's or a ConfigMap's name)."""
    return len(name) <= MAX_SUBDOMAIN and DNS_SUBDOMAIN.match(name) is not None


def name_hash(original: str, length: int = SUFFIX_HEX) -> str:
    """The first ``length`` hex digits of blake3 of ``original`` (stable across runs)."""
    from blake3 import blake3  # not at import: the DSL imports this module, and `import axl`

    return blake3(original.encode("utf-8")).hexdigest(length=(length + 1) // 2)[:length]


@functools.lru_cache(maxsize=65536)
def sanitize(text: str, *, lead: str = "x") -> str:
    """``Load_Data`` -> ``load-data``; ``_1st`` -> ``x-1st``. Not truncated (see :func:`fit`)."""
    name = _INVALID_RUN.sub("-", text.lower()).strip("-")
    if not name:
        return lead
    if not name[0].isalpha():
        return f"{lead}-{name}"
    return name


def with_suffix(base: str, original: str, max_len: int = MAX_NAME, length: int = SUFFIX_HEX) -> str:
    """``base`` truncated to fit ``-<hash of original>`` within ``max_len``."""
    suffix = name_hash(original, length)
    head = base[: max_len - len(suffix) - 1].rstrip("-")
    return f"{head}-{suffix}"


def fit(text: str, *, max_len: int = MAX_NAME, lead: str = "x") -> str:
    """The sanitised name, with a hash suffix only when it is too long."""
    base = sanitize(text, lead=lead)
    return base if len(base) <= max_len else with_suffix(base, text, max_len)


def unique_names(
    originals: Sequence[str],
    *,
    reserved: Iterable[str] = (),
    max_len: int = MAX_NAME,
    lead: str = "x",
) -> dict[str, str]:
    """Map each original name to a distinct valid name (see the module docstring).

    ``reserved`` names are never produced (e.g. the DAG template's ``main``).
    Raises :class:`NamingError` if the originals repeat.
    """
    if len(set(originals)) != len(originals):
        seen = Counter(originals)
        repeated = sorted(name for name, count in seen.items() if count > 1)
        raise NamingError(f"names must be distinct before sanitising; repeated: {repeated}")
    taken = set(reserved)
    bases = {original: sanitize(original, lead=lead) for original in originals}
    counts = Counter(bases.values())
    result: dict[str, str] = {}
    suffixed: list[str] = []
    for original in originals:
        base = bases[original]
        if counts[base] == 1 and base not in taken and len(base) <= max_len:
            result[original] = base
        else:
            result[original] = with_suffix(base, original, max_len)
            suffixed.append(original)
    # A suffixed name can, in theory, equal another name; then only suffixed names change.
    for length in (_LONG_SUFFIX_HEX, None):
        produced = Counter(result.values())
        clashing = [o for o in suffixed if produced[result[o]] > 1 or result[o] in taken]
        if not clashing:
            return result
        if length is None:
            raise NamingError(f"cannot make names unique: {sorted(clashing)}")
        for original in clashing:
            result[original] = with_suffix(bases[original], original, max_len, length)
    return result  # pragma: no cover - the loop returns or raises


def label_value(text: str, max_len: int = MAX_NAME) -> str:
    """A valid Kubernetes label value: ``[A-Za-z0-9]`` at both ends, ``-_.`` inside, <= 63."""
    value = _LABEL_VALUE_INVALID.sub("-", text).strip("-_.")
    if len(value) > max_len:
        value = with_suffix(value, text, max_len).strip("-_.")
    return value
