"""Markdown → a flat outline of units that extraction rules read.

markdown-it-py finds the block structure (so code, tables, HTML and math are never
mistaken for cards); the outline keeps each paragraph line as its own unit because
notes are often written one fact per line without blank lines between.
Only block parsing runs: inline parsing is left to rendering, for the cards found.
Most notes are parsed by markdown-it-pyrs (the Rust port of markdown-it), whose tree
`blocks.block_tokens` turns into the same tokens; it answers None, leaving the note to
markdown-it-py, for the few constructs where the two parsers differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from flashgen.extract.wrap import continues

UnitKind = Literal["heading", "text", "item", "quote", "term", "desc", "opaque"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One line-sized piece of a note."""

    kind: UnitKind
    text: str
    """Markdown source of the unit (for `opaque`: the block type, e.g. ``fence``)."""
    line: int
    """1-based file line where the unit starts."""
    end: int
    """1-based file line just after the unit; `next.line > end` means a gap between."""
    level: int = 0
    """Heading level (1-6) for headings."""
    depth: int = 0
    """List nesting: 0 outside lists, 1 for a top-level item or a heading in one, ..."""
    ordered: bool = False
    """Item of a numbered list."""
    first: bool = False
    """First line of its paragraph (always true for non-text units)."""
    last: bool = False
    """Last line of its paragraph (always true for non-text units)."""
    group: int = 0
    """Block this unit belongs to: lines of one paragraph, items of one top-level list."""
    cont: bool = False
    """A paragraph line that continues the sentence of the line before (a hard wrap)."""
    source: str = ""
    """For code, math and table blocks: their markdown, so a card can show them in Extra;
    for a quote that is an Obsidian callout (`> [!note]`): its lines, `>` included."""


@lru_cache(maxsize=1)
def block_parser() -> MarkdownIt:
    """The one markdown-it configuration used for finding blocks."""
    md = (
        MarkdownIt("commonmark", {"maxNesting": 40})
        .enable("table")
        .use(deflist_plugin)
        .use(dollarmath_plugin)
    )
    md.disable(["inline", "text_join"])
    return md


_OPAQUE = {"fence", "code_block", "html_block", "math_block", "math_block_label", "hr"}
_SKIP_TO_CLOSE = {"table_open": "table_close"}


class BlockToken(Protocol):
    """What the walker reads of a block token: markdown-it-py's, or `blocks`'s."""

    @property
    def type(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def map(self) -> list[int] | None: ...
    @property
    def content(self) -> str: ...
    @property
    def info(self) -> str: ...


def outline(body: str, first_line: int = 1) -> tuple[Unit, ...]:
    """Split a note body (markdown after frontmatter) into units with file line numbers.

    markdown-it-pyrs finds the blocks of nearly every note, about twice as fast as
    markdown-it-py and with the same units; for the rest markdown-it-py decides.
    """
    from flashgen.extract.blocks import block_tokens

    tokens = block_tokens(body)
    if tokens is None:
        return markdown_outline(body, first_line)
    return tuple(_walk(tokens, first_line - 1, body))


def markdown_outline(body: str, first_line: int = 1) -> tuple[Unit, ...]:
    """The outline by markdown-it-py: the fallback for markdown-it-pyrs, and its reference."""
    tokens = block_parser().parse(body)
    return tuple(_walk(tokens, first_line - 1, body))


_SHOWN = {"fence", "math_block", "math_block_label"}


def _block_source(tok: BlockToken, body_lines: list[str]) -> str:
    """The markdown of a block that can sit under a card: a fence, a formula, a table."""
    if tok.type == "fence":
        fence = "~~~" if "```" in tok.content else "```"
        return f"{fence}{tok.info}\n{tok.content}{fence}"
    if tok.type.startswith("math_block"):
        return f"$$\n{tok.content.strip()}\n$$"
    if tok.map is None:
        return ""
    return "\n".join(ln.strip() for ln in body_lines[tok.map[0] : tok.map[1]])


def _walk(tokens: Sequence[BlockToken], offset: int, body: str = "") -> list[Unit]:
    """The units of a note's block tokens, in order, with their lists, items and groups."""
    body_lines: list[str] = []  # the body's lines, split at the first table
    units: list[Unit] = []
    depth = 0
    group = 0
    ordered_stack: list[bool] = []
    item_first_para = False
    pending: BlockToken | None = None
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        t = tok.type
        if t == "inline":
            units.extend(
                _inline_units(tok, pending, depth, ordered_stack, item_first_para, group, offset)
            )
            if pending is not None and pending.type == "list_item_open":
                item_first_para = False
            if depth == 0 and (pending is None or pending.type not in ("dt_open", "dd_open")):
                group += 1
            pending = None
        elif t == "list_item_open":
            item_first_para = True
            pending = tok
        elif t in ("heading_open", "dt_open", "dd_open"):
            pending = tok
        elif t in ("bullet_list_open", "ordered_list_open"):
            if depth == 0:
                group += 1
            depth += 1
            ordered_stack.append(t == "ordered_list_open")
        elif t in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            ordered_stack.pop()
        elif t == "blockquote_open":
            i, group = _quote(tokens, i, depth, group, offset, body, body_lines, units)
        elif t in _SKIP_TO_CLOSE:
            group += 1
            i = _table(tokens, i, depth, group, offset, body, body_lines, units)
        elif t in _OPAQUE:
            group += 1
            shown = _block_source(tok, body_lines) if t in _SHOWN else ""
            units.append(_opaque_unit(tok, t, depth, group, offset, shown))
        i += 1
    return units


def _opaque_unit(
    tok: BlockToken, kind: str, depth: int, group: int, offset: int, source: str
) -> Unit:
    """A block never read as a card (code, HTML, math, rule, table): one opaque unit."""
    start = tok.map[0] + 1 + offset if tok.map else 0
    stop = tok.map[1] + 1 + offset if tok.map else 0
    return Unit(
        "opaque", kind, start, stop, depth=depth, first=True, last=True, group=group, source=source
    )


def _table(
    tokens: Sequence[BlockToken],
    i: int,
    depth: int,
    group: int,
    offset: int,
    body: str,
    body_lines: list[str],
    units: list[Unit],
) -> int:
    """The table opening at `i` as one opaque unit, with its source; the index of its close."""
    tok = tokens[i]
    close = _SKIP_TO_CLOSE[tok.type]
    n = len(tokens)
    while i < n and tokens[i].type != close:
        i += 1
    if not body_lines and body:
        body_lines.extend(body.split("\n"))
    units.append(_opaque_unit(tok, "table", depth, group, offset, _block_source(tok, body_lines)))
    return i


def _quote(
    tokens: Sequence[BlockToken],
    i: int,
    depth: int,
    group: int,
    offset: int,
    body: str,
    body_lines: list[str],
    units: list[Unit],
) -> tuple[int, int]:
    """The quote at `i` as one unit of its text, after units for its tables; its close, group."""
    tok = tokens[i]
    start = tok.map[0] + 1 + offset if tok.map else 0
    stop = tok.map[1] + 1 + offset if tok.map else 0
    parts: list[str] = []
    quote_depth = 1
    n = len(tokens)
    i += 1
    while i < n:
        t = tokens[i].type
        if t in _SKIP_TO_CLOSE:
            group += 1
            i = _table(tokens, i, depth, group, offset, body, body_lines, units)
        elif t == "blockquote_open":
            quote_depth += 1
        elif t == "blockquote_close":
            quote_depth -= 1
            if quote_depth == 0:
                group += 1
                text = "\n\n".join(parts)
                source = ""
                if text.startswith("[!") and tok.map is not None:
                    # An Obsidian callout: its lines, for the callout rule to read its body.
                    if not body_lines and body:
                        body_lines.extend(body.split("\n"))
                    source = "\n".join(body_lines[tok.map[0] : tok.map[1]])
                units.append(
                    Unit(
                        "quote",
                        text,
                        start,
                        stop,
                        depth=depth,
                        first=True,
                        last=True,
                        group=group,
                        source=source,
                    )
                )
                return i, group
        elif t == "inline":
            parts.append(tokens[i].content)
        i += 1
    return i, group


def _inline_units(
    tok: BlockToken,
    pending: BlockToken | None,
    depth: int,
    ordered_stack: list[bool],
    item_first_para: bool,
    group: int,
    offset: int,
) -> list[Unit]:
    """The units of one block's text: a unit a line in paragraphs, one for the rest."""
    assert tok.map is not None
    start = tok.map[0] + 1 + offset
    stop = tok.map[1] + 1 + offset
    text = tok.content
    ptype = pending.type if pending is not None else ""
    if ptype == "heading_open":
        assert pending is not None
        level = int(pending.tag[1:])
        return [
            Unit(
                "heading",
                text.strip(),
                start,
                stop,
                level=level,
                depth=depth,
                first=True,
                last=True,
                group=group,
            )
        ]
    if ptype == "dt_open":
        return [
            Unit(
                "term",
                text.strip(),
                start,
                max(stop, start + 1),
                first=True,
                last=True,
                group=group,
            )
        ]
    if ptype == "dd_open":
        return [Unit("desc", text.strip(), start, stop, first=True, last=True, group=group)]
    if depth > 0:
        if not item_first_para:
            return []
        lines = [ln.rstrip() for ln in text.split("\n")]
        return [
            Unit(
                "item",
                "\n".join(lines).strip(),
                start,
                stop,
                depth=depth,
                ordered=ordered_stack[-1],
                first=True,
                last=True,
                group=group,
            )
        ]
    lines = [ln.strip() for ln in text.split("\n")]
    last = len(lines) - 1
    return [
        Unit(
            "text",
            ln,
            start + k,
            start + k + 1,
            first=k == 0,
            last=k == last,
            group=group,
            cont=k > 0 and continues(lines[k - 1], ln),
        )
        for k, ln in enumerate(lines)
    ]
