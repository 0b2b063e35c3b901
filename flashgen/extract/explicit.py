"""Explicit cards, which always win: `Q: … / A: …` pairs and `Term :: definition` lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line, starts_fresh
from flashgen.extract.outline import Unit
from flashgen.extract.terms import continues, strip_emphasis

_Q = re.compile(r"^(?:\*\*(?:Q|Question):\*\*|\*\*(?:Q|Question)\*\*:|(?:Q|Question):)(?:\s+|$)")
_A = re.compile(r"^(?:\*\*(?:A|Answer):\*\*|\*\*(?:A|Answer)\*\*:|(?:A|Answer):)(?:\s+|$)")
_DOUBLE_COLON = re.compile(r"^(?P<t>[^`]*?[^:\s`][^`]*?)\s+::(?:\s+(?P<d>.*)|\s*$)")
"""`Term :: definition`, spaces around `::`: `key:: value` is an outliner property, not a card."""


def _join(lines: Sequence[str]) -> str:
    """Lines of an answer: wrapped lines joined with a space, separate lines kept apart."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        out = line if not out else out + (" " if continues(out, line) else "\n") + line
    return out


def _lines(units: Sequence[Unit], i: int) -> list[tuple[str, int, int]]:
    """(text, unit index, file line) of every line from units[i] to the end of its block."""
    unit = units[i]
    if unit.kind == "item":
        return [(ln, i, unit.line + k) for k, ln in enumerate(unit.text.split("\n"))]
    out = []
    j = i
    while j < len(units) and units[j].kind == "text" and units[j].group == unit.group:
        out.append((units[j].text, j, units[j].line))
        j += 1
    return out


def qa(units: Sequence[Unit], i: int) -> Match | None:
    """`Q:` line(s), then an `A:` line and what follows it up to the next `Q:` or a blank line."""
    unit = units[i]
    if unit.kind not in ("text", "item") or _Q.match(unit.text) is None:
        return None
    lines = _lines(units, i)
    k = 0
    question: list[str] = []
    while k < len(lines) and (k == 0 or _A.match(lines[k][0]) is None):
        question.append(_Q.sub("", lines[k][0]) if k == 0 else lines[k][0])
        k += 1
    next_unit = lines[-1][1] + 1
    answer: list[str] = []
    if k < len(lines):
        answer_lines = lines[k:]
    elif next_unit < len(units) and units[next_unit].kind == unit.kind:
        # The answer in the next paragraph or list item.
        following = _lines(units, next_unit)
        if _A.match(following[0][0]) is None:
            following = []
        answer_lines = following
    else:
        answer_lines = []
    for n, (text, idx, _) in enumerate(answer_lines):
        if n > 0 and _Q.match(text):
            break
        answer.append(_A.sub("", text) if n == 0 else text)
        next_unit = idx + 1
    q, a = _join(question), _join(answer)
    if not answer_lines or not q or not a:
        what = "question has no answer: add an 'A:' line under it" if q else "'Q:' with no question"
        return Match((), next_unit, ((unit.line, what),))
    return Match((Draft("qa", q, a, line=unit.line),), next_unit)


def double_colon(units: Sequence[Unit], i: int) -> Match | None:
    """`Term :: definition`: always a definition card, whatever the term looks like."""
    unit = units[i]
    if unit.kind not in ("text", "item") or "::" not in unit.text or not starts_fresh(units, i):
        return None
    text, j = logical_line(units, i)
    m = _DOUBLE_COLON.match(text)
    if m is None or "{{" in m.group("t") or len(m.group("t")) > 120:
        return None
    term, definition = strip_emphasis(m.group("t")), (m.group("d") or "").strip()
    if not definition:
        return Match((), j, ((unit.line, f"'{term} ::' has no definition after '::'"),))
    return Match((Draft("definition", term, definition, line=unit.line),), j)


EXPLICIT = (qa, double_colon)
"""The explicit rules, also tried on single list items inside key points."""
