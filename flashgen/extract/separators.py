"""How a separator splits one line into a term and its definition: `Term: definition`
(and its bold and italic spellings), `Term - definition`, `[Tool](url) - description`.

Plain string checks on one line of markdown source.
"""

from __future__ import annotations

import re

from flashgen.extract.markup import EMPHASIS_OPENERS, strip_emphasis
from flashgen.extract.not_terms import TIME_START, URL_FIRST, starts_with_url
from flashgen.extract.references import is_links_only
from flashgen.extract.terms import has_letter, looks_like_term, reads_as_term, term_words

_BOLD_COLON_INSIDE = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?):\1\s+(?P<d>.*)$")
_BOLD_THEN_COLON = re.compile(r"^(\*\*|__)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_ITALIC_THEN_COLON = re.compile(r"^(\*|_)(?P<t>[^*_]+?)\1\s*:\s*(?P<d>.*)$")
_PLAIN = re.compile(r"^(?P<t>[^:]+?)\s*:(?:\s+(?P<d>.*)|$)")
_DASH = re.compile(r"^(?P<t>.+?)(?:\s+(?:-{1,2}|–|—)\s+|\s*—\s*)(?P<d>.*)$")
_LINK_TERM = re.compile(
    r"^(?P<b>\*\*|__)?(?P<link>\[[^\]]+\]\([^)\s]+\))(?P=b)?\s*(?:-{1,2}|–|—|:)\s+(?P<d>.*)$"
)


def _usable_definition(definition: str) -> bool:
    d = definition.strip()
    if not d:
        return False
    # The first-character tests only skip patterns that cannot match (`<`/`http`/`www`;
    # a digit), for the many definitions that start with a plain word.
    if d[0] in URL_FIRST and starts_with_url(d):
        return False
    if d[0].isdecimal() and TIME_START.match(d):
        return False
    if d.startswith("//"):
        return False  # `https://…` split at its colon
    if d[0] in "\"“'\u2018[" and is_links_only(d):
        return False  # `Further reading: "[Title](https://…)"`: a reference, not a definition
    return has_letter(d)


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
    if t[:1] in EMPHASIS_OPENERS:
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
    if "definition" in term.casefold() and term_words(term)[-1:] in (
        ["definition"],
        ["definitions"],
    ):
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


_EQUALS = re.compile(r"^(?P<t>[^=$`<>|+*/^\\]+?)\s+=\s+(?P<d>[^=\s].*)$")
_FUNCTION = re.compile(r"^\w\s*\(")


def split_equals(text: str) -> tuple[str, str] | None:
    """`der Bahnhof, -¨e = train station`, `race condition = when …` (vocabulary lists,
    quick notes). The left side reads as a term, or is a short phrase ending in `.`, `!`,
    `?` (`Gute Reise! = Have a good trip!`); no maths: no operator, code, `$`, and no
    one-letter or `f(x)` left side."""
    if " = " not in text:
        return None
    m = _EQUALS.match(text.strip())
    if m is None:
        return None
    term, definition = m.group("t").strip(), m.group("d").strip()
    if len(term) < 2 or _FUNCTION.match(term) or not _usable_definition(definition):
        return None
    phrase = term.endswith((".", "!", "?")) and len(term.split()) <= 6 and has_letter(term)
    if not phrase and not reads_as_term(term):
        return None
    return strip_emphasis(term), definition


def split_any(text: str) -> tuple[str, str] | None:
    """The first of the implicit `term → definition` spellings that fits one line."""
    return split_link(text) or split_definition(text) or split_dash(text) or split_equals(text)
