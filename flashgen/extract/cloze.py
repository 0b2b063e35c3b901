"""Cloze cards from `==highlight==` or `{{c1::…}}` inside a sentence (explicit, so they win).

The card's front is the sentence with each `==x==` turned into `{{cN::x}}`, numbered in
order after any `{{cN::…}}` already written; code spans are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat, logical_line
from flashgen.extract.outline import Unit

_HIGHLIGHT = re.compile(r"(?<![=\w])==(?=[^\s=])(?P<x>[^=\n]*?[^\s=])==(?![=\w])")
_EXISTING = re.compile(r"\{\{c(?P<n>\d+)::(?P<x>.+?)\}\}")
_CODE = re.compile(r"(`+)(?:.+?)\1")


def _outside_code(text: str) -> list[tuple[bool, str]]:
    """The text cut into (is_code, piece) parts, so markers inside code spans are ignored."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _CODE.finditer(text):
        parts.append((False, text[pos : m.start()]))
        parts.append((True, m.group(0)))
        pos = m.end()
    parts.append((False, text[pos:]))
    return parts


def has_cloze(text: str) -> bool:
    return any(
        not code and (_HIGHLIGHT.search(piece) or _EXISTING.search(piece))
        for code, piece in _outside_code(text)
    )


def cloze_text(text: str) -> str:
    """`a ==b== c ==d==` → `a {{c1::b}} c {{c2::d}}`."""
    parts = _outside_code(text)
    taken = [int(m.group("n")) for code, p in parts if not code for m in _EXISTING.finditer(p)]
    counter = max(taken, default=0)

    def number(m: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        return f"{{{{c{counter}::{m.group('x')}}}}}"

    return "".join(piece if code else _HIGHLIGHT.sub(number, piece) for code, piece in parts)


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    wrapped = i + 1 < len(units) and units[i + 1].cont
    if "==" not in unit.text and "{{" not in unit.text and not wrapped:
        return None  # no marker here, and no wrapped line after that could hold one
    if unit.kind not in ("text", "item", "quote") or unit.cont:
        return None
    if unit.kind == "quote":
        text, j = "\n\n".join(flat(p) for p in unit.text.split("\n\n")), i + 1
    else:
        text, j = logical_line(units, i)
    if not has_cloze(text):
        return None
    return Match((Draft("cloze", cloze_text(text), line=unit.line),), j)
