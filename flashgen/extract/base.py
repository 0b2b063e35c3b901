"""The contract between the extraction engine and its rules, and helpers rules share."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from flashgen.cards import Draft
from flashgen.extract.outline import Unit
from flashgen.media import IMAGE_SUFFIXES


@dataclass(frozen=True, slots=True)
class Match:
    """What a rule found at a position: its cards and where the engine goes on."""

    drafts: tuple[Draft, ...]
    next: int
    """Index of the first unit the rule did not consume."""
    problems: tuple[tuple[int, str], ...] = ()
    """(file line, message) for explicit syntax that is broken, such as `Q:` without `A:`."""


Rule = Callable[[Sequence[Unit], int], "Match | None"]
"""A rule looks at ``units[i]`` (and what follows) and returns a Match or None."""


def flat(text: str) -> str:
    """Soft-wrapped markdown lines as one line: `a\\nb` → `a b`."""
    if "\n" not in text:
        return text.strip()  # one line: the same, without the split and join
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


def may_have_marks(text: str) -> bool:
    """False only for text with none of the marks that rules need (RULE_MARKS in
    flashgen.extract): no colon, bracket, `=`, `{`, dash, `efin`, `Q`, `*` or `_`. Written out, as it runs
    for every line, and much faster than looking for each mark; every mark holds one of these
    (tests/test_extraction.py pins that)."""
    return (
        ":" in text
        or "[" in text
        or "=" in text
        or "{" in text
        or "-" in text
        or "–" in text
        or "—" in text
        or "efin" in text
        or "Q" in text
        or "*" in text
        or "_" in text
    )


def mark_in(mark: str, text: str) -> bool:
    """Whether text has a RULE_MARKS mark: contains it, or, for `^…`, starts with the rest."""
    return text.startswith(mark[1:]) if mark.startswith("^") else mark in text


def starts_fresh(units: Sequence[Unit], i: int) -> bool:
    """Whether units[i] starts something, rather than continuing a hard-wrapped sentence."""
    return not units[i].cont


def logical_line(units: Sequence[Unit], i: int) -> tuple[str, int]:
    """The text of units[i] with its hard-wrapped continuation lines, and the index after."""
    unit = units[i]
    if unit.kind != "text":
        return flat(unit.text), i + 1
    j = i + 1
    while j < len(units) and units[j].cont:
        j += 1
    if j == i + 1:
        return unit.text, j
    return " ".join(u.text for u in units[i:j]), j


_IMAGE = (
    r"!\[[^\[\]\n]*\]"  # `![alt]`: no brackets inside
    r"\((?:<[^<>\n]*>|(?:[^\s()<>]|\([^\s()<>]*\))+)"  # `(path` or `(<path>`
    r"""(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"""  # a title, then `)`
    r"|!\[\[[^\[\]\n]+\]\]"  # `![[file.png]]`, `![[file.png|300]]`
    r"|<img(?:\s[^<>\n]*)?/?>"  # `<img src="…">`
)
_IMAGE_LINE = re.compile(rf"(?:{_IMAGE})(?:[ ]*(?:{_IMAGE}))*")
_EMBED = re.compile(r"!\[\[([^\[\]\n]+)\]\]")


def is_image_line(text: str) -> bool:
    """Whether a line is images only: `![alt](path)`, an Obsidian `![[file.png]]` embed or
    `<img …>`, one or more. Told by their shape alone; an odd spelling (brackets in the alt
    text, `![[note]]` of no image file) is not one: what it is not sure of is text."""
    if text[:1] not in "!<" or _IMAGE_LINE.fullmatch(text) is None:
        return False
    # An embed is an image only for an image file's name, as rendering decides.
    return "![[" not in text or all(
        PurePath(target.partition("|")[0].strip()).suffix.lower() in IMAGE_SUFFIXES
        for target in _EMBED.findall(text)
    )


def with_images(units: Sequence[Unit], i: int, j: int, back: str) -> tuple[str, int]:
    """A one-line card's back with the image lines right under its line, and the index after.

    From units[j] on, the lines of units[i]'s paragraph that are only images (is_image_line)
    belong to its card: each is added on a line of its own, as a `Q:`/`A:` answer keeps its
    lines, so the card shows the picture under the definition. Any other line is left to
    the rules, as before. A list item's lines are all in its text already.
    """
    unit = units[i]
    if unit.kind != "text":
        return back, j
    k = j
    while (
        k < len(units)
        and units[k].group == unit.group
        and units[k].kind == "text"
        and is_image_line(units[k].text)
    ):
        back += "\n" + units[k].text
        k += 1
    return back, k


def paragraph_end(units: Sequence[Unit], i: int) -> int:
    """Index just after the paragraph that contains units[i]."""
    j = i
    while j < len(units) and units[j].kind == "text" and not units[j].last:
        j += 1
    return min(j + 1, len(units))


def items_end(units: Sequence[Unit], i: int, depth: int | None) -> int:
    """Index after the list items from units[i] on: the whole list (depth None), or only
    the items nested deeper than `depth` (the sub-list of an item or of a heading in one)."""
    j = i
    while (
        j < len(units)
        and units[j].kind == "item"
        and (units[j].group == units[i].group if depth is None else units[j].depth > depth)
    ):
        j += 1
    return j


def indented(items: Sequence[Unit]) -> tuple[str, ...]:
    """Items as key-point strings: nested points indented two spaces per level."""
    if not items:
        return ()
    top = min(u.depth for u in items)
    return tuple("  " * (u.depth - top) + flat(u.text) for u in items)
