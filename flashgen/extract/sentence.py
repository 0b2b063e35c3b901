"""Definitions written as sentences.

- `## Overfitting` whose first paragraph is one sentence naming it (`Overfitting is when …`):
  the front is the heading, the back the whole sentence.
- `X definition: …` and `X is defined as …` lines: the front is X, the back the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat, logical_line, paragraph_end, with_images
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.outline import Unit
from flashgen.extract.terms import looks_like_term

_TRAILING_PARENS = re.compile(r"\s*\([^)]*\)$")
_WORD_NEXT = re.compile(r"\s+[^\W\d_]")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_INNER_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z]")
_FIRST_PERSON = re.compile(r"\b(?:I|my|My|me)\b")
_DEFINITION_COLON = re.compile(
    r"^(?:(?P<t>.+?)\s+definition|[Dd]efinition\s+of\s+(?P<t2>.+?))\s*:\s+(?P<d>.+)$",
    re.IGNORECASE,
)
_DEFINED_AS = re.compile(r"^(?P<t>.+?)\s+(?:is|are)\s+defined\s+as\s+(?P<d>.+)$")
_ANY_CASE_DEFINITION = re.compile("definition", re.IGNORECASE)
"""What _DEFINITION_COLON needs, with a colon (in any case: `DEFİNITION` too, as it does);
_DEFINED_AS needs `defined`."""
_QUALIFIERS = {
    # `Formal definition: …` qualifies the definition, it does not name the term.
    "formal",
    "informal",
    "simple",
    "short",
    "basic",
    "general",
    "precise",
    "official",
    "textbook",
    "working",
    "dictionary",
    "alternative",
    "another",
    "other",
    "our",
    "my",
    "the",
    "a",
    "his",
    "her",
    "their",
}


def _names(sentence: str, heading: str) -> bool:
    """Whether the sentence starts with the heading's term (an article before it is fine)."""
    s = _ARTICLE.sub("", sentence).casefold()
    term = strip_emphasis(heading).casefold()
    candidates = {term, _TRAILING_PARENS.sub("", term)}
    return any(t and s.startswith(t) and _WORD_NEXT.match(s, len(t)) for t in candidates)


def heading_sentence(units: Sequence[Unit], i: int) -> Match | None:
    """A heading whose first paragraph is a single sentence that names the heading."""
    head = units[i]
    if head.kind != "heading" or i + 1 >= len(units):
        return None
    if units[i + 1].kind != "text" or not units[i + 1].first:
        return None
    if _INNER_SENTENCE_END.search(flat(units[i + 1].text)):
        return None  # a second sentence starts on the first line: no need to join the rest
    j = paragraph_end(units, i + 1)
    sentence = flat("\n".join(u.text for u in units[i + 1 : j]))
    if (
        not sentence.endswith(".")
        or _INNER_SENTENCE_END.search(sentence[:-1])
        or _FIRST_PERSON.search(sentence)
        or len(sentence.split()) < 5
        or not _names(sentence, head.text)
        or not looks_like_term(head.text)  # last: the dearest test
    ):
        return None
    return Match((Draft("definition", strip_emphasis(head.text), sentence, line=head.line),), j)


def _may_define(text: str) -> bool:
    """Whether _DEFINITION_COLON or _DEFINED_AS could match: a cheap test that saves
    running them (they try every position) on the many lines with neither word."""
    if "defined" in text:
        return True
    return ":" in text and _ANY_CASE_DEFINITION.search(text) is not None


def split_lead_in(text: str) -> tuple[str, str] | None:
    """`X definition: …`, `Definition of X: …` or `X is defined as …` → (X, the rest)."""
    if not _may_define(text):
        return None
    m = _DEFINITION_COLON.match(text)
    if m is not None:
        term = strip_emphasis(m.group("t") or m.group("t2") or "")
        if term.casefold() in _QUALIFIERS:
            return None
    else:
        m = _DEFINED_AS.match(text)
        if m is None:
            return None
        term = _ARTICLE.sub("", strip_emphasis(m.group("t")))
    definition = m.group("d").strip()
    if not looks_like_term(term, max_words=6) or not definition:
        return None
    return term, definition


def lead_in(units: Sequence[Unit], i: int) -> Match | None:
    """A line or list item that is an `X definition: …` or `X is defined as …` sentence."""
    unit = units[i]
    if "efin" not in unit.text:
        return None  # neither `definition` nor `defined` on the line
    if unit.kind not in ("text", "item") or unit.cont:
        return None
    text, j = logical_line(units, i)
    found = split_lead_in(text)
    if found is None:
        return None
    back, j = with_images(units, i, j, found[1])
    return Match((Draft("definition", found[0], back, line=unit.line),), j)


def is_definition_lead_in(text: str) -> bool:
    """Whether a line is an `X definition: …` or `X is defined as …` line."""
    if not _may_define(text):
        return False
    return _DEFINITION_COLON.match(text) is not None or _DEFINED_AS.match(text) is not None
