"""A fast line scanner for the markdown that class notes are made of.

`outline.markdown_outline` runs markdown-it's full block parser, which is most of the
cost of a cold build. Notes are nearly always the same few constructs: headings,
paragraphs, lists, fences, `$$` math, pipe tables and the odd quote. This module
recognises exactly those, line by line with plain string checks, mirroring the rules
of `outline.block_parser()` (markdown-it-py's commonmark rules plus table, deflist and
dollarmath) closely enough to produce the same units.

The contract is one-sided: `scan_outline` returns either exactly what
`markdown_outline` returns, or None when the note uses anything it does not model
(tabs, `\\r`, NUL, HTML, indented code, setext headings, definition lists, reference
definitions, lazy quote lines, quotes in lists, empty list items, deep nesting, ...).
None is always safe: `outline` then falls back to markdown-it.

Representation: no tab ever reaches the scanner, so a column is a character index and
markdown-it's `sCount` and `tShift` coincide. `ind[i]` is both: where line i's content
starts. Like markdown-it, a list item temporarily moves `ind` of its first line past
the marker while its content is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields

from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.rules_block.html_block import HTML_SEQUENCES

from flashgen.extract.outline import Unit, UnitKind
from flashgen.extract.terms import continues
from flashgen.verified import FAST_PATHS

MAX_DEPTH = 8
"""Deeper lists are left to markdown-it (it stops nesting at 40 levels; keep far away)."""

_HEADER_CELL = re.compile(r"^:?-+:?$")
"""A cell of a table's delimiter row, as markdown-it's table rule checks it."""
_EQNO_REVERSED = re.compile(r"^\s*\)([^)$\r\n]+?)\(\s*\${2}")
"""dollarmath's `$$ (label)` line ending, matched on the reversed line as the plugin does."""

_STARTERS = frozenset("`~>*-_+<#0123456789")
"""First characters of lines that may start a block that interrupts a paragraph."""
_BLOCK_STARTERS = _STARTERS | frozenset(":$[")
"""First characters of lines that may start something other than a paragraph."""
_QUOTE_UNSAFE = frozenset("|-:=><+")
"""First characters that rule a quote line out of the plain paragraphs modelled in quotes."""


def _slot_setter(name: str) -> Callable[[Unit, object], None]:
    setter: Callable[[Unit, object], None] = getattr(Unit, name).__set__
    return setter


(
    _set_kind,
    _set_text,
    _set_line,
    _set_end,
    _set_level,
    _set_depth,
    _set_ordered,
    _set_first,
    _set_last,
    _set_group,
    _set_cont,
    _set_source,
) = (_slot_setter(field.name) for field in fields(Unit))
_new = object.__new__


def _unit(
    kind: UnitKind,
    text: str,
    line: int,
    end: int,
    level: int,
    depth: int,
    ordered: bool,
    first: bool,
    last: bool,
    group: int,
    cont: bool,
    source: str,
) -> Unit:
    """`Unit(kind, text, ...)`, built in half the time.

    A frozen dataclass's __init__ sets each field through object.__setattr__; for the
    200,000 units of a large build that was a third of the scanner's time. Filling the
    slots through their descriptors makes the same object (equal, same hash and repr)
    with no check skipped: Unit has no __post_init__. All twelve fields are set, in
    declaration order; a field added to Unit breaks the unpacking above at import.
    """
    unit: Unit = _new(Unit)
    _set_kind(unit, kind)
    _set_text(unit, text)
    _set_line(unit, line)
    _set_end(unit, end)
    _set_level(unit, level)
    _set_depth(unit, depth)
    _set_ordered(unit, ordered)
    _set_first(unit, first)
    _set_last(unit, last)
    _set_group(unit, group)
    _set_cont(unit, cont)
    _set_source(unit, source)
    return unit


class _UnmodelledError(Exception):
    """The note uses markdown the scanner does not model; markdown-it has to decide."""


def scan_outline(body: str, first_line: int = 1) -> tuple[Unit, ...] | None:
    """The outline of a note body, or None when markdown-it has to parse it.

    Whenever a tuple comes back it equals `markdown_outline(body, first_line)`.
    """
    if not FAST_PATHS or "\t" in body or "\r" in body or "\0" in body:
        return None
    try:
        return tuple(_Scanner(body, first_line - 1).run())
    except _UnmodelledError:
        return None


def _lines(body: str) -> tuple[list[str], bool]:
    """The lines markdown-it sees, and whether the last of them ends with a newline.

    A last line of only spaces (or an empty one after a final newline) gets no marker.
    """
    lines = body.split("\n")
    if not lines[-1].strip(" "):
        lines.pop()
        return lines, True
    return lines, False


def _ordered_marker(s: str, p: int) -> int:
    """Index after a `1.` / `1)` marker at `p` (markdown-it's skipOrderedListMarker), or -1."""
    maximum = len(s)
    if p + 1 >= maximum or not "0" <= s[p] <= "9":
        return -1
    pos = p + 1
    while True:
        if pos >= maximum:
            return -1
        ch = s[pos]
        pos += 1
        if "0" <= ch <= "9":
            if pos - p >= 10:
                return -1
            continue
        if ch == ")" or ch == ".":
            break
        return -1
    if pos < maximum and s[pos] != " ":
        return -1
    return pos


def _bullet_marker(s: str, p: int) -> int:
    """Index after a `-` / `*` / `+` marker at `p` (skipBulletListMarker), or -1."""
    if s[p] not in "*-+":
        return -1
    pos = p + 1
    if pos < len(s) and s[pos] != " ":
        return -1
    return pos


def _is_hr(s: str, p: int) -> bool:
    """A thematic break: three or more of one of `*-_`, spaces between allowed."""
    if s[-1] != s[p] and s[-1] != " ":
        return False
    marks = s[p:].replace(" ", "")
    return len(marks) >= 3 and not marks.strip(s[p])


def _is_underline(s: str, p: int) -> bool:
    """A setext underline: a run of `=` or `-`, then only spaces."""
    return not s[p:].rstrip(" ").strip(s[p])


def _fence_length(s: str, p: int) -> int:
    """Marker length of a code fence opening at `p`, or 0 when there is none."""
    if p + 3 > len(s):
        return 0
    marker = s[p]
    if marker != "`" and marker != "~":
        return 0
    k = p + 1
    while k < len(s) and s[k] == marker:
        k += 1
    if k - p < 3 or (marker == "`" and "`" in s[k:]):
        return 0
    return k - p


def _heading_level(s: str, p: int) -> int:
    """Level of an ATX heading at `p`, or 0 when `#` does not start one."""
    maximum = len(s)
    level = 1
    pos = p + 1
    while pos < maximum and s[pos] == "#" and level <= 6:
        level += 1
        pos += 1
    if level > 6 or (pos < maximum and s[pos] != " "):
        return 0
    return level


def _heading_text(s: str, p: int, level: int) -> str:
    """A heading's text without the closing `#`s, as markdown-it's heading rule cuts it."""
    pos = p + level
    maximum = len(s)
    while maximum > pos and s[maximum - 1] == " ":
        maximum -= 1
    tmp = maximum
    while tmp > pos and s[tmp - 1] == "#":
        tmp -= 1
    if tmp > pos and s[tmp - 1] == " ":
        maximum = tmp
    return s[pos:maximum].strip(MD_TRIM_CHARS).strip()


def _html_block(s: str, p: int) -> bool | None:
    """None when no HTML block opens at `p`, else whether it can interrupt a paragraph.

    markdown-it's own patterns: `<https://...>` and inline tags within text are no block.
    """
    text = s[p:]
    for opening, _closing, interrupts in HTML_SEQUENCES:
        if opening.search(text):
            return interrupts
    return None


def _maybe_reference(s: str, p: int) -> bool:
    """Whether `[` at `p` might open a reference definition (`[label]: url`)."""
    close = s.find("]", p + 1)
    if close < 0:
        return True  # the label may go on over the next line
    label = s[p + 1 : close]
    if "\\" in label:
        return True
    if "[" in label:
        return False
    return s[close + 1 : close + 2] == ":"


def _split_row(text: str) -> list[str]:
    """A table row's cells as markdown-it's escapedSplit gives them (`\\|` is no border)."""
    if "\\" not in text:
        cells = text.split("|")
    else:
        cells = []
        current = ""
        last = 0
        escaped = False
        for pos, ch in enumerate(text):
            if ch == "|":
                if not escaped:
                    cells.append(current + text[last:pos])
                    current = ""
                    last = pos + 1
                else:
                    current += text[last : pos - 1]
                    last = pos
            escaped = ch == "\\"
        cells.append(current + text[last:])
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return cells


class _Scanner:
    """markdown-it's block tokenizer for the modelled rules, emitting units as `_walk` would.

    Attribute names follow markdown-it's state: `blk` is blkIndent, `list_indent` is
    listIndent, `line` is state.line. The rest is `_walk`'s state: `depth`, `group`,
    `ordered`, `item_first` (item_first_para) and `pending_item` (a list_item_open
    not yet followed by an inline).
    """

    __slots__ = (
        "blk",
        "depth",
        "group",
        "ind",
        "item_first",
        "line",
        "lines",
        "list_indent",
        "n",
        "newline_at_end",
        "off",
        "ordered",
        "pending_item",
        "units",
    )

    def __init__(self, body: str, off: int) -> None:
        self.lines, self.newline_at_end = _lines(body)
        self.n = len(self.lines)
        self.ind = [len(s) - len(s.lstrip(" ")) for s in self.lines]
        self.off = off
        self.units: list[Unit] = []
        self.blk = 0
        self.list_indent = -1
        self.line = 0
        self.depth = 0
        self.group = 0
        self.ordered: list[bool] = []
        self.item_first = False
        self.pending_item = False

    def run(self) -> list[Unit]:
        self.tokenize(0, self.n)
        return self.units

    # -- the block loop ---------------------------------------------------------------

    def tokenize(self, line: int, end: int) -> None:
        """markdown-it's ParserBlock.tokenize: blocks from `line` while indented enough."""
        lines, ind, n = self.lines, self.ind, self.n
        while line < end:
            while line < n and ind[line] >= len(lines[line]):
                line += 1
            self.line = line
            if line >= end or ind[line] < self.blk:
                break
            self.block(line, end)
            line = self.line
            if line < end and ind[line] >= len(lines[line]):
                line += 1
                self.line = line

    def block(self, line: int, end: int) -> None:
        """One block at a non-empty `line`, trying the rules in markdown-it's order."""
        s = self.lines[line]
        p = self.ind[line]
        ch = s[p]
        if p - self.blk >= 4:
            raise _UnmodelledError  # indented code
        if ch not in _BLOCK_STARTERS and "|" not in s:
            self.paragraph(line)
            return
        if (ch == ":" or ch == "~") and s[p + 1 : p + 2] == " ":
            raise _UnmodelledError  # a definition list's `: definition`
        if "|" in s:
            cols = self.table_columns(line, end)
            if cols:
                self.table(line, end, cols)
                return
        if ch == "$" and s.startswith("$$", p) and self.math(line, end):
            return
        if (ch == "`" or ch == "~") and self.fence(line, end):
            return
        if ch == ">":
            self.quote(line, end)
            return
        if (ch == "*" or ch == "-" or ch == "_") and _is_hr(s, p):
            self.opaque("hr", line, line + 1)
            self.line = line + 1
            return
        if (ch in "*-+" or "0" <= ch <= "9") and self.list(line, end):
            return
        if ch == "[" and _maybe_reference(s, p):
            raise _UnmodelledError
        if ch == "<" and _html_block(s, p) is not None:
            raise _UnmodelledError  # HTML
        if ch == "#":
            level = _heading_level(s, p)
            if level:
                self.heading(line, _heading_text(s, p, level), level)
                return
        self.paragraph(line)

    def interrupts(self, nl: int, para: bool) -> bool:
        """Whether line `nl` starts a block that ends a paragraph (`para`), a table or a quote.

        These are markdown-it's `paragraph` and `blockquote` terminator rules in validation
        mode; they differ only in the table rule and in how a list may start.
        """
        s = self.lines[nl]
        p = self.ind[nl]
        if p >= len(s) or p - self.blk >= 4:
            return False
        ch = s[p]
        if ch == "`" or ch == "~":
            if _fence_length(s, p):
                return True
        elif ch == ">":
            return True
        elif ch == "*" or ch == "-" or ch == "_":
            if _is_hr(s, p):
                return True
            if ch != "_" and self.list_interrupts(s, p, para):
                return True
        elif ch == "+" or "0" <= ch <= "9":
            if self.list_interrupts(s, p, para):
                return True
        elif ch == "<" and _html_block(s, p):
            raise _UnmodelledError  # an HTML block
        elif ch == "#" and _heading_level(s, p):
            return True
        return para and "|" in s and self.table_columns(nl, self.n) > 0

    def list_interrupts(self, s: str, p: int, para: bool) -> bool:
        """markdown-it's list rule in validation mode (`para`: the parent is a paragraph)."""
        if self.list_indent >= 0 and p - self.list_indent >= 4 and p < self.blk:
            return False
        terminating = para and p >= self.blk
        if "0" <= s[p] <= "9":
            after = _ordered_marker(s, p)
            if after < 0 or (terminating and int(s[p : after - 1]) != 1):
                return False
        else:
            after = _bullet_marker(s, p)
            if after < 0:
                return False
        return not (terminating and not s[after:].strip(" "))

    # -- units, as _walk makes them ---------------------------------------------------

    def whole(
        self, kind: UnitKind, text: str, start: int, stop: int, level: int, source: str
    ) -> None:
        """A unit that is a whole block (first and last of itself), at this list depth."""
        off = self.off + 1
        self.units.append(
            _unit(
                kind,
                text,
                start + off,
                stop + off,
                level,
                self.depth,
                False,
                True,
                True,
                self.group,
                False,
                source,
            )
        )

    def opaque(self, kind: str, start: int, stop: int, source: str = "") -> None:
        self.group += 1
        self.whole("opaque", kind, start, stop, 0, source)

    def heading(self, line: int, text: str, level: int) -> None:
        self.whole("heading", text, line, line + 1, level, "")
        self.pending_item = False
        if self.depth == 0:
            self.group += 1
        self.line = line + 1

    # -- rules ------------------------------------------------------------------------

    def paragraph(self, line: int) -> None:
        """A paragraph: lines up to a blank one or a block that can interrupt it."""
        lines, ind, blk, n = self.lines, self.ind, self.blk, self.n
        nl = line + 1
        while nl < n:
            s = lines[nl]
            p = ind[nl]
            if p >= len(s):
                break
            ch = s[p]
            if p - blk > 3:
                if (ch == ":" or ch == "~") and s[p + 1 : p + 2] == " ":
                    raise _UnmodelledError  # deflist takes a `: ` line however indented
                nl += 1
                continue
            if ch in _STARTERS:
                if (
                    (ch == "-" or ch == "*" or ch == "+")
                    and s[p + 1 : p + 2] == " "
                    and s[p + 2 : p + 3] not in ("", " ")
                    and not (p < blk and 0 <= self.list_indent <= p - 4)
                ):
                    break  # `- text`: a list item, or an hr; either ends the paragraph
                if (ch == "-" or ch == "=") and _is_underline(s, p):
                    raise _UnmodelledError  # setext heading
                if ch == "~" and s[p + 1 : p + 2] == " ":
                    raise _UnmodelledError  # definition list
                if self.interrupts(nl, True):
                    break
            elif ch == ":" and s[p + 1 : p + 2] == " ":
                raise _UnmodelledError  # definition list
            elif ch == "=" and _is_underline(s, p):
                raise _UnmodelledError
            elif "|" in s and self.table_columns(nl, n):
                break
            nl += 1
        self.line = nl
        if nl == line + 1:
            text = lines[line][blk:]  # a block's first line is indented at least blk
        elif blk:
            text = "\n".join([lines[i][min(blk, ind[i]) :] for i in range(line, nl)])
        else:
            text = "\n".join(lines[line:nl])
        self.inline(text.strip(MD_TRIM_CHARS), line, nl)

    def inline(self, text: str, start: int, stop: int) -> None:
        """The units of one paragraph's text (`_inline_units` without a heading/dt/dd)."""
        off = self.off + 1
        depth = self.depth
        if depth:
            if self.item_first:
                if "\n" in text:
                    text = "\n".join([ln.rstrip() for ln in text.split("\n")])
                self.units.append(
                    _unit(
                        "item",
                        text.strip(),
                        start + off,
                        stop + off,
                        0,
                        depth,
                        self.ordered[-1],
                        True,
                        True,
                        self.group,
                        False,
                        "",
                    )
                )
            if self.pending_item:
                self.item_first = False
                self.pending_item = False
            return
        group = self.group
        start += off
        if "\n" not in text:
            self.units.append(
                _unit(
                    "text",
                    text.strip(),
                    start,
                    start + 1,
                    0,
                    0,
                    False,
                    True,
                    True,
                    group,
                    False,
                    "",
                )
            )
        else:
            parts = [ln.strip() for ln in text.split("\n")]
            last = len(parts) - 1
            prev = ""
            for k, ln in enumerate(parts):
                self.units.append(
                    _unit(
                        "text",
                        ln,
                        start + k,
                        start + k + 1,
                        0,
                        0,
                        False,
                        k == 0,
                        k == last,
                        group,
                        k > 0 and continues(prev, ln),
                        "",
                    )
                )
                prev = ln
        self.group = group + 1

    def table_columns(self, line: int, end: int) -> int:
        """markdown-it's table rule in validation mode: the column count, 0 for no table."""
        if line + 2 > end:
            return 0
        nl = line + 1
        blk = self.blk
        p = self.ind[nl]
        if p < blk or p - blk >= 4:
            return 0
        d = self.lines[nl]
        if p + 1 >= len(d):
            return 0
        first = d[p]
        second = d[p + 1]
        if first not in "|-:" or second not in "|-: " or (first == "-" and second == " "):
            return 0
        row = d[p:]
        if row.strip("|-: "):
            return 0  # a character other than `|-:` and spaces
        columns = row.split("|")
        aligns = 0
        last = len(columns) - 1
        for i, column in enumerate(columns):
            t = column.strip(MD_TRIM_CHARS)
            if not t:
                if i == 0 or i == last:
                    continue
                return 0
            if not _HEADER_CELL.search(t):
                return 0
            aligns += 1
        head = self.lines[line][self.ind[line] :].strip(MD_TRIM_CHARS)
        if "|" not in head or self.ind[line] - blk >= 4:
            return 0
        cells = _split_row(head)
        if not cells or len(cells) != aligns:
            return 0
        return aligns

    def table(self, line: int, end: int, cols: int) -> None:
        """A table's rows go on to a blank line or a block that ends a blockquote."""
        lines, ind, blk = self.lines, self.ind, self.blk
        nl = line + 2
        autocompleted = 0
        while nl < end:
            p = ind[nl]
            if p < blk or self.interrupts(nl, False):
                break
            text = lines[nl][p:].strip(MD_TRIM_CHARS)
            if not text or p - blk >= 4:
                break
            autocompleted += cols - len(_split_row(text))
            if autocompleted > 0x10000:
                break
            nl += 1
        self.opaque("table", line, nl, "\n".join([ln.strip() for ln in lines[line:nl]]))
        self.line = nl

    def math(self, line: int, end: int) -> bool:
        """dollarmath's block rule: `$$` to a line ending in `$$` (not a paragraph breaker)."""
        lines = self.lines
        s = lines[line]
        p = self.ind[line]
        text = s[p:]
        stripped = text.strip()
        if len(stripped) > 3:
            if stripped.endswith("$$"):
                content = s[p + 2 : len(s) - 2 - (len(text) - len(stripped))]
                self.opaque("math_block", line, line + 1, f"$$\n{content.strip()}\n$$")
                self.line = line + 1
                return True
            if _EQNO_REVERSED.match(text[::-1]):
                raise _UnmodelledError  # a labelled formula
            if "$$" in text[2:]:
                return False
        nl = line
        while True:
            nl += 1
            if nl >= end:
                return False
            t = lines[nl][self.ind[nl] :]
            stripped = t.strip()
            if stripped.endswith("$$"):
                stop = len(lines[nl]) - 2 - (len(t) - len(stripped))
                break
            if "$$" in t and _EQNO_REVERSED.match(t[::-1]):
                raise _UnmodelledError
        parts = [s[p + 2 :], *lines[line + 1 : nl], lines[nl][:stop]]
        content = "\n".join(parts)
        self.opaque("math_block", line, nl + 1, f"$$\n{content.strip()}\n$$")
        self.line = nl + 1
        return True

    def fence(self, line: int, end: int) -> bool:
        """A ``` or ~~~ fence, to a closing one at least as long or the end of its parent."""
        lines, ind, blk = self.lines, self.ind, self.blk
        s = lines[line]
        p = ind[line]
        length = _fence_length(s, p)
        if not length:
            return False
        marker = s[p]
        info = s[p + length :]
        nl = line
        closed = False
        while True:
            nl += 1
            if nl >= end:
                break
            t = lines[nl]
            q = ind[nl]
            if q >= len(t):
                continue
            if q < blk:
                break
            if t[q] != marker or q - blk >= 4:
                continue
            k = q + 1
            while k < len(t) and t[k] == marker:
                k += 1
            if k - q < length or t[k:].strip(" "):
                continue
            closed = True
            break
        indent = ind[line]
        content = "".join([lines[i][min(indent, ind[i]) :] + "\n" for i in range(line + 1, nl)])
        if nl == self.n and content and not self.newline_at_end:
            content = content[:-1]  # the note's last line: there is no newline to keep
        stop = nl + 1 if closed else nl
        fence = "~~~" if "```" in content else "```"
        self.opaque("fence", line, stop, f"{fence}{info}\n{content}{fence}")
        self.line = stop
        return True

    def quote(self, line: int, end: int) -> None:
        """A top-level quote of plain paragraphs, ended by a blank line or another block."""
        if self.depth or self.blk:
            raise _UnmodelledError
        lines, ind = self.lines, self.ind
        parts: list[str] = []
        para: list[str] = []
        last_empty = False
        nl = line
        while nl < end:
            s = lines[nl]
            q = ind[nl]
            if q >= len(s):
                break
            if s[q] == ">":
                k = q + 1
                if s[k : k + 1] == " ":
                    k += 1
                content = s[k:]
                bare = content.lstrip(" ")
                if not bare:
                    if not para:
                        raise _UnmodelledError  # a quote starting with, or with two, empty lines
                    parts.append("\n".join(para).strip(MD_TRIM_CHARS))
                    para = []
                    last_empty = True
                else:
                    if len(content) - len(bare) >= 4 or not _plain_quote_line(bare, not para):
                        raise _UnmodelledError
                    para.append(content)
                    last_empty = False
                nl += 1
                continue
            if last_empty:
                break
            if self.interrupts(nl, False):
                break
            raise _UnmodelledError  # a lazy continuation line
        if para:
            parts.append("\n".join(para).strip(MD_TRIM_CHARS))
        self.group += 1
        off = self.off + 1
        self.units.append(
            _unit(
                "quote",
                "\n\n".join(parts),
                line + off,
                nl + off,
                0,
                0,
                False,
                True,
                True,
                self.group,
                False,
                "",
            )
        )
        self.line = nl

    def list(self, line: int, end: int) -> bool:
        """A bullet or ordered list: items with the same marker, each parsed as blocks."""
        lines, ind = self.lines, self.ind
        s = lines[line]
        p = ind[line]
        ordered = "0" <= s[p] <= "9"
        after = _ordered_marker(s, p) if ordered else _bullet_marker(s, p)
        if after < 0:
            return False
        if self.depth >= MAX_DEPTH:
            raise _UnmodelledError
        mark = s[after - 1]
        if self.depth == 0:
            self.group += 1
        self.depth += 1
        self.ordered.append(ordered)
        nl = line
        while nl < end:
            s = lines[nl]
            pos = after
            while pos < len(s) and s[pos] == " ":
                pos += 1
            if pos >= len(s) or pos - after > 4:
                raise _UnmodelledError  # an empty item, or indented code after the marker
            self.item_first = True
            self.pending_item = True
            outer_list_indent = self.list_indent
            self.list_indent = self.blk
            self.blk = pos
            first_ind = ind[nl]
            ind[nl] = pos
            if s[pos] not in _BLOCK_STARTERS and "|" not in s:
                self.paragraph(nl)  # what tokenize would do first, without its dispatch
                nxt = self.line
                if nxt < end and (ind[nxt] >= len(lines[nxt]) or ind[nxt] >= pos):
                    self.tokenize(nxt, end)
            else:
                self.tokenize(nl, end)
            ind[nl] = first_ind
            self.blk = self.list_indent
            self.list_indent = outer_list_indent
            nl = self.line
            if nl >= end:
                break
            t = lines[nl]
            q = ind[nl]
            if q < self.blk or q - self.blk >= 4:
                break
            ch = t[q]
            if (
                ch == ">"
                or ((ch == "`" or ch == "~") and _fence_length(t, q))
                or ((ch == "*" or ch == "-" or ch == "_") and t[-1] in "*-_ " and _is_hr(t, q))
            ):
                break  # the list terminators: a quote, a fence, an hr
            if ordered:
                after = _ordered_marker(t, q)
                if after < 0 or t[after - 1] != mark:
                    break
            else:
                if ch != mark or (q + 1 < len(t) and t[q + 1] != " "):
                    break
                after = q + 1
        self.depth -= 1
        self.ordered.pop()
        self.line = nl
        return True


def _plain_quote_line(bare: str, starts: bool) -> bool:
    """Whether a quote line's content is plain paragraph text (`starts`: a paragraph's first).

    Quotes are modelled only as paragraphs, so anything that could start or interrupt
    another block (or be a table's delimiter row, or a setext underline) is refused.
    """
    ch = bare[0]
    if ch in _QUOTE_UNSAFE:
        return False
    if ch == "`" or ch == "~":
        return not _fence_length(bare, 0) and bare[1:2] != " "
    if ch == "#":
        return not _heading_level(bare, 0)
    if ch == "*" or ch == "_":
        if _is_hr(bare, 0) or (ch == "*" and bare[1:2] in ("", " ")):
            return False
    elif "0" <= ch <= "9":
        if _ordered_marker(bare, 0) >= 0:
            return False
    elif starts and ch == "[":
        return not _maybe_reference(bare, 0)
    elif starts and ch == "$":
        return not bare.startswith("$$")
    return True
