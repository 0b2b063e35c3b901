"""A heading (or heading-like line) followed directly by a blockquote or a quoted sentence.

Further blockquotes under the same heading are examples: they go to the card's Extra field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match
from flashgen.extract.outline import Unit
from flashgen.extract.terms import is_heading_like, looks_like_term, strip_emphasis

_QUOTED = re.compile(r'^\s*[“"«„](?P<q>.+?)[”"»“]\s*[.,;]?\s*$', re.DOTALL)


def unquote(text: str) -> str | None:
    """`“The extension of …”.` → `The extension of …`; None if not a quoted sentence."""
    m = _QUOTED.match(text)
    return m.group("q").strip() if m else None


def match(units: Sequence[Unit], i: int) -> Match | None:
    head = units[i]
    if head.kind == "heading":
        if not looks_like_term(head.text):
            return None
    elif not (head.kind == "text" and head.first and not head.last and is_heading_like(head.text)):
        return None
    if i + 1 >= len(units):
        return None
    nxt = units[i + 1]
    if nxt.kind == "quote" and nxt.depth == head.depth:
        definition = unquote(nxt.text) or nxt.text.strip()
    elif (nxt.kind == "text" and nxt.group == head.group and nxt.last) or (
        head.kind == "heading" and nxt.kind == "text" and nxt.first and nxt.last
    ):
        quoted = unquote(nxt.text)
        if quoted is None:
            return None
        definition = quoted
    else:
        return None
    if not definition:
        return None
    j = i + 2
    examples: list[str] = []
    while head.kind == "heading" and j < len(units) and units[j].kind == "quote":
        examples.append(units[j].text.strip())
        j += 1
    draft = Draft(
        "definition",
        strip_emphasis(head.text),
        definition,
        line=head.line,
        extra="\n\n".join(examples),
    )
    return Match((draft,), j)
