"""Whether a paragraph line is the hard-wrapped rest of the sentence on the line before."""

from __future__ import annotations

import re

from flashgen.extract.terms import FUNCTION_WORDS

_QA_START = re.compile(r"^(\*\*)?[QA]:")
_DEFINITION_LINE = re.compile(r"^[^\s:=][^:=.]{0,40}?(?::\s| = | [-–—] )")
_SENTENCE_END = re.compile(r"[.!?:;][\"”’')\]]*$")


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
    if not (start.islower() or last in FUNCTION_WORDS):
        return False
    # `race condition = when …` then `critical section = code …`: a list of definitions,
    # one a line, not one sentence wrapped.
    return _DEFINITION_LINE.match(b) is None or _DEFINITION_LINE.match(a) is None
