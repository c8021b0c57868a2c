"""Read YAML as Kubernetes reads an Argo resource: JSON-shaped documents with string keys.

The loader is PyYAML's safe one (libyaml's parser when installed) with two
changes: timestamps stay text, as the API server reads them, and a mapping
key that is not a string (``null:``, ``1:``, ``true:``, a list) is refused
with its line, since an Argo resource is a JSON object and its keys are
strings. What aliases can build (cycles, depth, expansion) is bounded by
:mod:`axl.compiler.argo.lint.bounds`, on the loaded documents.
"""

from __future__ import annotations

import functools
from typing import Any

from axl.errors import UsageError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_KINDS = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:binary": "binary data",
}


class LintInputError(UsageError):
    """The input is not a readable YAML file."""

    code = "lint_input"


class _KeyNotText(Exception):
    def __init__(self, node: Any) -> None:
        super().__init__()
        self.node = node


@functools.lru_cache(maxsize=1)
def _loader() -> Any:
    """The safe YAML loader class described in the module docstring."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != _TIMESTAMP]
        for first, entries in base.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self: Any, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # merge keys (<<) first: what they bring in is checked too
            for key, _ in node.value:
                if key.tag != _STR:
                    raise _KeyNotText(key)
        return base.construct_mapping(self, node, deep)

    members = {"yaml_implicit_resolvers": resolvers, "construct_mapping": construct_mapping}
    return type("ArgoYamlLoader", (base,), members)


def _describe(node: Any) -> str:
    """``null``, ``1 (an integer)``, ``a list``: what a key that is not a string is."""
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node.tag == "tag:yaml.org,2002:null":
        return "null"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"{text} ({_KINDS.get(node.tag, node.tag)})"


def parse_yaml(yaml_text: str, source: str = "the text") -> list[Any]:
    """The non-empty documents of ``yaml_text``; raises :class:`LintInputError` if not YAML.

    A mapping key that is not a string is refused too (see the module docstring).
    """
    import yaml

    try:
        documents = list(yaml.load_all(yaml_text, Loader=_loader()))
    except _KeyNotText as exc:
        mark = exc.node.start_mark
        raise LintInputError(
            f"{source} (line {mark.line + 1}, column {mark.column + 1}): a mapping key must be "
            f"a string, not {_describe(exc.node)}: Argo resources are JSON objects",
            hint='quote the key (e.g. "null": ...) or remove it',
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise LintInputError(
            f"{source} is not valid YAML{where}: {problem}",
            hint="fix the YAML syntax, then lint again",
        ) from None
    found = [doc for doc in documents if doc is not None]
    if not found:
        raise LintInputError(f"{source} holds no YAML document", hint="lint an Argo manifest")
    return found
