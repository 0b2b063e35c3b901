"""What reads as a term, and how the separators split a line. Shared by the rules.

Everything here works on one line of markdown source, with plain string checks:
extraction never runs an inline markdown parse.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"^\[[^\]]+\]\([^)\s]+\)$")
_CODE_TERM = re.compile(r"^`[^`]+`$")
_TITLE = re.compile(
    r"^(lecture|lec|part|chapter|ch|week|unit|module|section|session|lab|homework|hw|assignment|"
    r"exercise|problem|question|q|example|ex|fig|figure|table|step|slide|page|day|topic|reading|"
    r"quiz|exam|midterm|final|case study|appendix|tutorial|class)"
    r"(?:\.?\s*\d+|\.?\s+[ivx]+|\s+[a-z])\b",
    re.IGNORECASE,
)
_LABELS = {
    "example",
    "examples",
    "e.g",
    "eg",
    "note",
    "notes",
    "nb",
    "n.b",
    "see",
    "see also",
    "source",
    "sources",
    "ref",
    "refs",
    "reference",
    "references",
    "link",
    "links",
    "url",
    "todo",
    "tip",
    "warning",
    "important",
    "q",
    "a",
    "answer",
    "question",
    "summary",
    "overview",
    "agenda",
    "date",
    "time",
    "where",
    "when",
    "who",
    "why",
    "how",
    "what",
    "i.e",
    "ie",
    "hint",
    "reading",
    "readings",
    "homework",
    "update",
    "edit",
    "tldr",
    "tl;dr",
    "aside",
    "remember",
    "also",
    "solution",
    "proof",
    "announcement",
    "announcements",
    "reminder",
    "reminders",
    "to do",
    "due",
    "deadline",
    "deadlines",
    "logistics",
    "housekeeping",
    "fyi",
    "ps",
    "p.s",
    "office hours",
    "instructor",
    "professor",
    "prof",
    "room",
    "location",
    "exam",
    "quiz",
    "midterm",
    "assignments",
    "goal",
    "goals",
    "takeaway",
    "takeaways",
    "key takeaways",
    "conclusion",
    "idea",
    "main idea",
    "context",
    "background",
    "observation",
    "caution",
    "caveat",
    "today",
    "tonight",
    "tomorrow",
    "next week",
    "next time",
    "last time",
}
_FUNCTION_WORDS = {
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
_EMPHASIS = re.compile(r"^(\*\*|__)(.+?)\1$|^(\*|_)([^*_]+?)\3$")
_BOLD_COLON_INSIDE = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?):\1\s+(?P<d>.*)$")
_BOLD_THEN_COLON = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_ITALIC_THEN_COLON = re.compile(r"^(\*|_)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_PLAIN = re.compile(r"^(?P<t>[^:]+?)\s*:(?:\s+(?P<d>.*)|$)")
_DASH = re.compile(r"^(?P<t>.+?)(?:\s+(?:-{1,2}|–|—)\s+|\s*—\s*)(?P<d>.*)$")
_LINK_TERM = re.compile(
    r"^(?P<b>\*\*|__)?(?P<link>\[[^\]]+\]\([^)\s]+\))(?P=b)?\s*(?:-{1,2}|–|—|:)\s+(?P<d>.*)$"
)
_URL = re.compile(r"^(<)?(https?://|www\.)\S+>?$", re.IGNORECASE)
_URL_START = re.compile(r"^<?(https?://|www\.)", re.IGNORECASE)
_TIME_START = re.compile(r"^\d{1,2}(:\d{2}|\s*[ap]\.?m\b)", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_TITLE_SEPARATOR = re.compile(r":\s|:$|\s+[-–—]\s+")
_LINK_ANYWHERE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`~=]+")
_SPACES = re.compile(r"\s+")
_TRAILING_PARENS = re.compile(r"\s*\([^)]*\)$")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_INNER_STOP = re.compile(r"[.!?;]\s")
_LETTER = re.compile(r"[^\W\d_]")
_QA_START = re.compile(r"^(\*\*)?[QA]:")
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”", "]")
_SENTENCE_END = re.compile(r"[.!?:;][\"”’')\]]*$")


def strip_emphasis(text: str) -> str:
    """`**Term**` → `Term`; anything else unchanged."""
    m = _EMPHASIS.match(text.strip())
    if m is None:
        return text.strip()
    return (m.group(2) or m.group(4) or "").strip()


def normalise_term(text: str) -> str:
    """The form of a term used for identity: no markdown, case-folded, single spaces."""
    t = _LINK_ANYWHERE.sub(r"\1", text)
    t = _MARKUP.sub("", t)
    t = _SPACES.sub(" ", t).strip().strip(":").strip()
    return t.casefold()


def is_url(text: str) -> bool:
    return _URL.match(text.strip()) is not None


def starts_with_url(text: str) -> bool:
    return _URL_START.match(text.strip()) is not None


def is_label(text: str) -> bool:
    """`Example`, `Note`, `Fig. 1`, `Question 6 (5 points)`, `Lecture 5`: never a term."""
    t = strip_emphasis(text).strip().rstrip(":").strip().rstrip(".").casefold()
    t = _TRAILING_PARENS.sub("", t)
    return t in _LABELS or _TITLE.match(t) is not None


def is_title(text: str) -> bool:
    """`Lecture 5: Tools and Infrastructure`, `Week 9 - Monetary policy`, `Part 2`: a section
    name, not a term."""
    head = _TITLE_SEPARATOR.split(strip_emphasis(text.strip()), maxsplit=1)[0].strip()
    m = _TITLE.match(head)
    return m is not None and (m.end() == len(head) or head[m.end() :].lstrip()[:1] == "(")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def looks_like_term(term: str, max_words: int = 7) -> bool:
    """Short, not a sentence, no markup that would make it a fragment."""
    t = term.strip()
    if not t or len(t) > 80:
        return False
    if _LINK.match(t) or _CODE_TERM.match(t):
        return True
    plain = strip_emphasis(t)
    if any(ch in plain for ch in ("`", "$", "<", ">", "|", "[", "]", "*", "=", "{", "}", "\n")):
        return False
    if "http" in plain.casefold() or "www." in plain.casefold():
        return False
    if _INNER_STOP.search(plain) or plain.endswith((".", ",", ";", "!", "?", "-")):
        return False
    if _CLOCK.search(plain):
        return False
    words = _words(plain)
    if not words or len(plain.split()) > max_words:
        return False
    if _LETTER.search(plain) is None:
        return False
    if len(words) > 1 and (
        words[-1] in _FUNCTION_WORDS or words[0] == "i" or _CLAUSE_WORDS.intersection(words)
    ):
        return False  # `Issues with`, `Attention matters a lot here`: not a term
    return not is_label(plain)


def reads_as_term(term: str, max_words: int = 5) -> bool:
    """Stricter than looks_like_term, for separators (dashes) that also occur mid-sentence."""
    t = term.strip()
    if _LINK.match(t) or _CODE_TERM.match(t):
        return True
    if not looks_like_term(t, max_words):
        return False
    words = _words(strip_emphasis(t))
    if words and words[0] in _SENTENCE_WORDS and len(words) > 1:
        return False
    return not any(w in _VERBS or w in _CLAUSE_WORDS for w in words)


def _usable_definition(definition: str) -> bool:
    d = definition.strip()
    if not d:
        return False
    if starts_with_url(d) or _TIME_START.match(d):
        return False
    if d.startswith("//"):
        return False  # `https://…` split at its colon
    return _LETTER.search(d) is not None


def split_definition(text: str) -> tuple[str, str] | None:
    """`Term: definition` in its markdown spellings → (term, definition), or None."""
    t = text.strip()
    m = _BOLD_COLON_INSIDE.match(t) or _BOLD_THEN_COLON.match(t) or _ITALIC_THEN_COLON.match(t)
    if m is None:
        m = _PLAIN.match(t)
        if m is None:
            return None
        term = m.group("t").strip()
        if term.count("**") % 2 or term.count("__") % 2 or term.count("`") % 2:
            return None
    else:
        term = m.group("t").strip()
    definition = (m.group("d") or "").strip()
    if not looks_like_term(term) or not _usable_definition(definition):
        return None
    if _words(term)[-1:] in (["definition"], ["definitions"]):
        return None  # `Formal definition:` qualifies a definition; `X definition:` is sentence.py's
    if definition.endswith(":"):
        return None  # a lead-in such as `Two main classes: analytic and operational:`
    return strip_emphasis(term), definition


def split_dash(text: str) -> tuple[str, str] | None:
    """`Term - definition` (hyphen, en or em dash) where the left side reads as a term."""
    m = _DASH.match(text.strip())
    if m is None:
        return None
    term, definition = m.group("t").strip(), m.group("d").strip()
    if not reads_as_term(term) or not _usable_definition(definition):
        return None
    return strip_emphasis(term), definition


def split_link(text: str) -> tuple[str, str] | None:
    """`[Tool](url) - description` or `**[Tool](url)**: description` → (link, description)."""
    m = _LINK_TERM.match(text.strip())
    if m is None or not _usable_definition(m.group("d")):
        return None
    return m.group("link"), m.group("d").strip()


def split_any(text: str) -> tuple[str, str] | None:
    """The first of the implicit `term → definition` spellings that fits one line."""
    return split_link(text) or split_definition(text) or split_dash(text)


def is_heading_like(text: str) -> bool:
    """A short line standing in for a heading in loose notes (`Roles`, `MLOps`)."""
    t = text.strip()
    if not t or t.endswith(_TERMINAL) or ":" in t or is_url(t) or t.startswith(("!", "[", ">")):
        return False
    return looks_like_term(t, max_words=6)


def continues(prev: str, line: str) -> bool:
    """Whether `line` is the hard-wrapped rest of the sentence on `prev` in one paragraph.

    Loose notes put one fact per line, so only a lowercase start after an unfinished
    line of some length, or a line cut after a word like `the` or `of`, counts.
    """
    a, b = prev.rstrip(), line.lstrip()
    if len(a) < 30 or not b or _SENTENCE_END.search(a):
        return False
    if _QA_START.match(b):
        return False
    last = a.rsplit(None, 1)[-1].casefold()
    start = b.lstrip("=*_`[(\"'“\u2018")[:1]
    return start.islower() or last in _FUNCTION_WORDS
