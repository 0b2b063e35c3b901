"""The contract between the extraction engine and its rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flashgen.cards import Draft
from flashgen.extract.outline import Unit


@dataclass(frozen=True, slots=True)
class Match:
    """What a rule found at a position: its cards and where the engine goes on."""

    drafts: tuple[Draft, ...]
    next: int
    """Index of the first unit the rule did not consume."""


Rule = Callable[[Sequence[Unit], int], "Match | None"]
"""A rule looks at ``units[i]`` (and what follows) and returns a Match or None."""


def paragraph_end(units: Sequence[Unit], i: int) -> int:
    """Index just after the paragraph that contains units[i]."""
    j = i
    while j < len(units) and units[j].kind == "text" and not units[j].last:
        j += 1
    return min(j + 1, len(units))


def items_of(units: Sequence[Unit], i: int) -> tuple[list[Unit], int]:
    """The items of the list starting at units[i], and the index after them."""
    j = i
    found: list[Unit] = []
    while j < len(units) and units[j].kind == "item" and units[j].group == units[i].group:
        found.append(units[j])
        j += 1
    return found, j


def indented(items: Sequence[Unit]) -> tuple[str, ...]:
    """Items as key-point strings: nested points indented two spaces per level."""
    if not items:
        return ()
    top = min(u.depth for u in items)
    return tuple("  " * (u.depth - top) + u.text.replace("\n", " ") for u in items)
