"""`Term - definition`, `Term – definition`, `Term — definition`.

Dashes also join clauses mid-sentence (`… is deterministic - the outcome …`) and number
exercises (`Example 2 - Draw the graph`), so the left side must read as a term: short,
no verb or pronoun, not starting like a sentence, not a label.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line, with_images
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_dash


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    text = unit.text
    if " -" not in text and "–" not in text and "—" not in text:
        return None
    if unit.kind not in ("text", "item") or unit.cont:
        return None
    text, j = logical_line(units, i)
    found = split_dash(text)
    if found is None:
        return None
    back, j = with_images(units, i, j, found[1])
    return Match((Draft("definition", found[0], back, line=unit.line),), j)
