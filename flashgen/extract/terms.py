"""What reads as a term, and how the separators split a line. Shared by the rules.

Everything here works on one line of markdown source, with plain string checks:
extraction never runs an inline markdown parse.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"^\[[^\]]+\]\([^)\s]+\)$")
_CODE_TERM = re.compile(r"^`[^`]+`$")
_TITLE_WORDS = (
    "lecture",
    "lec",
    "part",
    "chapter",
    "ch",
    "week",
    "unit",
    "module",
    "section",
    "session",
    "lab",
    "homework",
    "hw",
    "assignment",
    "exercise",
    "problem",
    "question",
    "q",
    "example",
    "ex",
    "fig",
    "figure",
    "table",
    "step",
    "slide",
    "page",
    "day",
    "topic",
    "reading",
    "quiz",
    "exam",
    "midterm",
    "final",
    "case study",
    "appendix",
    "tutorial",
    "class",
)
_TITLE = re.compile(
    "^(" + "|".join(_TITLE_WORDS) + r")(?:\.?\s*\d+|\.?\s+[ivx]+|\s+[a-z])\b",
    re.IGNORECASE,
)
_TITLE_FIRST_WORDS = frozenset(word.split()[0] for word in _TITLE_WORDS)
"""How a title in plain lowercase words must start: _TITLE needs one of these, then a space."""
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
_EMPHASIS_OPENERS = ("*", "_")
"""What every emphasis pattern here starts with: other text skips those patterns."""
_BOLD_COLON_INSIDE = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?):\1\s+(?P<d>.*)$")
_BOLD_THEN_COLON = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_ITALIC_THEN_COLON = re.compile(r"^(\*|_)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_PLAIN = re.compile(r"^(?P<t>[^:]+?)\s*:(?:\s+(?P<d>.*)|$)")
_DASH = re.compile(r"^(?P<t>.+?)(?:\s+(?:-{1,2}|–|—)\s+|\s*—\s*)(?P<d>.*)$")
_LINK_TERM = re.compile(
    r"^(?P<b>\*\*|__)?(?P<link>\[[^\]]+\]\([^)\s]+\))(?P=b)?\s*(?:-{1,2}|–|—|:)\s+(?P<d>.*)$"
)
_URL = re.compile(r"^(<)?(https?://|www\.)\S+>?$", re.IGNORECASE)
_URL_FIRST = "<hHwW"
"""How _URL and _URL_START can start (no other letter matches `h` or `w` ignoring case)."""
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
_NORMAL_TERM = re.compile(r"[^\s\[*_`~=:]+(?: [^\s\[*_`~=:]+)*")
"""Text that normalise_term only case-folds: no link, markup or colon, single spaces."""
_PLAIN_WORDS = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_FRAGMENT_CHAR = re.compile(r"[`$<>|\[\]*={}\n]")
"""Markup or a line break: a term with one is a fragment of something bigger."""
_LETTER = re.compile(r"[^\W\d_]")
_QA_START = re.compile(r"^(\*\*)?[QA]:")
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”", "]")
_SENTENCE_END = re.compile(r"[.!?:;][\"”’')\]]*$")


def strip_emphasis(text: str) -> str:
    """`**Term**` → `Term`; anything else unchanged."""
    t = text.strip()
    if t[:1] not in _EMPHASIS_OPENERS:
        return t  # the common case, without running the pattern
    m = _EMPHASIS.match(t)
    if m is None:
        return t
    return (m.group(2) or m.group(4) or "").strip()


def normalise_term(text: str) -> str:
    """The form of a term used for identity: no markdown, case-folded, single spaces."""
    if _NORMAL_TERM.fullmatch(text) is not None:
        return text.casefold()  # nothing to remove or join: most terms
    t = _LINK_ANYWHERE.sub(r"\1", text) if "[" in text else text
    t = _MARKUP.sub("", t)
    # `split` and `\s` agree on what whitespace is: this is `_SPACES.sub(" ", t).strip()`.
    t = " ".join(t.split()).strip(":").strip()
    return t.casefold()


def is_url(text: str) -> bool:
    t = text.strip()
    return t[:1] in _URL_FIRST and _URL.match(t) is not None


def starts_with_url(text: str) -> bool:
    return _URL_START.match(text.strip()) is not None


def is_label(text: str) -> bool:
    """`Example`, `Note`, `Fig. 1`, `Question 6 (5 points)`, `Lecture 5`: never a term."""
    t = strip_emphasis(text).rstrip(":").strip().rstrip(".").casefold()
    if ")" in t:
        t = _TRAILING_PARENS.sub("", t)
    return t in _LABELS or _TITLE.match(t) is not None


def is_title(text: str) -> bool:
    """`Lecture 5: Tools and Infrastructure`, `Week 9 - Monetary policy`, `Part 2`: a section
    name, not a term."""
    plain = strip_emphasis(text)
    if _TITLE.match(plain) is None:
        return False  # the part before a separator starts the line, so this decides most lines
    head = _TITLE_SEPARATOR.split(plain, maxsplit=1)[0].strip()
    m = _TITLE.match(head)
    return m is not None and (m.end() == len(head) or head[m.end() :].lstrip()[:1] == "(")


def _words(text: str) -> list[str]:
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
        if words[0] in _TITLE_FIRST_WORDS and _TITLE.match(folded) is not None:
            return False
        return folded not in _LABELS
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
    if not _has_letter(plain):
        return False
    if _reads_as_clause(words):
        return False
    return not is_label(plain)


def _reads_as_clause(words: list[str]) -> bool:
    """`Issues with`, `Attention matters a lot here`: words that make a clause, not a term."""
    return len(words) > 1 and (
        words[-1] in _FUNCTION_WORDS or words[0] == "i" or not _CLAUSE_WORDS.isdisjoint(words)
    )


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


def _has_letter(text: str) -> bool:
    """Whether `_LETTER` is found in the text; most text starts with a letter, which is one."""
    return text[:1].isalpha() or _LETTER.search(text) is not None


def _usable_definition(definition: str) -> bool:
    d = definition.strip()
    if not d:
        return False
    # The first-character tests only skip patterns that cannot match (`<`/`http`/`www`;
    # a digit), for the many definitions that start with a plain word.
    if d[0] in _URL_FIRST and starts_with_url(d):
        return False
    if d[0].isdecimal() and _TIME_START.match(d):
        return False
    if d.startswith("//"):
        return False  # `https://…` split at its colon
    return _has_letter(d)


def _split_plain(t: str) -> tuple[str, str]:
    """`_PLAIN.match(t)`'s term and definition, stripped, for stripped text with a colon;
    ("", "") where it does not match.

    The pattern splits at the first colon ([^:] cannot pass one), which a space or the end
    of the line must follow; the definition runs to the end of its line (`.` stops at a line
    break). Said with string methods, which is several times faster than the pattern, and
    splits `https://…` lines no sooner. (`\\s` and `str.strip` agree on what is space.)
    """
    colon = t.find(":")
    rest = t[colon + 1 :]
    if colon <= 0 or (rest and not rest[0].isspace()):
        return "", ""
    return t[:colon].strip(), rest.lstrip().partition("\n")[0].strip()


def split_definition(text: str) -> tuple[str, str] | None:
    """`Term: definition` in its markdown spellings → (term, definition), or None."""
    if ":" not in text:
        return None  # every spelling has a colon
    t = text.strip()
    m = None
    if t[:1] in _EMPHASIS_OPENERS:
        m = _BOLD_COLON_INSIDE.match(t) or _BOLD_THEN_COLON.match(t) or _ITALIC_THEN_COLON.match(t)
    if m is None:
        term, definition = _split_plain(t)
        if not term:
            return None
        if ("*" in term or "_" in term or "`" in term) and (
            term.count("**") % 2 or term.count("__") % 2 or term.count("`") % 2
        ):
            return None  # half of a `**`, `__` or code span
    else:
        term = m.group("t").strip()
        definition = (m.group("d") or "").strip()
    if not looks_like_term(term) or not _usable_definition(definition):
        return None
    if "definition" in term.casefold() and _words(term)[-1:] in (["definition"], ["definitions"]):
        return None  # `Formal definition:` qualifies a definition; `X definition:` is sentence.py's
    if definition.endswith(":"):
        return None  # a lead-in such as `Two main classes: analytic and operational:`
    return strip_emphasis(term), definition


def split_dash(text: str) -> tuple[str, str] | None:
    """`Term - definition` (hyphen, en or em dash) where the left side reads as a term."""
    if "-" not in text and "–" not in text and "—" not in text:
        return None  # no dash: skip the pattern, which tries every position
    m = _DASH.match(text.strip())
    if m is None:
        return None
    term, definition = m.group("t").strip(), m.group("d").strip()
    if not reads_as_term(term) or not _usable_definition(definition):
        return None
    return strip_emphasis(term), definition


def split_link(text: str) -> tuple[str, str] | None:
    """`[Tool](url) - description` or `**[Tool](url)**: description` → (link, description)."""
    if "[" not in text:
        return None
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
