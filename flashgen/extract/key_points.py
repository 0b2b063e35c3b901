"""Key points: a list under a heading (or under a heading inside a list item), or under a
`Lead-in:` line, or the lines that follow a lead-in up to a blank line, lead-in or heading.

Items that are cards of their own are taken out of the points: explicit ones (`Q:`/`A:`,
`::`, cloze) always, and definitions (`Term: …`, `Term - …`, `[Tool](url) - …`) too,
except in a numbered list that is not all definitions, where the order is the point.
A definition item's nested items become its card's Extra.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from flashgen.cards import Draft
from flashgen.extract import cloze, explicit, fields, outliner
from flashgen.extract.base import Match, flat, indented, items_end, may_have_marks, with_images
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import is_label, is_title, is_url
from flashgen.extract.outline import Unit
from flashgen.extract.references import is_reference_heading
from flashgen.extract.sentence import is_definition_lead_in, split_lead_in
from flashgen.extract.separators import split_any

_ONLY_LINK = re.compile(r"^!?\[[^\]]*\]\([^)]*\)$|^!?\[[^\]]*\]\[[^\]]*\]$")
_NAMED_URL = re.compile(r"^[^:]{1,60}?(?::|\s+[-–—])\s+<?https?://\S+>?(\s*\([^)]*\))?$")


def _is_noise(text: str) -> bool:
    """A point that is only a URL, a link, an image, or `Name: https://…`."""
    t = strip_emphasis(text)
    if is_url(t) or (t[:1] in ("!", "[") and _ONLY_LINK.match(t) is not None):
        return True
    return "://" in t and _NAMED_URL.match(t) is not None  # its pattern is slow to fail


def _own_card(units: Sequence[Unit], k: int) -> Match | None:
    """The explicit card that units[k] makes on its own, if it is one."""
    if not may_have_marks(units[k].text) and not (k + 1 < len(units) and units[k + 1].cont):
        return None  # none of these rules' marks (see RULE_MARKS), as in most points
    for rule in (*explicit.EXPLICIT, cloze.match, fields.match):
        m = rule(units, k)
        if m is not None and m.drafts:
            return m
    return None


def item_definition(text: str) -> tuple[str, str] | None:
    return split_lead_in(text) or split_any(text)


def _children_markdown(children: Sequence[Unit], depth: int) -> str:
    return "\n".join("  " * (u.depth - depth - 1) + "- " + flat(u.text) for u in children)


ItemDefinition = Callable[[str], "tuple[str, str] | None"]
"""How an item's text splits into a term and its definition, or None (not a definition)."""


def points(
    front: str,
    units: Sequence[Unit],
    start: int,
    j: int,
    line: int,
    split_item: ItemDefinition | None = None,
) -> Match | None:
    """A key-points card from the items units[start:j], plus the items' own cards."""
    split = split_item or item_definition
    top = min(u.depth for u in units[start:j])
    tops = [k for k in range(start, j) if units[k].depth == top]
    definitions = {k: d for k in tops if (d := split(flat(units[k].text))) is not None}
    if units[start].ordered and len(definitions) < len(tops):
        definitions = {}  # steps in order: the whole list is the point
    drafts: list[Draft] = []
    kept: list[Unit] = []
    outline_note = outliner.is_outline(units)
    k = start
    while k < j:
        unit = units[k]
        m = _own_card(units, k)
        if m is None and unit.depth == top and outline_note:
            m = outliner.match(units, k)  # a parent bullet and its child (Logseq)
            if m is not None and m.drafts[0].kind == "key_points":
                m = None  # a parent with its points stays a point of the heading
        if m is not None:
            drafts.extend(m.drafts)
            k = max(m.next, k + 1)
            continue
        if k in definitions:
            end = k + 1
            while end < j and units[end].depth > top:
                end += 1
            term, definition = definitions[k]
            extra = _children_markdown(units[k + 1 : end], top)
            drafts.append(Draft("definition", term, definition, line=unit.line, extra=extra))
            k = end
            continue
        if not _is_noise(unit.text):
            kept.append(unit)
        k += 1
    if outline_note and len(kept) > 1 and all(u.depth > kept[0].depth for u in kept[1:]):
        parent = outliner.match(units, units.index(kept[0], start))
        if parent is not None and parent.drafts[0].kind == "key_points":
            # The heading's only point is a parent bullet with its points: named by it.
            front, kept, line = parent.drafts[0].front, kept[1:], kept[0].line
    points = indented(kept)
    if points:
        drafts.insert(0, Draft("key_points", front, items=points, line=line))
    return Match(tuple(drafts), j) if drafts else None


def heading_list(
    units: Sequence[Unit], i: int, split_item: ItemDefinition | None = None
) -> Match | None:
    """`## Heading` followed directly by a list: one card, the points in order."""
    head = units[i]
    if head.kind != "heading" or i + 1 >= len(units) or units[i + 1].kind != "item":
        return None
    front = strip_emphasis(head.text)
    if not front or is_reference_heading(front):
        return None
    j = items_end(units, i + 1, None if head.depth == 0 else head.depth)
    return points(front, units, i + 1, j, head.line, split_item) if j > i + 1 else None


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


def lead_in(
    units: Sequence[Unit], i: int, split_item: ItemDefinition | None = None
) -> Match | None:
    """`Lead-in:` then a list, or then lines up to a blank line, the next lead-in or heading."""
    unit = units[i]
    if not unit.text.rstrip().endswith((":", "*", "_")):
        return None  # a lead-in ends with a colon, perhaps inside emphasis (`**Lead-in:**`)
    if unit.kind not in ("text", "item") or unit.cont:
        return None
    front = lead_in_front(unit.text)
    if front is None or is_reference_heading(front):
        return None
    j = i + 1
    if j < len(units) and units[j].kind == "item":
        if unit.kind == "item":
            end = items_end(units, j, unit.depth)
        else:
            end = items_end(units, j, None) if unit.last else j
        if end > j:
            return points(front, units, j, end, unit.line, split_item)
    if unit.kind != "text" or unit.last:
        return None
    drafts: list[Draft] = []
    lines: list[str] = []
    while j < len(units) and units[j].kind == "text" and units[j].group == unit.group:
        text = units[j].text
        if text.rstrip().endswith(":") or is_definition_lead_in(text):
            break  # the next lead-in, a title such as `MLOps: Motivation by INNOQ:`, or a definition
        if j + 1 < len(units) and units[j + 1].group == unit.group and is_url(units[j + 1].text):
            break  # the title of a reading, with its link on the next line
        m = _own_card(units, j)
        if m is not None:
            drafts.extend(m.drafts)
            j = max(m.next, j + 1)
            continue
        found = item_definition(text)
        if found is not None:
            back, after = with_images(units, j, j + 1, found[1])
            drafts.append(Draft("definition", found[0], back, line=units[j].line))
            j = after
            continue
        if not _is_noise(text):
            lines.append(text)
        j += 1
    if lines:
        drafts.insert(0, Draft("key_points", front, items=tuple(lines), line=unit.line))
    return Match(tuple(drafts), j) if drafts else None
