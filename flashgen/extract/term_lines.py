"""A term alone on a line with its definition on the next line of the same paragraph, as
students write in loose notes (`Sakoku` then `The Tokugawa policy of national isolation
…`): front the term line, back the next line (with its hard-wrapped continuation).

The term line is short (at most five words), reads as a term and ends with no punctuation;
the paragraph is exactly those two lines; the definition line reads as a definition as
under a heading (heading_definitions.reads_as_definition: `The Tokugawa policy of …`, a
noun phrase, not a sentence such as `We talked about …`) and is no `Term: …` line. Part of the `heading_sentences` setting: the term line is a heading in all but
its markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line
from flashgen.extract.heading_definitions import NOT_FIRST, SKIPPED_HEADINGS, reads_as_definition
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_any
from flashgen.extract.terms import is_heading_like


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.kind != "text" or not unit.first or unit.last or i + 1 >= len(units):
        return None
    nxt = units[i + 1]
    if nxt.cont or nxt.kind != "text" or nxt.group != unit.group:
        return None
    term = unit.text.strip()
    if len(term) > 50 or len(term.split()) > 5 or term.casefold() in SKIPPED_HEADINGS:
        return None
    text, j = logical_line(units, i + 1)
    if not units[j - 1].last:
        return None  # more lines follow: a paragraph, not a term and its definition
    if "://" in text:
        return None  # a reading's title with its link
    words = text.split()
    if len(words) < 3 or words[0].casefold().strip(",") in NOT_FIRST:
        return None
    sentence = text if text.endswith(".") else text + "."
    if not reads_as_definition(sentence, term) or split_any(text) is not None:
        return None
    if not is_heading_like(term):
        return None
    return Match((Draft("definition", term, text, line=unit.line),), j)
