"""Key points: a list under a heading, or under a `Lead-in:` line, or lines after a lead-in."""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, indented, items_of
from flashgen.extract.outline import Unit
from flashgen.extract.terms import is_label, is_url, split_definition, strip_emphasis


def _all_definitions(lines: Sequence[str]) -> bool:
    return bool(lines) and all(split_definition(ln.strip()) is not None for ln in lines)


def heading_list(units: Sequence[Unit], i: int) -> Match | None:
    """`## Heading` followed directly by a list: one card, the points in order."""
    head = units[i]
    if head.kind != "heading" or i + 1 >= len(units) or units[i + 1].kind != "item":
        return None
    items, j = items_of(units, i + 1)
    points = [p for p in indented(items) if not is_url(p.strip())]
    if not points or _all_definitions([u.text for u in items if u.depth == items[0].depth]):
        return None
    return Match(
        (Draft("key_points", strip_emphasis(head.text), items=tuple(points), line=head.line),), j
    )


def lead_in(units: Sequence[Unit], i: int) -> Match | None:
    """`Lead-in:` then a list, or then lines up to a blank line, the next lead-in or heading."""
    unit = units[i]
    if unit.kind not in ("text", "item") or not unit.text.endswith(":") or "\n" in unit.text:
        return None
    front = strip_emphasis(unit.text[:-1].strip())
    if not front or len(front) > 100 or ":" in front or is_url(front):
        return None
    if unit.kind == "text" and not unit.first and not _after_sentence(units[i - 1]):
        return None
    j = i + 1
    if (
        j < len(units)
        and units[j].kind == "item"
        and (unit.kind == "text" or units[j].depth > unit.depth)
    ):
        if unit.kind == "item":
            collected = []
            while j < len(units) and units[j].kind == "item" and units[j].depth > unit.depth:
                collected.append(units[j])
                j += 1
        else:
            collected, j = items_of(units, j)
        points = [p for p in indented(collected) if not is_url(p.strip())]
        tops = [u.text for u in collected if u.depth == min(c.depth for c in collected)]
        if not points or _all_definitions(tops):
            return None
        return Match((Draft("key_points", front, items=tuple(points), line=unit.line),), j)
    if unit.kind != "text" or unit.last or is_label(front):
        return None
    lines: list[str] = []
    while j < len(units) and units[j].kind == "text" and units[j].group == unit.group:
        text = units[j].text
        if text.endswith(":") and not is_url(text):
            break
        if not is_url(text):
            lines.append(text)
        j += 1
    if not lines or _all_definitions(lines):
        return None
    return Match((Draft("key_points", front, items=tuple(lines), line=unit.line),), j)


def _after_sentence(prev: Unit) -> bool:
    return prev.text.rstrip().endswith((".", "!", "?", ":", ")")) or len(prev.text) < 60
