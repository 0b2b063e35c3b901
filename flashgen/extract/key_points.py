"""Key points: a list under a heading (or under a heading inside a list item), or under a
`Lead-in:` line, or the lines that follow a lead-in up to a blank line, lead-in or heading.

A list whose items are all definitions gives those definitions instead (the engine
goes on item by item). Explicit items (`Q:`/`A:`, `::`, cloze) become their own cards.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract import cloze, explicit
from flashgen.extract.base import Match, flat, indented, items_end, starts_fresh
from flashgen.extract.outline import Unit
from flashgen.extract.sentence import is_definition_lead_in
from flashgen.extract.terms import is_label, is_title, is_url, split_any, strip_emphasis

_ONLY_LINK = re.compile(r"^!?\[[^\]]*\]\([^)]*\)$|^!?\[[^\]]*\]\[[^\]]*\]$")
_NAMED_URL = re.compile(r"^[^:]{1,60}?(?::|\s+[-–—])\s+<?https?://\S+>?(\s*\([^)]*\))?$")
_REFERENCE_HEADINGS = {
    "references",
    "refs",
    "links",
    "sources",
    "see also",
    "further reading",
    "readings",
    "resources",
    "related",
    "related lists",
}


def _is_noise(text: str) -> bool:
    """A point that is only a URL, a link, an image, or `Name: https://…`."""
    t = strip_emphasis(text.strip())
    return is_url(t) or _ONLY_LINK.match(t) is not None or _NAMED_URL.match(t) is not None


def _own_card(units: Sequence[Unit], k: int) -> Match | None:
    """The explicit card a single list item makes, if it is one."""
    for rule in (*explicit.EXPLICIT, cloze.match):
        m = rule(units, k)
        if m is not None and m.drafts:
            return m
    return None


def _points(front: str, units: Sequence[Unit], start: int, j: int, line: int) -> Match | None:
    """One key-points card from the items units[start:j], or None for a list of definitions."""
    items = units[start:j]
    top = min(u.depth for u in items)
    if all(
        split_any(flat(u.text)) or _own_card(units, start + k)
        for k, u in enumerate(items)
        if u.depth == top
    ):
        return None  # a list of definitions: each item is its own card
    own: list[Draft] = []
    kept: list[Unit] = []
    k = start
    while k < j:
        m = _own_card(units, k)
        if m is not None:
            own.extend(m.drafts)
            k = max(m.next, k + 1)
            continue
        if not _is_noise(units[k].text):
            kept.append(units[k])
        k += 1
    points = indented(kept)
    if not points:
        return Match(tuple(own), j) if own else None
    return Match((Draft("key_points", front, items=points, line=line), *own), j)


def heading_list(units: Sequence[Unit], i: int) -> Match | None:
    """`## Heading` followed directly by a list: one card, the points in order."""
    head = units[i]
    if head.kind != "heading" or i + 1 >= len(units) or units[i + 1].kind != "item":
        return None
    front = strip_emphasis(head.text)
    if not front or front.casefold().rstrip(":") in _REFERENCE_HEADINGS:
        return None
    j = items_end(units, i + 1, None if head.depth == 0 else head.depth)
    return _points(front, units, i + 1, j, head.line) if j > i + 1 else None


def lead_in_front(text: str) -> str | None:
    """`Lead-in:` or `**Lead-in:**` → `Lead-in`; None when the line is not a lead-in."""
    t = text.strip()
    bare = strip_emphasis(t)
    if bare.endswith(":") and bare != t:
        front = bare[:-1].strip()
    elif t.endswith(":"):
        front = strip_emphasis(t[:-1].strip())
    else:
        return None
    if not front or len(front) > 100 or ":" in front or "\n" in front or is_url(front):
        return None
    if front.startswith(("!", "[", "<", "|", "#")) or is_label(front) or is_title(text):
        return None
    return front


def lead_in(units: Sequence[Unit], i: int) -> Match | None:
    """`Lead-in:` then a list, or then lines up to a blank line, the next lead-in or heading."""
    unit = units[i]
    if unit.kind not in ("text", "item") or not starts_fresh(units, i):
        return None
    front = lead_in_front(unit.text)
    if front is None:
        return None
    j = i + 1
    if j < len(units) and units[j].kind == "item":
        if unit.kind == "item":
            end = items_end(units, j, unit.depth)
        else:
            end = items_end(units, j, None) if unit.last else j
        if end > j:
            return _points(front, units, j, end, unit.line)
    if unit.kind != "text" or unit.last:
        return None
    lines: list[str] = []
    while j < len(units) and units[j].kind == "text" and units[j].group == unit.group:
        text = units[j].text
        if lead_in_front(text) is not None or is_definition_lead_in(text):
            break
        if _own_card(units, j) is not None:
            break
        if not _is_noise(text):
            lines.append(text)
        j += 1
    if not lines or all(split_any(ln) for ln in lines):
        return None
    return Match((Draft("key_points", front, items=tuple(lines), line=unit.line),), j)
