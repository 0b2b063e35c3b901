"""Paragraphs that open with an emphasised lead-in ending in a full stop (lecture sites,
textbooks): `**Stride.** The number of pixels …`, `*Batch size*. Larger batches …`,
`__Burst time.__ How long …` → a definition card, front the lead-in, back the rest of
the paragraph (all its lines).

- Labels are no terms (see labels.py): `**Note.**`, `**Example.**`, `**Proof.**` make no
  card; `**Theorem 2.2** (Handshake lemma). …` is named by its name; `**Definition 6.1.**`
  is left to the emphasised term in its sentence.
- `**Question.** …` then a paragraph `**Answer.** …` is a question card.
- A lead-in over a list (`**Determinants of elasticity.** Demand is more elastic when:`
  then items), or a paragraph that is only a bold phrase over a list (`**Two stages**`),
  is a key-points card named by the lead-in.
- A list item `- **Early stopping.** Stops training …` is a definition too (the
  `list_definitions` setting, see list_definitions.py, turns that off in lists).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat, items_end, paragraph_end
from flashgen.extract.key_points import points
from flashgen.extract.labels import THEOREM_WORDS, label_word
from flashgen.extract.outline import Unit
from flashgen.extract.references import is_reference_heading
from flashgen.extract.terms import looks_like_term

_LEAD_IN = re.compile(
    r"^(?P<e>\*\*|__|\*|_)(?P<t>[^*_\n]+?)(?P=e)(?P<rest>(?:\s|\.|\(|$).*)$", re.DOTALL
)
_NAME = re.compile(r"^\s*\((?P<name>[^()\n]{2,80})\)\s*\.?\s+(?P<rest>\S.*)$", re.DOTALL)
_CASE_NAME = re.compile(r"^[A-Z][\w.'’&-]*(?: [\w.'’&-]+)* v\. [A-Z]")
"""`Hamer v. Sidway`: a case name, whose `v.` is no sentence end."""
_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
"""A reference-style link `[text][2]`: its text is the term."""


def split_lead_in(text: str) -> tuple[str, str] | None:
    """`**Term.** rest` or `**Term**. rest` → (term, rest); None for anything else."""
    if text[:1] not in ("*", "_"):
        return None
    m = _LEAD_IN.match(text)
    if m is None:
        return None
    term, rest = m.group("t").strip(), m.group("rest")
    if term[:1] in "¿¡" and term.endswith(("?", "!")):
        return (term, rest.strip()) if rest[:1].isspace() else None
    if term.endswith("."):
        term = term[:-1].rstrip()
        if not rest[:1].isspace():
            return None
    elif rest.startswith("."):
        rest = rest[1:]
        if not rest[:1].isspace():
            return None
    elif not rest.lstrip().startswith("("):
        return None
    return term, rest.strip()


def lead_in_card(text: str) -> tuple[str, str] | str | None:
    """The (front, back) of a lead-in paragraph or item; else None, or why not (a str)."""
    found = split_lead_in(text)
    if found is None:
        return None
    term, rest = found
    if "][" in term:
        term = _REF_LINK.sub(r"\1", term)
    label = label_word(term)
    if label is not None:
        word, numbered = label
        named = _NAME.match(rest) if rest.startswith("(") else None
        if word in THEOREM_WORDS and named is not None:
            return named.group("name").strip(), named.group("rest").strip()
        if word in THEOREM_WORDS and numbered and rest and not rest.startswith("("):
            return term, rest
        return f"'{term}' is a label, not a term"
    if rest.startswith("("):
        return None  # `**Term** (aside)` with no full stop: not a lead-in
    if not rest:
        return None
    if _CASE_NAME.search(term) is not None and len(term) <= 80:
        return term, rest  # `**Regina v. Cunningham (1957).**`: a case, named by its parties
    if term[:1] in "¿¡" and len(term.split()) <= 8:
        return term, rest  # `*¿Me pasas la sal?* Can you pass me the salt?`: a phrase
    if not looks_like_term(term, max_words=8):
        return f"lead-in '{term}' does not read as a term"
    return term, rest


def _question(units: Sequence[Unit], i: int, question: str, j: int) -> Match | None:
    if j >= len(units) or units[j].kind != "text" or not units[j].first:
        return None
    end = paragraph_end(units, j)
    found = split_lead_in(flat("\n".join(u.text for u in units[j:end])))
    if found is None or found[0].casefold() not in ("answer", "a"):
        return None
    return Match((Draft("qa", question, found[1], line=units[i].line),), end)


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.kind != "text" or unit.text[:1] not in ("*", "_") or unit.cont:
        return None
    j = paragraph_end(units, i)
    if j < len(units) and units[j - 1].kind != "text":
        j -= 1
    for k in range(i + 1, j):
        if units[k].text[:1] in ("*", "_") and split_lead_in(units[k].text) is not None:
            j = k  # the next line opens a lead-in of its own: one card per lead-in line
            break
    text = flat("\n".join(u.text for u in units[i:j]))
    if j < len(units) and units[j].kind == "item":
        return _over_list(units, i, j, text)
    found = lead_in_card(text)
    if not isinstance(found, tuple):
        if found is None:
            return None
        term = split_lead_in(text)
        if term is not None and term[0].casefold() == "question" and term[1]:
            return _question(units, i, term[1], j)
        return None
    return Match((Draft("definition", found[0], found[1], line=unit.line),), j)


def _over_list(units: Sequence[Unit], i: int, j: int, text: str) -> Match | None:
    """A lead-in paragraph over a list: the list's key points, named by the lead-in."""
    unit = units[i]
    found = split_lead_in(text)
    if found is not None:
        front = found[0]
    elif text[:2] in ("**", "__") and text.endswith(text[:2]) and "\n" not in text:
        front = text[2:-2].strip()  # `**Two stages**` alone over its list
    else:
        return None
    if not front or label_word(front) is not None or is_reference_heading(front):
        return None
    if not looks_like_term(front, max_words=8):
        return None
    end = items_end(units, j, None)
    return points(front, units, j, end, unit.line) if end > j else None


def why(units: Sequence[Unit], i: int) -> str | None:
    """Why a paragraph that opens with emphasis made no card."""
    unit = units[i]
    if unit.kind != "text" or unit.text[:1] not in ("*", "_"):
        return None
    found = lead_in_card(flat(unit.text))
    return found if isinstance(found, str) else None
