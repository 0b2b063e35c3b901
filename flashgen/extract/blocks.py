"""Block structure by markdown-it-pyrs, as the token stream `outline._walk` reads.

markdown-it-pyrs (markdown-it.rs, the Rust port of markdown-it) finds the same blocks
as `outline.block_parser()` several times faster. Its result is a tree of nodes with
byte source maps; `block_tokens` turns that tree into the flat markdown-it-py tokens
the one walker reads (type, map in lines, content, info, tag), so both parsers give
the same units.

markdown-it-pyrs has no dollar-math plugin. Where a line could open a `$$` math block
(`$$` preceded on its line only by spaces, tabs and the characters of container markers:
`>`, list markers, definition markers), `dollarmath.math_block` finds the top-level
blocks and the note is parsed around them; a `$$` block start inside a container makes
`block_tokens` answer None, leaving the note to markdown-it-py. None too for nesting deep
enough that markdown-it-py's maxNesting could cut the note short, and for any node the
conversion does not know.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

import markdown_it_pyrs
from markdown_it_pyrs import Node

from flashgen.extract.dollarmath import MATH_LINE, math_block

MAX_LEVEL = 30
"""Deeper containers are left to markdown-it-py (its maxNesting of 40 stops parsing)."""
_NEWLINES = re.compile(r"\r\n?")
_QUOTE_MARKERS = re.compile(r"^(?:[ \t]*>[ \t]?)*")
_ROW_DOUBT = re.compile(r"^[ \t>]*(?:[-*+_=#`~<]|[0-9]{1,9}[.)])")
_HTML_TO_MARKER = re.compile(r"^[ \t>]*<(?:script|pre|style|textarea|!|\?)", re.IGNORECASE)
_DELIMITER_NO_PIPE = re.compile(r"^[ \t>]*:?-+:?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^[ \t>]*(?:=+|-+)[ \t]*$")
_LIST_MARKER = re.compile(r"^(?:[-*+]|[0-9]{1,9}[.)])(?:[ \t]|$)")


@lru_cache(maxsize=1)
def pyrs_parser() -> markdown_it_pyrs.MarkdownIt:
    """Commonmark's block rules with table and deflist; no inline rules, so a
    paragraph's one text child holds its source, as markdown-it-py's inline token."""
    md = markdown_it_pyrs.MarkdownIt("zero")
    md.enable_many(
        [
            "blockquote",
            "code",
            "fence",
            "heading",
            "hr",
            "lheading",
            "list",
            "paragraph",
            "reference",
            "html_block",
            "table",
            "deflist",
        ]
    )
    return md


class _Tok:
    """A block token with the fields of markdown-it-py's that `outline._walk` reads."""

    __slots__ = ("content", "info", "map", "tag", "type")

    def __init__(
        self,
        type: str,
        tag: str,
        map: list[int] | None = None,
        content: str = "",
        info: str = "",
    ) -> None:
        self.type = type
        self.tag = tag
        self.map = map
        self.content = content
        self.info = info


_PARAGRAPH_CLOSE = _Tok("paragraph_close", "p")
_LIST_ITEM_CLOSE = _Tok("list_item_close", "li")
_BLOCKQUOTE_CLOSE = _Tok("blockquote_close", "blockquote")
_TABLE_CLOSE = _Tok("table_close", "table")
_DT_CLOSE = _Tok("dt_close", "dt")
_DD_CLOSE = _Tok("dd_close", "dd")
_DL_CLOSE = _Tok("dl_close", "dl")
"""Closing tokens carry nothing the walker reads: one of each is shared."""


class _UnmodelledError(Exception):
    """A tree the conversion does not model: let markdown-it-py parse the note."""


def block_tokens(body: str) -> list[_Tok] | None:
    """markdown-it-py's block tokens for `body`, or None to leave it to markdown-it-py."""
    src = body
    if "\r" in src:
        src = _NEWLINES.sub("\n", src)
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    tail = src.rfind("\n") + 1
    if tail < len(src) and not src[tail:].strip(" \t"):
        # markdown-it-py does not count a last line of only spaces and tabs
        src = src[:tail]
    lines = src.split("\n")
    ends_with_newline = src.endswith("\n")
    if ends_with_newline:
        lines.pop()
    math = "$$" in src and MATH_LINE.search(src) is not None
    tokens: list[_Tok] = []
    try:
        _parse(src, 0, _Doc(lines, ends_with_newline, math), tokens)
    except _UnmodelledError:
        return None
    return tokens


class _Doc:
    """The note's lines and, while a part of it is converted, where that part starts."""

    __slots__ = ("base", "ends_with_newline", "lines", "math", "starts")

    def __init__(self, lines: list[str], ends_with_newline: bool, math: bool) -> None:
        self.lines = lines
        """The lines, as markdown-it-py counts them."""
        self.ends_with_newline = ends_with_newline
        self.math = math
        """Whether a line might open a `$$` block."""
        self.base = 0
        """Line of the note where the part parsed by markdown-it-pyrs starts."""
        self.starts: list[int] = []
        """Byte offset in that part of each of its lines' start (and one past the end)."""


def _parse(src: str, base: int, doc: _Doc, out: list[_Tok]) -> None:
    """Convert the note from line `base` on, cut into parts at top-level `$$` blocks.

    At the top level markdown-it-py's state after a math block is that of a new note, so
    the lines after one are parsed as a note of their own; the math rule is used only
    where markdown-it.rs starts a paragraph, term or setext heading with `$$` (nothing
    else can start so). A `$$` block start inside a list or quote is left to markdown-it-py.
    """
    part = src
    while True:
        lines = part.split("\n")
        if part.isascii():
            lengths = [len(ln) + 1 for ln in lines]
        else:
            lengths = [len(ln.encode()) + 1 for ln in lines]
        doc.base = base
        doc.starts = list(accumulate(lengths, initial=0))
        nodes = pyrs_parser().tree(part).children
        if not doc.math:
            _convert(nodes, out, doc, 0, False)
            return
        resume = -1
        k = 0
        while k < len(nodes):
            node = nodes[k]
            if node.name in ("paragraph", "lheading", "definition_list"):
                start = _lines(node, doc)[0]
                found = math_block(doc.lines, start)
                if found is not None:
                    kind, at, content, info = found
                    out.append(_Tok(kind, "math", at, content, info))
                    after = at[1]
                    k += 1
                    while k < len(nodes) and _lines(nodes[k], doc)[0] < after:
                        k += 1
                    if _lines(nodes[k - 1], doc)[1] > after:
                        resume = after  # the math ends inside a block of markdown-it.rs
                        break
                    continue
            _convert([node], out, doc, 0, False)
            k += 1
        if resume < 0:
            return
        skip = sum(len(ln) + 1 for ln in lines[: resume - base])
        part = part[skip:]
        base = resume


def _lines(node: Node, doc: _Doc) -> list[int]:
    """markdown-it's map of a node: [first line, line after its last], 0-based."""
    srcmap = node.srcmap
    if srcmap is None:
        raise _UnmodelledError(node.name)
    begin, end = srcmap
    # A node starts on the line of its first offset and ends with the end of a line.
    starts = doc.starts
    base = doc.base
    return [base + bisect_right(starts, begin) - 1, base + bisect_right(starts, end)]


def _text(node: Node) -> str:
    """The stripped source of a paragraph, heading or term: its one text child."""
    children = node.children
    if not children:
        return ""
    if len(children) != 1 or children[0].name != "text":
        raise _UnmodelledError(node.name)
    content: str = children[0].meta["content"]
    return content.strip()


def _check_quoted(lines: list[int], doc: _Doc) -> None:
    """Refuse a quoted paragraph whose source markdown-it.rs reads otherwise.

    markdown-it-py keeps the indent of a lazy line in a quote (markdown-it.rs drops it)
    and lets any list item end a quote's lazy paragraph (markdown-it.rs: only those
    that may interrupt a paragraph). Lines after the first that, without their `>`
    markers, start with a space or a list marker are left to markdown-it-py.
    """
    for k in range(lines[0] + 1, lines[1]):
        rest = _QUOTE_MARKERS.sub("", doc.lines[k], count=1)
        if rest[:1] in (" ", "\t") or _LIST_MARKER.match(rest):
            raise _UnmodelledError("quoted lazy line")


def _check_table_start(lines: list[int], doc: _Doc) -> None:
    """Refuse a paragraph or setext heading where markdown-it-py may see a table that
    markdown-it.rs does not: a line with a pipe over a delimiter row without one."""
    for k in range(lines[0] + 1, lines[1]):
        if _DELIMITER_NO_PIPE.match(doc.lines[k]) and "|" in doc.lines[k - 1]:
            raise _UnmodelledError("table with a delimiter row without a pipe")


def _convert(nodes: Sequence[Node], out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """markdown-it-py's tokens for these nodes, appended to `out`; raises on what it differs on."""
    for node in nodes:
        name = node.name
        if name == "paragraph" or name == "text":
            _paragraph(node, name, out, doc, level, quoted)
        elif name in ("heading", "lheading"):
            _heading(node, name, out, doc, level, quoted)
        elif name in ("bullet_list", "ordered_list"):
            _list(node, name, out, doc, level, quoted)
        elif name == "blockquote":
            _blockquote(node, out, doc, level, quoted)
        elif name == "fence":
            _fence(node, out, doc)
        elif (
            name == "html_block"
            and level
            and _HTML_TO_MARKER.match(doc.lines[_lines(node, doc)[0]])
        ):
            # markdown-it.rs ends these at a container's blank line, markdown-it-py at
            # their end marker
            raise _UnmodelledError("html block to an end marker in a container")
        elif name in ("code_block", "html_block", "hr"):
            out.append(_Tok(name, "", map=_lines(node, doc)))
        elif name == "table":
            _table(node, out, doc)
        elif name == "definition_list":
            _definition_list(node, out, doc, level, quoted)
        elif name == "definition":
            pass  # a link reference definition: no token
        else:
            raise _UnmodelledError(name)


def _paragraph(node: Node, name: str, out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """A paragraph, or the text node standing for one in a tight item or definition."""
    lines = _lines(node, doc)
    if name == "paragraph":
        content = _text(node)
    else:
        # its source map can run past the line end when a tab was expanded
        raw: str = node.meta["content"]
        lines[1] = lines[0] + raw.count("\n") + 1
        content = raw.strip()
    if quoted:
        _check_quoted(lines, doc)
    if "|" in content:
        _check_table_start(lines, doc)
    if doc.math and (level or quoted) and content.startswith("$$"):
        raise _UnmodelledError("math in a container")
    out.append(_Tok("paragraph_open", "p", map=lines))
    out.append(_Tok("inline", "", map=lines, content=content))
    out.append(_PARAGRAPH_CLOSE)


def _heading(node: Node, name: str, out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """An ATX or setext heading, its text on the lines above a setext underline."""
    lines = _lines(node, doc)
    tag = f"h{node.meta['level']}"
    out.append(_Tok("heading_open", tag, map=lines))
    # a setext heading's text ends above its underline
    at = lines if name == "heading" else [lines[0], lines[1] - 1]
    if quoted and name == "lheading":
        _check_quoted(at, doc)
    content = _text(node)
    if doc.math and (level or quoted) and content.startswith("$$"):
        raise _UnmodelledError("math in a container")
    if "|" in content:
        _check_table_start(lines, doc)
    out.append(_Tok("inline", "", map=at, content=content))
    out.append(_Tok("heading_close", tag))


def _list(node: Node, name: str, out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """A bullet or ordered list and its items, unless nested deeper than MAX_LEVEL."""
    if level + 2 >= MAX_LEVEL:
        raise _UnmodelledError("deep")
    kind = name[:-5]
    out.append(_Tok(f"{kind}_list_open", "", map=_lines(node, doc)))
    for item in node.children:
        if item.name != "list_item":
            raise _UnmodelledError(item.name)
        out.append(_Tok("list_item_open", "li", map=_lines(item, doc)))
        _convert(item.children, out, doc, level + 2, quoted)
        out.append(_LIST_ITEM_CLOSE)
    out.append(_Tok(f"{kind}_list_close", ""))


def _blockquote(node: Node, out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """A quote, unless a line of text ends it; an empty one's map runs to the next text."""
    if level + 1 >= MAX_LEVEL:
        raise _UnmodelledError("deep")
    lines = _lines(node, doc)
    if lines[1] < len(doc.lines) and doc.lines[lines[1]].strip(" \t"):
        # ended by a line that is not blank: the parsers differ on what ends a
        # quote's lazy paragraph (tables, list items)
        raise _UnmodelledError("quote ended by a line of text")
    if not node.children:
        # markdown-it-py's map of an empty quote runs to the next line with text
        if quoted:
            raise _UnmodelledError("empty quote in a quote")
        end, n = lines[1], len(doc.lines)
        while end < n and not doc.lines[end].strip(" \t"):
            end += 1
        lines[1] = end
    out.append(_Tok("blockquote_open", "blockquote", map=lines))
    _convert(node.children, out, doc, level + 1, True)
    out.append(_BLOCKQUOTE_CLOSE)


def _fence(node: Node, out: list[_Tok], doc: _Doc) -> None:
    """A fenced code block; one left open to a last line without a newline loses its own."""
    meta = node.meta
    lines = _lines(node, doc)
    code: str = meta["content"]
    if (
        not doc.ends_with_newline
        and lines[1] == len(doc.lines)
        and lines[0] + 1 + code.count("\n") == lines[1]
    ):
        # unclosed up to a last line without a newline: markdown-it-py adds none
        code = code[:-1]
    out.append(_Tok("fence", "code", map=lines, content=code, info=meta["info"]))


def _table(node: Node, out: list[_Tok], doc: _Doc) -> None:
    """A table, unless its header has no pipe or a row could start a block."""
    lines = _lines(node, doc)
    if "|" not in doc.lines[lines[0]]:
        # markdown-it-py wants a pipe in the header row, markdown-it.rs does not
        raise _UnmodelledError("table without a pipe in its header")
    for k in range(lines[0] + 2, lines[1]):
        if _ROW_DOUBT.match(doc.lines[k]) or not doc.lines[k].strip():
            # a row that might start a block, or blank but for unicode spaces: the
            # parsers differ on which end a table
            raise _UnmodelledError("table row like a block start")
    out.append(_Tok("table_open", "table", map=lines))
    out.append(_TABLE_CLOSE)


def _definition_list(node: Node, out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """A definition list, unless a setext underline follows its first line."""
    if level + 2 >= MAX_LEVEL:
        raise _UnmodelledError("deep")
    lines = _lines(node, doc)
    k = lines[0] + 1
    while k < len(doc.lines) and doc.lines[k].strip(" \t"):
        if _SETEXT_UNDERLINE.match(doc.lines[k]):
            # markdown-it-py tries setext headings before definition lists
            raise _UnmodelledError("definition list over a setext underline")
        k += 1
    out.append(_Tok("dl_open", "dl", map=lines))
    for part in node.children:
        if part.name == "definition_term":
            _definition_term(part, out, doc, level, quoted)
        elif part.name == "definition_description":
            out.append(_Tok("dd_open", "dd", map=_lines(part, doc)))
            _convert(part.children, out, doc, level + 2, quoted)
            out.append(_DD_CLOSE)
        else:
            raise _UnmodelledError(part.name)
    out.append(_DL_CLOSE)


def _definition_term(part: Node, out: list[_Tok], doc: _Doc, level: int, quoted: bool) -> None:
    """A term of a definition list, mapped to its first line alone."""
    lines = _lines(part, doc)
    at = [lines[0], lines[0]]
    out.append(_Tok("dt_open", "dt", map=at))
    content = _text(part)
    if doc.math and (level or quoted) and content.startswith("$$"):
        raise _UnmodelledError("math in a container")
    out.append(_Tok("inline", "", map=at, content=content))
    out.append(_DT_CLOSE)
