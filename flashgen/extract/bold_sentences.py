"""A bold or italic term inside its defining sentence (textbooks, class notes):
`A **graph** consists of …`, `**Bipartite graphs** are graphs whose …`, `The **degree**
of a vertex is …`, `Two vertices are **adjacent** if …`, `… is called a *tree*.`

Front: the term without its emphasis. Back: the whole sentence as written (the line with
its hard-wrapped continuation), the term still emphasised, so the card shows the term in
its definition. A sentence that defines two terms (`A **walk** is …; a **path** is …`)
gives two cards with the same back.

Not a definition: emphasis for stress (`we do **not** allow loops`, `**most** nets use
…`), a function word, a term that does not read as one, or a span not at the start of a
clause and not after `is called`/`known as`, or one where no defining verb follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat, logical_line
from flashgen.extract.labels import label_word
from flashgen.extract.outline import Unit
from flashgen.extract.terms import FUNCTION_WORDS, looks_like_term

_SPAN = re.compile(r"(\*\*|__|\*|_)([^*_\n]+?)\1")
"""An emphasised span; a single `_` inside a word (`snake_case`) is checked apart, as a
look-behind here would make the pattern several times slower."""
_DEF_VERB = (
    r"is|are|was|were|consists?|means?|refers?\s+to|denotes?|describes?|represents?"
    r"|stands?\s+for|includes?|occurs?|has|have"
)
_AFTER = re.compile(
    r"^(?:\s*(?:\([^()]*\)|\$[^$]+\$))?"  # `(1793–94)`, `$G = (V, E)$`
    r"(?:\s+(?:of|in|for|on|between|from)\s+[^.;:*_]{1,60}?)?"  # `of a vertex`
    rf"(?:\s+(?P<noun>(?!(?:{_DEF_VERB})\b)[a-z]+))?"  # `allele` in `A **dominant** allele is`
    rf"\s+(?:can\s+|may\s+|must\s+)?(?P<verb>{_DEF_VERB}|[a-z]{{3,}}s)\b"
)
_AFTER_DEFINING = re.compile(
    r"^(?:\s*(?:\([^()]*\)|\$[^$]+\$))?"
    r"(?:\s+(?:of|in|for|on|between|from)\s+[^.;:*_]{1,60}?)?"
    rf"(?:\s+(?P<noun>(?!(?:{_DEF_VERB})\b)[a-z]+))?"
    rf"\s+(?:(?:can\s+|may\s+|must\s+)?(?:{_DEF_VERB})|(?:can|cannot|may|must)\s+[a-z]{{3,}})\b"
)
"""_AFTER with a defining verb only: tried first, so `The **span** of a set of vectors is`
finds `is` rather than stopping at `vectors`."""
_CONDITION_AFTER = re.compile(
    r"^(?:\s+(?:of|in|on|for|to|with)\s+[^.;:*_]{1,40}?)?\s+(?:if|when|whenever|iff)\b"
)
_PARALLEL_BEFORE = re.compile(r"[,;]\s+(?:and|or|but|while|whereas)\s+(?:(?:a|an|the)\s+)?$")
"""`…, and **endothermic** when …` after an `is **exothermic** when …` in the sentence."""
"""Words emphasised for stress, never as terms."""
_NAMED_AFTER = re.compile(r"^\s*(?:[.;,]|$)")
"""`The part we study is the *system*;`: the term named at the end of its clause."""
_LABEL_LEAD = re.compile(r"^(?:\*\*|__)(?P<label>[^*_\n]+?)[.:]?(?:\*\*|__)[.:]?\s+")
"""A label lead-in (`**Definition 6.1.** `) before the sentence: not part of the back."""
_SENTENCE_START = re.compile(r"(?:^|[.;]\s+|\*\*\s+)(?:(?:a|an|the)\s+)?$", re.IGNORECASE)
"""Where a term must stand for any verb (`**Vaccination** exposes …`) to define it."""
STRESS_WORDS = frozenset(
    (
        "not",
        "never",
        "no",
        "only",
        "very",
        "really",
        "most",
        "many",
        "all",
        "some",
        "always",
        "much",
        "more",
        "less",
        "least",
        "every",
        "each",
        "both",
        "any",
        "must",
        "before",
        "after",
        "first",
        "last",
        "same",
        "different",
        "exactly",
        "also",
        "important",
        "key",
        "huge",
        "big",
        "small",
        "can",
        "cannot",
        "should",
        "will",
    )
)
"""Words emphasised for stress, never as terms."""
_NOT_VERBS = frozenset(
    ("is", "has", "was", "this", "thus", "as", "its", "us", "always", "sometimes")
)


_ARTICLES = frozenset(("a", "an", "the", "any", "two", "every", "each"))
_CONJUNCTIONS = frozenset(("while", "whereas", "and", "but", "or"))
_NAMING = frozenset(("called", "termed", "named", "denoted"))
_STATE = frozenset(("is", "are", "be"))
_COPULA = frozenset(("is", "are", "was", "were"))


def _word_before(text: str, end: int) -> tuple[str, int]:
    """The word that ends at `end` (spaces before `end` skipped), case-folded, and where it
    starts; "" at the start of the text or right after punctuation (a clause starts)."""
    k = end
    while k > 0 and text[k - 1] == " ":
        k -= 1
    if k == 0 or text[k - 1] in ".;:,*)":
        return "", k
    s = text.rfind(" ", 0, k) + 1
    return text[s:k].casefold(), s


def _defines(text: str, start: int, end: int, word: str, at: int) -> bool:
    """Whether the span text[start:end], after the word `word` (at index `at`), is defined:
    the cheap tests on the words before it first, the patterns after it only then."""
    after = text[end : end + 160]
    prev = _word_before(text, at)[0] if word else ""
    if word in _NAMING or (word == "as" and prev == "known"):
        return True
    if word in _ARTICLES and prev in _NAMING:
        return True
    if (word in _STATE or (word in ("a", "an") and prev in _STATE)) and _CONDITION_AFTER.match(
        after
    ):
        return True
    if word in ("the", "a", "an") and prev in _COPULA and _NAMED_AFTER.match(after):
        return True
    conj = word if word in _CONJUNCTIONS else prev if word in _ARTICLES else ""
    if conj and _CONDITION_AFTER.match(after):
        before = text[max(0, start - 120) : start]
        if _PARALLEL_BEFORE.search(before) is not None:
            return " is **" in before or " are **" in before or " is *" in before
    clause = (
        word == ""
        or word in _CONJUNCTIONS
        or (word in _ARTICLES and (prev == "" or prev in _CONJUNCTIONS))
    )
    if not clause:
        return False
    if _AFTER_DEFINING.match(after) is not None:
        return True
    m = _AFTER.match(after)
    if m is None:
        return False
    verb = m.group("verb")
    if verb.endswith("s") and " " not in verb and re.fullmatch(_DEF_VERB, verb) is None:
        return (
            verb not in _NOT_VERBS
            and not verb.endswith("ss")
            and m.group("noun") is None
            and _SENTENCE_START.search(text[max(0, start - 40) : start]) is not None
        )
    return True


_CONTEXT_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "any",
        "two",
        "every",
        "each",
        "while",
        "whereas",
        "and",
        "but",
        "is",
        "are",
        "be",
        "called",
        "termed",
        "as",
        "named",
        "denoted",
        "or",
    )
)
"""The word right before a defined term is one of these, or punctuation, or none: a quick
test that spares the patterns below most emphasis (which is mostly stress)."""


def _may_define(before: str) -> bool:
    b = before.rstrip()
    if not b or b[-1] in ".;:,*":
        return True
    return b[b.rfind(" ") + 1 :].casefold() in _CONTEXT_WORDS


def defined_terms(text: str) -> list[str] | str:
    """The emphasised terms that a sentence defines; or why none (a str), or [] if no span."""
    terms: list[str] = []
    reason = ""
    fails = 0
    for m in _SPAN.finditer(text):
        start = m.start()
        if start > 1 and text[start - 1] == " " and text[start - 2] not in ".;:,*) ":
            at = text.rfind(" ", 0, start - 1) + 1
            word = text[at : start - 1].casefold()
            if word not in _CONTEXT_WORDS:
                fails += 1  # the word before is none that can precede a defined term
                continue
        else:
            word, at = _word_before(text, start)
        end = m.end()
        term = m.group(2).strip()
        if not term or term.endswith((".", ":")):
            continue  # a lead-in or a label, not a term in its sentence
        if m.group(1) == "_" and (
            (start and text[start - 1].isalnum()) or text[end : end + 1].isalnum()
        ):
            continue  # `snake_case_name`
        folded = term.casefold()
        if folded in FUNCTION_WORDS or folded in STRESS_WORDS:
            reason = f"emphasis on '{term}' is stress, not a term"
            continue
        if not _defines(text, start, end, word, at):
            reason = f"emphasis on '{term}' mid-sentence, not a definition"
            continue
        if not looks_like_term(term, 6):
            reason = f"emphasis on '{term}' is stress, not a term"
            continue
        terms.append(term)
    if fails and not reason:
        reason = "emphasis mid-sentence, not a definition"
    return terms if terms or not reason else reason


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.cont:
        return None
    if i + 1 < len(units) and units[i + 1].cont:
        text, j = logical_line(units, i)
    else:
        text, j = (unit.text if "\n" not in unit.text else flat(unit.text)), i + 1
    terms = defined_terms(text)
    if not terms or isinstance(terms, str):
        return None
    lead = _LABEL_LEAD.match(text) if text[:2] in ("**", "__") else None
    if lead is not None and label_word(lead.group("label")) is not None:
        text = text[lead.end() :]  # `**Definition 6.1.** A *group* is …`: the sentence only
    return Match(tuple(Draft("definition", t, text, line=unit.line) for t in terms), j)


def why(units: Sequence[Unit], i: int) -> str | None:
    unit = units[i]
    if unit.kind not in ("text", "item") or unit.cont:
        return None
    text, _ = logical_line(units, i)
    found = defined_terms(text)
    return found if isinstance(found, str) else None
