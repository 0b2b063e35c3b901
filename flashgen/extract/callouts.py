"""Obsidian callouts: `> [!type] Title` then the callout's body in the quote.

- `[!definition] Term` (or `[!def]`, `[!term]`): a definition card, the title is the
  term and the body the back;
- `[!question] Why …?` (or `[!faq]`): a question and answer card, the body the answer;
- any other callout (`[!note]`, `[!tip]-`, `[!example]`, `[!quote]`, a `[!definition]`
  without a title …): its body is read like the rest of the note, so the cards written
  inside it are found (`> [!definition]` + `> Term: definition`). Its title is not a card.

The `[!type]` marker never shows on a card. The body comes from the quote's lines
(outline.py keeps them in the unit's `source` for a quote that starts with `[!`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.outline import Unit, outline
from flashgen.extract.terms import looks_like_term

DEFINITION_TYPES = frozenset(("definition", "def", "defn", "term"))
QUESTION_TYPES = frozenset(("question", "faq", "help"))
_HEAD = re.compile(r"^\[!(?P<type>[\w-]+)\][+-]?[ \t]*(?P<title>.*)$")
_QUOTE_MARK = re.compile(r"^[ \t]*>[ \t]?")


def _body(source: str) -> tuple[str, str]:
    """(first line, the rest) of a callout's source, one level of `>` off each line."""
    lines = [_QUOTE_MARK.sub("", line, count=1) for line in source.split("\n")]
    return lines[0].strip(), "\n".join(lines[1:])


def _text(units: Sequence[Unit]) -> str:
    """The body's paragraphs, each on one line, and its list items, as markdown."""
    blocks: list[str] = []
    group = -1
    for u in units:
        if u.kind == "item":
            line = "  " * (u.depth - 1) + ("1. " if u.ordered else "- ") + flat(u.text)
        elif u.kind == "text":
            line = u.text.strip()
        else:
            continue
        if u.group == group and blocks:
            blocks[-1] += (" " if u.cont else "\n") + line  # a hard wrap, else a line
        else:
            blocks.append(line)
        group = u.group
    return "\n\n".join(blocks)


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.kind != "quote" or not unit.text.startswith("[!") or not unit.source:
        return None
    first, body = _body(unit.source)
    head = _HEAD.match(first)
    if head is None:
        return None
    from flashgen.extract import find_drafts  # the engine, for the callout's body
    from flashgen.extract.vault import prepare

    kind = head.group("type").lower()
    title_units, _ = prepare(outline(head.group("title"), unit.line))
    title = strip_emphasis(title_units[0].text) if title_units else ""
    inner, _ = prepare(outline(body, unit.line + 1))
    back = _text(inner)
    if title and back:
        if kind in DEFINITION_TYPES and looks_like_term(title):
            return Match((Draft("definition", title, back, line=unit.line),), i + 1)
        if kind in QUESTION_TYPES and title.endswith("?"):
            return Match((Draft("qa", title, back, line=unit.line),), i + 1)
    drafts, problems = find_drafts(inner)
    return Match(tuple(d for d, _ in drafts), i + 1, tuple(problems))
