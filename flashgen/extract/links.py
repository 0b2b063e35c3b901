"""Link lists: `[Tool](https://…) - description` and `**[Tool](url)** - description`.

The front keeps the markdown link, so the card links to the tool; bold around it goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line, with_images
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_link


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.kind not in ("text", "item") or unit.cont or not unit.text.lstrip("*_").startswith("["):
        return None
    text, j = logical_line(units, i)
    found = split_link(text)
    if found is None:
        return None
    back, j = with_images(units, i, j, found[1])
    return Match((Draft("definition", found[0], back, line=unit.line),), j)
