"""Explicit cards, which always win: `Q: … / A: …` pairs and `Term :: definition` lines."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, logical_line, with_images
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.outline import Unit
from flashgen.extract.separators import split_any
from flashgen.extract.wrap import continues

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


def _block(units: Sequence[Unit], i: int) -> Iterator[tuple[str, int]]:
    """(line, unit index) from units[i] to the end of its list item or paragraph."""
    unit = units[i]
    if unit.kind == "item":
        for line in unit.text.split("\n"):
            yield line, i
        return
    j = i
    while j < len(units) and units[j].kind == "text" and units[j].group == unit.group:
        yield units[j].text, j
        j += 1


def _ends_pair(text: str) -> bool:
    """A line that starts another card, so it cannot belong to a question or an answer."""
    return bool(_Q.match(text) or _A.match(text) or _DOUBLE_COLON.match(text) or split_any(text))


def qa(units: Sequence[Unit], i: int) -> Match | None:
    """`Q:` line(s), then an `A:` line and the lines after it, up to a blank line or a line
    that starts another card. The answer may also open the next paragraph or list item."""
    unit = units[i]
    if unit.kind not in ("text", "item") or _Q.match(unit.text) is None:
        return None
    lines = _block(units, i)
    question = [_Q.sub("", next(lines)[0])]
    answer: list[str] = []
    next_unit = i + 1
    whole_block = True
    for text, idx in lines:
        if _A.match(text) and not answer:
            answer.append(_A.sub("", text))
        elif _ends_pair(text):
            whole_block = False
            break
        elif answer:
            answer.append(text)
        else:
            question.append(text)
            continue
        next_unit = idx + 1
    if not answer and whole_block and next_unit < len(units):
        # The answer opens the next paragraph or list item.
        start = i + 1
        while unit.kind == "text" and start < len(units) and units[start].group == unit.group:
            start += 1
        if start < len(units) and units[start].kind == unit.kind:
            following = _block(units, start)
            first, idx = next(following)
            if _A.match(first):
                answer.append(_A.sub("", first))
                next_unit = idx + 1
                for text, idx in following:
                    if _ends_pair(text):
                        break
                    answer.append(text)
                    next_unit = idx + 1
    q, a = _join(question), _join(answer)
    if not q or not a:
        what = "question has no answer: add an 'A:' line under it" if q else "'Q:' with no question"
        return Match((), i + 1, ((unit.line, what),))
    return Match((Draft("qa", q, a, line=unit.line),), max(next_unit, i + 1))


def double_colon(units: Sequence[Unit], i: int) -> Match | None:
    """`Term :: definition`: always a definition card, whatever the term looks like."""
    unit = units[i]
    if "::" not in unit.text or unit.kind not in ("text", "item") or unit.cont:
        return None
    text, j = logical_line(units, i)
    m = _DOUBLE_COLON.match(text)
    if m is None or "{{" in m.group("t") or len(m.group("t")) > 120:
        return None
    term, definition = strip_emphasis(m.group("t")), (m.group("d") or "").strip()
    if not definition:
        return Match((), j, ((unit.line, f"'{term} ::' has no definition after '::'"),))
    definition, j = with_images(units, i, j, definition)
    return Match((Draft("definition", term, definition, line=unit.line),), j)


EXPLICIT = (qa, double_colon)
"""The explicit rules, also tried on single list items inside key points."""
