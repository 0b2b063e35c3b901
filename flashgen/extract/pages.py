"""One concept per page (Quartz gardens, Obsidian and glossary pages): the page's title is
the term, its first paragraph the definition.

- `titled`: a note with a frontmatter `title:` and no `# Heading` reads the title as its
  level-1 heading, as Quartz shows it on the page; the heading rules (a heading and a
  sentence naming it, `Spaced repetition is …`) then apply to it, and the cards under it
  have it as context. The deck name does not change (it is decided before).
- `match`: a level-1 heading that reads as a term, then (after at most one italic aside
  such as `*Plural: mitochondria.*`) a first paragraph of one sentence that is a noun
  phrase (`A double-membraned organelle that …`, `The value of the best alternative …`),
  or one of the first three paragraphs that is one sentence starting with the title
  (`TCP (Transmission Control Protocol) gives …`, after a breadcrumb line `Part of
  [[Transport layer]].`; the paragraphs before it must hold none of the marks a card
  needs): a definition, the back the sentence as written.

Not a title that is a label or a lecture title (`Lecture 5: Tools`), not a paragraph in
the first person, of several sentences, or that does not end with a full stop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, may_have_marks
from flashgen.extract.bold_sentences import defined_terms
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import is_title
from flashgen.extract.outline import Unit
from flashgen.extract.terms import looks_like_term

_NOUN_PHRASE = re.compile(r"^(?:A|An|The)\s+\S")
_INNER_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z]")
_FIRST_PERSON = re.compile(r"\b(?:I|my|My|me|we|We|our|Our)\b")
_ASIDE = re.compile(r"^(?:\*[^*\n]+\*|_[^_\n]+_)$")
_MAX_WORDS = 60
_INTRO_PARAGRAPHS = 3
"""How far into the page its definition is looked for: breadcrumbs such as `Part of
[[Transport layer]].` may come first (only paragraphs that cannot hold a card are passed)."""
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def titled(units: Sequence[Unit], meta: Mapping[str, object], line: int) -> Sequence[Unit]:
    """The units, under a level-1 heading of the frontmatter `title:` when they have none."""
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip() or not units:
        return units
    if any(u.kind == "heading" and u.level == 1 and u.depth == 0 for u in units):
        return units
    head = Unit("heading", title.strip(), line, line + 1, level=1, first=True, last=True)
    return (head, *units)


def _names_title(sentence: str, title: str) -> bool:
    """`TCP (Transmission Control Protocol) gives …`: the sentence starts with the title."""
    t = _ARTICLE.sub("", sentence)
    n = len(title)
    return t[:n].casefold() == title.casefold() and t[n : n + 1] in (" ", "(", ",")


def _paragraph(units: Sequence[Unit], k: int) -> tuple[str, int]:
    """The text of the paragraph that starts at units[k], and the index after it."""
    j = k
    while not units[j].last and j + 1 < len(units) and units[j + 1].group == units[k].group:
        j += 1
    return " ".join(u.text.strip() for u in units[k : j + 1]), j + 1


def _one_sentence(sentence: str) -> bool:
    return (
        sentence.endswith(".")
        and _INNER_SENTENCE_END.search(sentence) is None
        and _FIRST_PERSON.search(sentence) is None
        and len(sentence.split()) <= _MAX_WORDS
    )


def match(units: Sequence[Unit], i: int) -> Match | None:
    head = units[i]
    if head.kind != "heading" or head.level != 1 or head.depth or i + 1 >= len(units):
        return None
    front = strip_emphasis(head.text)
    k = i + 1
    if units[k].kind == "text" and units[k].first and units[k].last and _ASIDE.match(units[k].text):
        k += 1
    first = True
    for _ in range(_INTRO_PARAGRAPHS):
        if k >= len(units) or units[k].kind != "text" or not units[k].first:
            return None
        sentence, after = _paragraph(units, k)
        if isinstance(defined_terms(sentence), list) and defined_terms(sentence):
            return None  # `A **graph** is …`: the emphasised term's card (bold_sentences)
        if _one_sentence(sentence) and (
            (first and _NOUN_PHRASE.match(sentence)) or _names_title(sentence, front)
        ):
            if not looks_like_term(front) or is_title(front):
                return None
            return Match((Draft("definition", front, sentence, line=units[k].line),), after)
        if may_have_marks(sentence):
            return None  # a paragraph that may hold a card is not passed over
        first = False
        k = after
    return None
