"""What reads as a term, and how a `Term: definition` line splits. Shared by the rules."""

from __future__ import annotations

import re

_LINK = re.compile(r"^\[[^\]]+\]\([^)\s]+\)$")
_TITLE = re.compile(
    r"^(lecture|lec|part|chapter|ch|week|unit|module|section|session|lab|homework|hw|assignment|"
    r"exercise|problem|question|q|example|ex|fig|figure|table|step|slide|page|day|topic|reading|"
    r"quiz|exam|midterm|final|case study)\.?\s*[\dIVXivx]+\b",
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
    "recall",
    "also",
}
_TIME = re.compile(r"\d{1,2}\s*$")
_EMPHASIS = re.compile(r"^(\*\*|__)(.+?)\1$|^(\*|_)([^*_]+?)\3$")
_BOLD_COLON_INSIDE = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?):\1\s+(?P<d>.*)$")
_BOLD_THEN_COLON = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_ITALIC_THEN_COLON = re.compile(r"^(\*|_)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_PLAIN = re.compile(r"^(?P<t>[^:]+?)\s*:(?:\s+(?P<d>.*)|$)")
_URL = re.compile(r"^(<)?(https?://|www\.)\S+>?$", re.IGNORECASE)
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”", "]")


def strip_emphasis(text: str) -> str:
    """`**Term**` → `Term`; anything else unchanged."""
    m = _EMPHASIS.match(text.strip())
    if m is None:
        return text.strip()
    return (m.group(2) or m.group(4) or "").strip()


def normalise_term(text: str) -> str:
    """The form of a term used for identity: no markdown, case-folded, single spaces."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    t = re.sub(r"[*_`~=]+", "", t)
    t = re.sub(r"\s+", " ", t).strip().strip(":").strip()
    return t.casefold()


def is_url(text: str) -> bool:
    return _URL.match(text.strip()) is not None


def is_label(text: str) -> bool:
    """`Example`, `Note`, `Fig. 1`, `Question 6 (5 points)`, `Lecture 5`: never a term."""
    t = strip_emphasis(text).strip().rstrip(":").strip().rstrip(".").casefold()
    t = re.sub(r"\s*\([^)]*\)$", "", t)
    return t in _LABELS or _TITLE.match(t) is not None


def looks_like_term(term: str, max_words: int = 7) -> bool:
    """Short, not a sentence, no markup that would make it a fragment."""
    t = term.strip()
    if not t or len(t) > 80:
        return False
    if _LINK.match(t):
        return True
    plain = strip_emphasis(t)
    if any(ch in plain for ch in ("`", "$", "<", ">", "|", "[", "]", "*", "=", "{", "}")):
        return False
    if "http" in plain.casefold() or "www." in plain.casefold():
        return False
    if re.search(r"[.!?;]\s", plain) or plain.endswith((".", ",", ";", "!", "?")):
        return False
    if (
        _TIME.search(plain)
        and re.search(r"\d\s*$", plain)
        and re.fullmatch(r"[\d\s:apmAPM.-]+", plain)
    ):
        return False
    if len(plain.split()) > max_words:
        return False
    if not re.search(r"[^\W\d_]", plain):
        return False
    return not is_label(plain)


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
    if not definition or not looks_like_term(term):
        return None
    if definition.endswith(":") or is_url(definition):
        return None
    if re.match(r"^//", definition) or (
        re.match(r"^\d", definition) and re.match(r"^\d+\b", term[-2:])
    ):
        return None
    return term, definition


def is_heading_like(text: str) -> bool:
    """A short line standing in for a heading in loose notes (`Roles`, `MLOps`)."""
    t = text.strip()
    if not t or t.endswith(_TERMINAL) or ":" in t or is_url(t) or t.startswith(("!", "[", ">")):
        return False
    return looks_like_term(t, max_words=6)


def ends_sentence(text: str) -> bool:
    """Whether a line ends where a sentence could end (so the next line starts fresh)."""
    t = text.rstrip()
    return t.endswith(_TERMINAL) or len(t) < 60
