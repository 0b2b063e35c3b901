"""Lines that are never terms: labels (`Note`, `Example`), titles (`Lecture 5`, `Week 9 -
Monetary policy`), URLs and times.

Plain string checks on one line of markdown source.
"""

from __future__ import annotations

import re

from flashgen.extract.markup import strip_emphasis

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
TITLE = re.compile(
    "^(" + "|".join(_TITLE_WORDS) + r")(?:\.?\s*\d+|\.?\s+[ivx]+|\s+[a-z])\b",
    re.IGNORECASE,
)
TITLE_FIRST_WORDS = frozenset(word.split()[0] for word in _TITLE_WORDS)
"""How a title in plain lowercase words must start: TITLE needs one of these, then a space."""
LABELS = {
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
    # case-brief labels (law notes)
    "facts",
    "issue",
    "holding",
    "rule",
    "reasoning",
    "procedural history",
    "disposition",
    "cites",
    # glossary and class-note metadata
    "compare",
    "usage",
    "related terms",
    "last updated",
    "in practice",
    "big picture",
    "mnemonic",
    "common misconception",
    "measured in",
    "not to be confused with",
    "tutor hours",
    "textbook",
    "practice",
    "format",
    "ex",
    # textbook box labels
    "key equation",
    "safety note",
    "check your understanding",
}
_URL = re.compile(r"^(<)?(https?://|www\.)\S+>?$", re.IGNORECASE)
URL_FIRST = "<hHwW"
"""How _URL and _URL_START can start (no other letter matches `h` or `w` ignoring case)."""
_URL_START = re.compile(r"^<?(https?://|www\.)", re.IGNORECASE)
TIME_START = re.compile(r"^\d{1,2}(:\d{2}|\s*[ap]\.?m\b)", re.IGNORECASE)
"""A time of day (`9:30`, `10 am`) starting a text: a schedule, not a definition."""
_TITLE_SEPARATOR = re.compile(r":\s|:$|\s+[-–—]\s+")
_TRAILING_PARENS = re.compile(r"\s*\([^)]*\)$")


def is_url(text: str) -> bool:
    t = text.strip()
    return t[:1] in URL_FIRST and _URL.match(t) is not None


def starts_with_url(text: str) -> bool:
    return _URL_START.match(text.strip()) is not None


def is_label(text: str) -> bool:
    """`Example`, `Note`, `Fig. 1`, `Question 6 (5 points)`, `Lecture 5`: never a term."""
    t = strip_emphasis(text).rstrip(":").strip().rstrip(".").casefold()
    if ")" in t:
        t = _TRAILING_PARENS.sub("", t)
    return t in LABELS or TITLE.match(t) is not None


def is_title(text: str) -> bool:
    """`Lecture 5: Tools and Infrastructure`, `Week 9 - Monetary policy`, `Part 2`: a section
    name, not a term."""
    plain = strip_emphasis(text)
    if TITLE.match(plain) is None:
        return False  # the part before a separator starts the line, so this decides most lines
    head = _TITLE_SEPARATOR.split(plain, maxsplit=1)[0].strip()
    m = TITLE.match(head)
    return m is not None and (m.end() == len(head) or head[m.end() :].lstrip()[:1] == "(")
