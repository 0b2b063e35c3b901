"""Outline notes (Logseq pages: the whole note one list): a parent bullet and its children.

- `- Photosynthesis` with one child bullet (and nothing under it): a definition, the
  parent is the term and the child the back;
- a parent with several children (or deeper ones): key points named by the parent, the
  children as points, nesting kept;
- a parent that is a question (`- Why …? #card`) : a question and answer card, the
  children as the answer.

Only in an outline note (is_outline): elsewhere a nested list is left to the other rules
as before. Under a heading (`- ## Cell structure`), the items are the heading's key points
(key_points.py), but a parent bullet with one child among them makes its own card and
leaves the points; a parent with several children stays a point, unless it is the only
one (then the card is named by the parent).

The parent must be a short heading-like line (terms.is_heading_like: six words at most,
no sentence, no colon, not a label such as `Week 3`); a parent with a separator
(`Term: def`, `Term - def`) is left to the other rules, with its children.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match, flat, indented, items_end
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.not_terms import is_title
from flashgen.extract.outline import Unit
from flashgen.extract.terms import is_heading_like


def is_outline(units: Sequence[Unit]) -> bool:
    """Whether the whole note is one list (a Logseq page): its first and last units are in
    the same list."""
    return bool(units) and units[0].depth > 0 and units[0].group == units[-1].group


def match(units: Sequence[Unit], i: int) -> Match | None:
    unit = units[i]
    if unit.kind != "item" or i + 1 >= len(units) or not is_outline(units):
        return None
    child = units[i + 1]
    if child.kind != "item" or child.depth != unit.depth + 1 or "\n" in unit.text:
        return None
    front = strip_emphasis(unit.text.strip())
    j = items_end(units, i + 1, unit.depth)
    children = units[i + 1 : j]
    if front.endswith("?") and len(front.split()) > 1:
        if j == i + 2:
            answer = flat(child.text)
        else:
            answer = "\n".join(
                "  " * (u.depth - child.depth) + "- " + flat(u.text) for u in children
            )
        return Match((Draft("qa", front, answer, line=unit.line),), j)
    if not is_heading_like(front) or is_title(front):
        return None
    if j == i + 2:
        return Match((Draft("definition", front, flat(child.text), line=unit.line),), j)
    return Match((Draft("key_points", front, items=indented(children), line=unit.line),), j)
