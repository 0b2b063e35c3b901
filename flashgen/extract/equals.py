"""`Term = definition`, as vocabulary lists and quick notes write it: `der Bahnhof, -¨e =
train station`, `race condition = when the result depends on …`. The left side must read
as a term or be a short phrase (`Gute Reise! = Have a good trip!`); formulas are not
definitions (see separators.split_equals).
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line, with_images
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_equals


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if " = " not in unit.text or unit.kind not in ("text", "item") or unit.cont:
        return None
    text, j = logical_line(units, i)
    found = split_equals(text)
    if found is None:
        return None
    back, j = with_images(units, i, j, found[1])
    return Match((Draft("definition", found[0], back, line=unit.line),), j)
