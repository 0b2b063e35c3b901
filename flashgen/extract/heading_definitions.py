"""A heading (or a page's title) over a sentence that defines it without naming it:
`## Monitoring` then `Model monitoring denotes the process of …`; a glossary page titled
`Photosynthesis` whose first paragraph is `The process by which plants … .`

The front is the heading (or the frontmatter `title:`/`term:` of a page with no heading
before its first paragraph); the back is the paragraph, when it is one sentence that reads
as a definition:

- a noun phrase with a relative clause and no verb before it (`The process by which …`,
  `A double-membraned organelle that …`, `Physical barriers that stop …`), or
- a sentence in which the heading's last word comes before a defining verb (`Model
  monitoring denotes …`), or
- `Definition: …` / `**Definition.** …` right under the heading.

A list right under that paragraph is the heading's key points too (a second card).
Headings that are labels (`Background`, `Exercises`) or reference sections make none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, items_end
from flashgen.extract.bold_sentences import defined_terms
from flashgen.extract.key_points import points
from flashgen.extract.labels import label_word
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import is_label
from flashgen.extract.outline import Unit
from flashgen.extract.references import is_reference_heading
from flashgen.extract.separators import split_any
from flashgen.extract.terms import looks_like_term

_RELATIVE = frozenset(
    ("that", "which", "whose", "who", "where", "by", "in", "of", "for", "used", "with", "when")
)
_STRONG_RELATIVE = frozenset(("that", "which", "whose", "who", "where"))
_ARTICLES = frozenset(("the", "a", "an", "any"))
NOT_FIRST = frozenset(
    (
        "i",
        "we",
        "you",
        "he",
        "she",
        "it",
        "they",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "my",
        "our",
        "your",
        "see",
        "read",
        "if",
        "when",
        "in",
        "on",
        "at",
        "for",
        "to",
        "today",
        "last",
        "next",
        "note",
        "remember",
        "also",
        "so",
        "but",
        "and",
    )
)
_FINITE = frozenset(
    (
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
    )
)
_DEFINING = r"(?:is|are|denotes?|means?|refers?\s+to|describes?)"
_DEFINITION_LABEL = re.compile(
    r"^(?:\*\*|__)?(?:definition)(?:[:.](?:\*\*|__)|(?:\*\*|__)?[:.])\s+(?P<d>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_ASIDE = re.compile(r",\s[^,]{1,40},")
_INNER_END = re.compile(r"[.!?]\s+[*_\"“(\[]*[A-Z]")
SKIPPED_HEADINGS = frozenset(
    (
        "background",
        "overview",
        "introduction",
        "summary",
        "motivation",
        "context",
        "exercises",
        "problems",
        "homework",
        "notes",
        "examples",
        "example",
        "events",
        "discussion",
        "conclusion",
        "history",
        "my thoughts",
        "questions",
        "practice",
    )
)


def _noun_phrase(words: list[str], article: bool, strong: bool) -> bool:
    """Whether the words before `that`/`of` … read as a noun phrase (`double-membraned
    organelle`, `physical and chemical barriers`), not as a clause (`Ebbinghaus showed`)."""
    if not words or len(words) > (4 if strong else 2):
        return False
    if not article and len(words) < 2:
        return False  # `Teams that page someone …`: a subject, not a defined kind
    return not any(w.endswith("ed") and "-" not in w for w in words)


def reads_as_definition(sentence: str, heading: str) -> bool:
    """Whether a sentence under a heading defines it (see the module docstring)."""
    if not sentence.endswith(".") or _INNER_END.search(sentence[:-1]):
        return False
    # `Large business groups, such as Mitsubishi, that …`: an aside is no part of the shape
    words = _WORD.findall(_ASIDE.sub("", sentence).casefold())
    if len(words) < 5 or words[0] in NOT_FIRST:
        return False
    last = heading.casefold().split()[-1]
    named = re.search(rf"\b{re.escape(last)}\s+{_DEFINING}\b", sentence.casefold())
    if named is not None and len(sentence[: named.start()].split()) <= 2:
        return True  # `Model monitoring denotes …` under `Monitoring`
    article = words[0] in _ARTICLES
    for k, word in enumerate(words[:7]):
        if word in _FINITE:
            return False
        if word in _STRONG_RELATIVE:
            return _noun_phrase(words[int(article) : k], article, strong=True)
        if word in _RELATIVE and article:
            return _noun_phrase(words[1:k], article, strong=False)
    return False


def definition_under(
    units: Sequence[Unit], i: int, front: str, line: int, check_front: bool = False
) -> Match | None:
    """The definition (and key points) that the paragraph at units[i] gives `front`;
    with check_front, only when `front` can be a term (usable_heading), tested last."""
    j = i + 1
    while j < len(units) and units[j].cont:
        j += 1
    if j < len(units) and units[j].kind == "text" and units[j].group == units[i].group:
        return None  # lines that each say something: not one defining sentence
    text = units[i].text if j == i + 1 else " ".join(u.text for u in units[i:j])
    if text[:1] in ("*", "_"):
        labelled = _DEFINITION_LABEL.match(text)
        if labelled is None:
            return None  # `**Term**: …` and lead-ins: other rules' cards
        back = labelled.group("d").strip()
    else:
        if ("*" in text or "_" in text) and defined_terms(text):
            return None  # a term emphasised in the sentence: that term is the one defined
        if not text.endswith(".") or (":" in text and split_any(text) is not None):
            return None  # `Term: …`, `Term - …`: a definition of its own
        labelled = _DEFINITION_LABEL.match(text) if text[:1] in "Dd" else None
        if labelled is not None:
            back = labelled.group("d").strip()
        elif reads_as_definition(text, front):
            back = text
        else:
            return None
    if check_front and not usable_heading(front):
        return None
    drafts = [Draft("definition", front, back, line=line)]
    if j < len(units) and units[j].kind == "item" and units[j].line == units[j - 1].end:
        end = items_end(units, j, None)
        listed = points(front, units, j, end, line)
        if listed is not None:
            drafts.extend(listed.drafts)
            j = end
    return Match(tuple(drafts), j)


def usable_heading(text: str) -> bool:
    front = strip_emphasis(text)
    return (
        bool(front)
        and front.casefold() not in SKIPPED_HEADINGS
        and not is_label(front)
        and label_word(front) is None
        and not is_reference_heading(front)
        and looks_like_term(front, max_words=6)
    )


def match(units: Sequence[Unit], i: int) -> Match | None:
    head = units[i]
    if head.kind != "heading" or i + 1 >= len(units):
        return None
    nxt = units[i + 1]
    if nxt.kind != "text" or not nxt.first:
        return None
    return definition_under(units, i + 1, strip_emphasis(head.text), head.line, True)
