"""`Term: definition` in a line of a paragraph, a list item or a blockquote line."""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match
from flashgen.extract.outline import Unit
from flashgen.extract.terms import ends_sentence, split_definition, strip_emphasis


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.kind not in ("text", "item"):
        return None
    if unit.kind == "text" and not unit.first and not ends_sentence(units[i - 1].text):
        return None  # a hard-wrapped sentence that happens to contain a colon
    first_line = unit.text.split("\n", 1)
    found = split_definition(first_line[0])
    if found is None:
        return None
    term, definition = found
    if len(first_line) > 1:
        definition = definition + "\n" + first_line[1]
    return Match((Draft("definition", strip_emphasis(term), definition, line=unit.line),), i + 1)
