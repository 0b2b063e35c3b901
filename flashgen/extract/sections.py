"""The heading path above a card (its context), loose notes' title and heading-like lines
included."""

from __future__ import annotations

from flashgen.extract.not_terms import is_title
from flashgen.extract.outline import Unit
from flashgen.extract.terms import is_heading_like

_TITLE_LEVEL = 7
"""Context level of a title line in loose notes (`Lecture 5: Tools`): below real headings."""
_LOOSE_LEVEL = 8
"""Context level of a heading-like line in loose notes (`Roles`)."""


def is_loose(headings: list[tuple[int, str]]) -> bool:
    return bool(headings) and headings[-1][0] == _LOOSE_LEVEL


def push(headings: list[tuple[int, str]], level: int, text: str) -> None:
    while headings and headings[-1][0] >= level:
        headings.pop()
    headings.append((level, text))


def loose_heading(unit: Unit, headings: list[tuple[int, str]]) -> None:
    """A title or heading-like line (a paragraph line outside lists that starts something,
    and made no card) names the section below it."""
    text = unit.text.strip()
    if is_title(text):
        push(headings, _TITLE_LEVEL, text)
    elif unit.first and is_heading_like(text.rstrip(":")):
        push(headings, _LOOSE_LEVEL, text.rstrip(":").strip())


def ctx(headings: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple([text for _, text in headings])
