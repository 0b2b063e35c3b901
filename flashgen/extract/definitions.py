"""`Term: definition` in a line of a paragraph or a list item, in its markdown spellings:
`Term:`, `**Term**:`, `**Term:**`, `__Term__:`, `*Term*:`. A hard-wrapped definition
takes its continuation lines; a line that continues a sentence never starts one. Image
lines right under the line (in its paragraph) go on the back, under the definition.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line, with_images
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_definition


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if ":" not in unit.text or unit.kind not in ("text", "item") or unit.cont:
        return None
    text, j = logical_line(units, i)
    found = split_definition(text)
    if found is None:
        return None
    back, j = with_images(units, i, j, found[1])
    return Match((Draft("definition", found[0], back, line=unit.line),), j)
