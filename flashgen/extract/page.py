"""What a note says about itself besides its cards: its title, its page title, its tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flashgen.cards import Note, Problem, SourceRef
from flashgen.decks import safe_tag
from flashgen.extract.outline import Unit

PAGE_TITLE_KEYS = ("title", "term")
"""Frontmatter keys that name a one-concept page (glossary, digital garden)."""


def with_page_title(units: Sequence[Unit], note: Note) -> Sequence[Unit]:
    """A page whose body starts with a paragraph, under a frontmatter `title:` (or `term:`):
    its title as a heading of level 0 before it, that heading rules can read (a page's
    first paragraph defines its title) but that names no deck and no section."""
    for key in PAGE_TITLE_KEYS:
        value = note.meta.get(key)
        if isinstance(value, str) and value.strip():
            line = note.meta_lines.get(key, 1)
            head = Unit("heading", value.strip(), line, line + 1, level=0, first=True, last=True)
            return (head, *units)
    return units


def title_of(units: Sequence[Unit], fallback: str) -> str:
    """The note's title: its first level-1 heading, else the file name."""
    for unit in units:
        if unit.kind == "heading" and unit.level == 1 and unit.text.strip():
            return unit.text.strip()
    return fallback


def note_tags(meta: Mapping[str, object], src: SourceRef) -> tuple[list[str], list[Problem]]:
    raw = meta.get("tags")
    if raw is None:
        return [], []
    if isinstance(raw, str):
        values = [t for t in raw.replace(",", " ").split() if t]
    elif isinstance(raw, list) and all(isinstance(t, (str, int, float)) for t in raw):
        values = [str(t) for t in raw]
    else:
        return [], [Problem(src, "frontmatter 'tags' must be a list of words; tags ignored")]
    return [t for t in (safe_tag(v) for v in values) if t], []
