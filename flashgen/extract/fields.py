"""Dataview and Logseq inline fields: `Key:: value` (no space before `::`).

Flashgen's own explicit syntax is `Term :: definition`, with a space before `::`
(explicit.double_colon): always a card. An inline field has no space there, and in most
vaults it is metadata (`created:: 2024-10-02`, `status:: #seedling`, `up:: [[MOC]]`), so
it is a card only when it reads as a definition: a key that is not a known metadata name
(METADATA_KEYS) and a value of three words or more that is not only a date, a number or
links. `**Term**:: value` counts too, and a whole line in brackets, `[Term:: value]`. Metadata lines never become cards: `prepare` (in
flashgen.extract.vault) takes them out of the note before the rules run.

A Logseq block whose property is `definition::` (or `def::`) is a definition of the
block's first line: `- White dwarf` + `  definition:: the hot, dense core …`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flashgen.cards import Draft
from flashgen.extract.base import Match
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.outline import Unit
from flashgen.extract.terms import looks_like_term

FIELD = re.compile(
    r"^(?P<k>\*\*[^*\n]+\*\*|__[^_\n]+__|[^\s:`*_\[>#-][^:`\n]*?[^\s:`]|[^\s:`*_\[>#-])"
    r"::(?:[ \t]+(?P<v>.*)|[ \t]*$)"
)
"""`Key:: value`: no space before `::` (`Key :: value` is flashgen's explicit syntax)."""

METADATA_KEYS = frozenset(
    (
        "alias",
        "aliases",
        "area",
        "author",
        "authors",
        "background-color",
        "banner",
        "category",
        "categories",
        "chapter",
        "class",
        "collapsed",
        "completed",
        "confidence",
        "course",
        "created",
        "cssclass",
        "cssclasses",
        "date",
        "deadline",
        "description",
        "difficulty",
        "done",
        "down",
        "draft",
        "due",
        "heading",
        "icon",
        "id",
        "instructor",
        "lang",
        "language",
        "lecture",
        "level",
        "link",
        "links",
        "location",
        "modified",
        "module",
        "next",
        "page",
        "pages",
        "parent",
        "parents",
        "permalink",
        "prev",
        "previous",
        "priority",
        "professor",
        "progress",
        "project",
        "public",
        "publish",
        "rating",
        "reading",
        "readings",
        "related",
        "reviewed",
        "scheduled",
        "semester",
        "session",
        "source",
        "sources",
        "status",
        "tag",
        "tags",
        "teacher",
        "template",
        "time",
        "title",
        "topic",
        "topics",
        "type",
        "up",
        "updated",
        "url",
        "week",
        "year",
    )
)
"""Field names that are metadata in Dataview and Logseq, never a term (case ignored)."""
DEFINITION_KEYS = frozenset(("definition", "def"))
"""A Logseq block property that defines the block's first line."""
_NOT_DEFINITION = re.compile(
    r"^(?:[\d\s/.:,-]+|(?:\[\[[^\]]*\]\][\s,]*)+|(?:\[[^\]]*\]\([^)]*\)[\s,]*)+|(?:true|false))$",
    re.IGNORECASE,
)
"""A value that is a date, a number, a fraction, a list of links or a boolean."""


def is_metadata(key: str, value: str) -> bool:
    """Whether `key:: value` is metadata rather than a definition. A `definition::` line is
    too, unless it is the property of a block with a first line (vault.prepare keeps it)."""
    name = strip_emphasis(key).strip().lower()
    if name in METADATA_KEYS or name in DEFINITION_KEYS or name.startswith("card-") or "." in name:
        return True
    v = value.strip()
    return len(v.split()) < 3 or _NOT_DEFINITION.match(v) is not None


def field(line: str) -> tuple[str, str] | None:
    """(key, value) of a `Key:: value` line, else None."""
    if "::" not in line:
        return None
    if line.startswith("[") and line.endswith("]") and line.count("[") == 1:
        line = line[1:-1].strip()  # Dataview's bracketed field: `[**Term**:: definition]`
    m = FIELD.match(line)
    if m is None:
        return None
    return m.group("k"), (m.group("v") or "").strip()


def match(units: Sequence[Unit], i: int) -> Match | None:
    """`Term:: definition` (a field that is not metadata), or a block with `definition::`."""
    unit = units[i]
    if "::" not in unit.text or unit.kind not in ("text", "item") or unit.cont:
        return None
    first, _, rest = unit.text.partition("\n")
    found = field(first)
    if found is not None:
        key, value = found
        term = strip_emphasis(key)
        if is_metadata(key, value) or not looks_like_term(term):
            return None
        return Match((Draft("definition", term, value, line=unit.line),), i + 1)
    if unit.kind != "item" or not rest:
        return None
    for line in rest.split("\n"):
        prop = field(line.strip())
        if prop is not None and prop[0].lower() in DEFINITION_KEYS and prop[1]:
            term = strip_emphasis(first)
            if looks_like_term(term):
                return Match((Draft("definition", term, prop[1], line=unit.line),), i + 1)
    return None
