"""List items that are definitions with an emphasised lead-in:
`- **[Early stopping][2].** Stops training when …` → a definition card for each such item,
front the lead-in (a reference-style link is resolved to its text), back the rest of the
item. As with `Term: …` items, such an item leaves the list's key-points card, which keeps
the other items (a list that is all definitions gives no key-points card).

Tried before `heading_list` and `lead_in` (key_points.py), at a heading or `Lead-in:` line
over a list with at least one such item, and at a loose list item of that shape.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract import key_points
from flashgen.extract.base import Match, flat, items_end
from flashgen.extract.lead_ins import lead_in_card
from flashgen.extract.outline import Unit


def item_definition(text: str) -> tuple[str, str] | None:
    """An item's (term, definition): a lead-in (`**Term.** …`) or any other spelling."""
    if text[:1] in ("*", "_"):
        found = lead_in_card(text)
        if isinstance(found, tuple):
            return found
    return key_points.item_definition(text)


def _has_lead_in_item(units: Sequence[Unit], start: int, end: int) -> bool:
    return any(
        units[k].text[:1] in ("*", "_") and isinstance(lead_in_card(flat(units[k].text)), tuple)
        for k in range(start, end)
    )


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if i + 1 >= len(units):
        return None
    if unit.kind == "item" and not (
        units[i + 1].kind == "item" and units[i + 1].depth > unit.depth
    ):
        if unit.text[:1] not in ("*", "_"):
            return None
        found = lead_in_card(flat(unit.text))
        if not isinstance(found, tuple):
            return None
        return Match((Draft("definition", found[0], found[1], line=unit.line),), i + 1)
    if units[i + 1].kind != "item":
        return None
    if unit.kind == "heading":
        end = items_end(units, i + 1, None if unit.depth == 0 else unit.depth)
        if not _has_lead_in_item(units, i + 1, end):
            return None
        return key_points.heading_list(units, i, item_definition)
    if unit.kind in ("text", "item") and unit.text.rstrip().endswith(("*", "_")):
        # `**Lead-in:**` over the list (RULE_MARKS: a line without emphasis is not tried)
        end = items_end(units, i + 1, None if unit.kind == "text" else unit.depth)
        if not _has_lead_in_item(units, i + 1, end):
            return None
        return key_points.lead_in(units, i, item_definition)
    return None
