"""What of a term's markdown is not the term: emphasis for showing it, all markup for its
identity.

Plain string checks on one line of markdown source: extraction never runs an inline
markdown parse.
"""

from __future__ import annotations

import re

_EMPHASIS = re.compile(r"^(\*\*|__)(.+?)\1$|^(\*|_)([^*_]+?)\3$")
EMPHASIS_OPENERS = ("*", "_")
"""What every emphasis pattern here starts with: other text skips those patterns."""
_LINK_ANYWHERE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`~=]+")
_SPACES = re.compile(r"\s+")
_NORMAL_TERM = re.compile(r"[^\s\[*_`~=:]+(?: [^\s\[*_`~=:]+)*")
"""Text that normalise_term only case-folds: no link, markup or colon, single spaces."""


def strip_emphasis(text: str) -> str:
    """`**Term**` → `Term`; anything else unchanged."""
    t = text.strip()
    if t[:1] not in EMPHASIS_OPENERS:
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
