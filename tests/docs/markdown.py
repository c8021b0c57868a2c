"""What the docs tests read from a Markdown file: code blocks, links, headings' anchors.

A small reader of the parts of GitHub-flavoured Markdown the project's pages
use: fenced code blocks, inline links and images (their text may span lines),
reference definitions, ATX headings and GitHub's anchor slugs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_INLINE_LINK = re.compile(
    r"!?\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*<?(?P<target>[^\s()<>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*<?(?P<target>\S+?)>?(?:[ \t].*)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: its info string's first word and its lines."""

    line: int
    """1-based line of the first line inside the fence."""
    language: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    """A link or image target written in the prose (never one inside code)."""

    line: int
    target: str

    @property
    def is_external(self) -> bool:
        """A URL with a scheme (``https:``, ``mailto:``): not the repository's own file."""
        return bool(_SCHEME.match(self.target))


@dataclass(frozen=True)
class Page:
    """A Markdown file split into its code blocks and its prose."""

    blocks: tuple[CodeBlock, ...]
    prose: str
    """The text with every code block's lines blanked (line numbers stay)."""


def read_page(text: str) -> Page:
    """Split Markdown into fenced code blocks and prose."""
    blocks: list[CodeBlock] = []
    prose: list[str] = []
    lines = text.splitlines()
    fence: str | None = None
    start = 0
    language = ""
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        if fence is None:
            match = _FENCE.match(line)
            if match:
                fence, language = match["fence"], (match["info"].split() or [""])[0].lower()
                start, body = number + 1, []
                prose.append("")
            else:
                prose.append(line)
            continue
        closing = line.strip()
        if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
            blocks.append(CodeBlock(start, language, tuple(body)))
            fence = None
        else:
            body.append(line)
        prose.append("")
    if fence is not None:  # an unclosed fence runs to the end, as GitHub renders it
        blocks.append(CodeBlock(start, language, tuple(body)))
    return Page(tuple(blocks), "\n".join(prose))


def _blank_code_spans(text: str) -> str:
    """Inline code replaced by spaces (newlines kept), so offsets and lines stay put."""
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)


def links(page: Page) -> list[Link]:
    """Every inline link, image and reference definition of the prose, in order."""
    prose = _blank_code_spans(page.prose)
    found = [
        Link(prose.count("\n", 0, m.start()) + 1, m["target"]) for m in _INLINE_LINK.finditer(prose)
    ]
    for number, line in enumerate(prose.splitlines(), start=1):
        match = _REFERENCE_DEFINITION.match(line)
        if match:
            found.append(Link(number, match["target"]))
    return sorted(found, key=lambda link: link.line)


def _heading_text(raw: str) -> str:
    """A heading as GitHub renders its text: code spans' content, links' text, no emphasis."""
    text = _INLINE_LINK.sub(lambda m: m["text"], raw)
    text = _CODE_SPAN.sub(lambda m: m[2].strip(), text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("*", "")
    return re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)


def slug(text: str) -> str:
    """GitHub's anchor of a heading text (github-slugger, before de-duplication)."""
    kept = []
    for char in text.lower():
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LNM":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(page: Page) -> set[str]:
    """Every heading's anchor, repeated headings numbered ``-1``, ``-2`` as GitHub does."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in page.prose.splitlines():
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(_heading_text(match["text"]))
        anchor = base
        while anchor in found:
            seen[base] = seen.get(base, 0) + 1
            anchor = f"{base}-{seen[base]}"
        found.add(anchor)
    return found
