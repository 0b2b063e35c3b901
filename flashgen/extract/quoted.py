"""A heading (or heading-like line) followed directly by a blockquote or a quoted sentence.

Further blockquotes under the same heading are examples: they go to the card's Extra field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat, paragraph_end
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import is_label
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_any
from flashgen.extract.terms import is_heading_like, looks_like_term

_OPENING_QUOTES = '“"«„'
_QUOTED = re.compile(r'^\s*[“"«„](?P<q>[^“”"«»„]+)[”"»“]\s*[.,;]?\s*$')


_CALLOUT = re.compile(r"^\[![\w-]+\][+-]?\s*")


def unquote(text: str) -> str | None:
    """`“The extension of …”.` → `The extension of …`; None if not a quoted sentence."""
    m = _QUOTED.match(text)
    return m.group("q").strip() if m else None


def quote_text(unit: Unit) -> str:
    """A blockquote's paragraphs, each on one line, with enclosing quote marks removed
    (and the `[!tip]` marker of an Obsidian callout)."""
    text = "\n\n".join(flat(p) for p in unit.text.split("\n\n") if p.strip())
    text = _CALLOUT.sub("", text)
    return unquote(text) or text


def is_definition_quote(unit: Unit) -> bool:
    """A blockquote that can be a definition: not a callout (`> [!tip]`), not `> Example: …`."""
    first = unit.text.lstrip()
    if not first or first.startswith("[!"):
        return False
    head, sep, _ = first.partition(":")
    return not (sep and is_label(head))


def _may_open_quote(line: Unit) -> bool:
    """Whether a paragraph that starts with this line can be a quoted sentence (`“…”`).

    A cheap test on the first character, so the term tests (and the paragraph join)
    only run for lines where a quoted definition is possible.
    """
    first = line.text.lstrip()
    return not first or first[0] in _OPENING_QUOTES


def match(units: Sequence[Unit], i: int) -> Match | None:
    head = units[i]
    if i + 1 >= len(units):
        return None
    nxt = units[i + 1]
    j = i + 2
    # The structure is checked before the (dearer) test that the head reads as a term.
    if head.kind == "heading":
        if nxt.kind == "quote" and nxt.depth == head.depth:
            if not is_definition_quote(nxt) or not looks_like_term(head.text):
                return None
            definition = quote_text(nxt)
        elif nxt.kind == "text" and nxt.first:
            if not _may_open_quote(nxt) or not looks_like_term(head.text):
                return None
            j = paragraph_end(units, i + 1)
            definition = unquote(flat("\n".join(u.text for u in units[i + 1 : j]))) or ""
        else:
            return None
    elif head.kind == "text" and not head.cont:
        if head.last:
            if nxt.kind != "quote" or nxt.line != head.end or not is_definition_quote(nxt):
                return None
            if not is_heading_like(head.text):
                return None
            definition = quote_text(nxt)
        else:
            if not _may_open_quote(nxt) or not is_heading_like(head.text):
                return None
            j = paragraph_end(units, i)
            definition = unquote(flat("\n".join(u.text for u in units[i + 1 : j]))) or ""
    else:
        return None
    if not definition:
        return None
    if definition[:1] in ("*", "_"):
        # `> **Overfitting** — when a model …` under `# Overfitting`: the term is the front
        found = split_any(definition)
        if found is not None and found[0].casefold() == strip_emphasis(head.text).casefold():
            definition = found[1]
    examples: list[str] = []
    while head.kind == "heading" and j < len(units) and units[j].kind == "quote":
        examples.append(quote_text(units[j]))
        j += 1
    draft = Draft(
        "definition",
        strip_emphasis(head.text),
        definition,
        line=head.line,
        extra="\n\n".join(examples),
    )
    return Match((draft,), j)
