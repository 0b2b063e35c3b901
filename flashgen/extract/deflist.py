"""Definition lists: `Term` then `: definition` (mdit-py-plugins' deflist)."""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import is_label
from flashgen.extract.outline import Unit
from flashgen.extract.references import is_links_only


def match(units: Sequence[Unit], i: int) -> Match | None:
    term = units[i]
    if term.kind != "term":
        return None
    j = i + 1
    parts: list[str] = []
    while j < len(units) and units[j].kind == "desc":
        parts.append(flat(units[j].text))
        j += 1
    definition = "\n\n".join(p for p in parts if p)
    if not definition or not term.text:
        return Match((), j)
    if is_label(term.text) or is_links_only(definition):
        return Match((), j)  # `Usage` / `Related terms` then `: [a](a.md), [b](b.md)`
    return Match((Draft("definition", strip_emphasis(term.text), definition, line=term.line),), j)
