"""What a term looks like: short, not a sentence or a clause, no markup that makes it a
fragment, and not a label or title (`not_terms`). Shared by the rules.

Plain string checks on one line of markdown source: extraction never runs an inline
markdown parse.
"""

from __future__ import annotations

import re

from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import LABELS, TITLE, TITLE_FIRST_WORDS, is_label, is_url

_LINK = re.compile(r"^\[[^\]]+\]\([^)\s]+\)$")
_CODE_TERM = re.compile(r"^`[^`]+`$")
FUNCTION_WORDS = {
    "a",
    "an",
    "the",
    "of",
    "to",
    "and",
    "or",
    "in",
    "on",
    "for",
    "with",
    "by",
    "at",
    "from",
    "as",
    "that",
    "which",
    "is",
    "are",
    "was",
    "were",
    "be",
    "its",
    "their",
    "this",
    "these",
    "than",
    "but",
    "into",
    "about",
    "between",
    "like",
    "such",
}
"""Function words: a term does not end with one; a line cut after one goes on below."""
_SENTENCE_WORDS = {
    # Determiners and pronouns that start a sentence rather than a term.
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "most",
    "some",
    "many",
    "all",
    "each",
    "every",
    "our",
    "my",
    "his",
    "her",
    "their",
    "we",
    "i",
    "you",
    "they",
    "he",
    "she",
    "it",
    "there",
    "here",
    "then",
    "so",
    "if",
    "when",
    "but",
    "and",
}
_VERBS = {
    # Auxiliary and common verbs: a left side containing one reads as a clause, not a term.
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "am",
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
    "went",
    "got",
    "gets",
    "get",
    "ran",
    "made",
    "makes",
    "said",
    "says",
    "took",
    "takes",
    "gave",
    "gives",
    "came",
    "comes",
    "need",
    "needs",
    "let",
    "lets",
}
_CLAUSE_WORDS = {
    # Auxiliaries, subject pronouns and adverbs: a left side with one is a clause, not a term.
    "is",
    "are",
    "was",
    "were",
    "am",
    "has",
    "have",
    "had",
    "does",
    "did",
    "will",
    "would",
    "can",
    "could",
    "should",
    "might",
    "must",
    "we",
    "you",
    "they",
    "he",
    "she",
    "here",
    "there",
    "now",
    "today",
    "yesterday",
    "tomorrow",
    "also",
    "really",
    "always",
    "never",
}
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_INNER_STOP = re.compile(r"[.!?;]\s")
_PLAIN_WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_FRAGMENT_CHAR = re.compile(r"[`$<>|\[\]*={}\n]")
"""Markup or a line break: a term with one is a fragment of something bigger."""
_LETTER = re.compile(r"[^\W\d_]")
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”", "]")


def term_words(text: str) -> list[str]:
    """The words of a text, case-folded, without the punctuation between them."""
    return _WORD.findall(text.casefold())


def looks_like_term(term: str, max_words: int = 7) -> bool:
    """Short, not a sentence, no markup that would make it a fragment."""
    t = term.strip()
    if not t or len(t) > 80:
        return False
    if _PLAIN_WORDS.fullmatch(t) is not None:
        # Plain ASCII words with single spaces, as most terms are: none of the markup,
        # punctuation, clock or letter tests below can fail, the words are the parts
        # between the spaces, and is_label has nothing to strip. The same answer, sooner.
        folded = t.lower()
        words = folded.split(" ")
        if "http" in folded or len(words) > max_words or _reads_as_clause(words):
            return False
        if words[0] in TITLE_FIRST_WORDS and TITLE.match(folded) is not None:
            return False
        return folded not in LABELS
    if t[0] in "[`" and (_LINK.match(t) or _CODE_TERM.match(t)):
        return True
    plain = strip_emphasis(t)
    if _FRAGMENT_CHAR.search(plain) is not None:
        return False
    folded = plain.casefold()
    if "http" in folded or "www." in folded:
        return False
    if plain.endswith((".", ",", ";", "!", "?", "-")) or _INNER_STOP.search(plain):
        return False
    if ":" in plain and _CLOCK.search(plain):
        return False
    words = _WORD.findall(folded)
    if not words or len(plain.split()) > max_words:
        return False
    if not has_letter(plain):
        return False
    if _reads_as_clause(words):
        return False
    return not is_label(plain)


def _reads_as_clause(words: list[str]) -> bool:
    """`Issues with`, `Attention matters a lot here`: words that make a clause, not a term."""
    return len(words) > 1 and (
        words[-1] in FUNCTION_WORDS or words[0] == "i" or not _CLAUSE_WORDS.isdisjoint(words)
    )


def reads_as_term(term: str, max_words: int = 5) -> bool:
    """Stricter than looks_like_term, for separators (dashes) that also occur mid-sentence."""
    t = term.strip()
    if _LINK.match(t) or _CODE_TERM.match(t):
        return True
    if not looks_like_term(t, max_words):
        return False
    words = term_words(strip_emphasis(t))
    if words and words[0] in _SENTENCE_WORDS and len(words) > 1:
        return False
    return not any(w in _VERBS or w in _CLAUSE_WORDS for w in words)


def has_letter(text: str) -> bool:
    """Whether `_LETTER` is found in the text; most text starts with a letter, which is one."""
    return text[:1].isalpha() or _LETTER.search(text) is not None


def is_heading_like(text: str) -> bool:
    """A short line standing in for a heading in loose notes (`Roles`, `MLOps`)."""
    t = text.strip()
    if not t or t.endswith(_TERMINAL) or ":" in t or is_url(t) or t.startswith(("!", "[", ">")):
        return False
    return looks_like_term(t, max_words=6)
