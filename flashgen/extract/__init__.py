"""Extraction: a note's outline → cards, by trying each rule in RULES order at each unit.

Adding a way of recognising cards is adding a module with a ``match`` function and
listing it here. The first rule that matches at a position wins and says where to go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flashgen.cards import KINDS, Card, Draft, Extraction, Kind, Note, Problem, SourceRef
from flashgen.decks import deck_name, safe_tag, source_tag
from flashgen.extract import definitions, deflist, key_points, quoted
from flashgen.extract.base import Rule
from flashgen.extract.outline import Unit, outline
from flashgen.extract.terms import normalise_term

RULES: tuple[tuple[str, Rule], ...] = (
    ("deflist", deflist.match),
    ("quoted_definition", quoted.match),
    ("heading_list", key_points.heading_list),
    ("lead_in", key_points.lead_in),
    ("definition", definitions.match),
)
"""Rules in the order they are tried; earlier rules win."""


_KIND_NAMES: dict[str, Kind] = {k: k for k in KINDS}


@dataclass(frozen=True, slots=True)
class Options:
    """Which cards to make; from configuration, then frontmatter."""

    kinds: frozenset[Kind] = frozenset(("definition", "key_points", "cloze", "qa"))
    reverse: bool = False


def find_drafts(units: Sequence[Unit]) -> list[tuple[Draft, tuple[str, ...]]]:
    """Run the rules over the outline; each draft comes with its heading path."""
    found: list[tuple[Draft, tuple[str, ...]]] = []
    headings: list[tuple[int, str]] = []
    i = 0
    while i < len(units):
        unit = units[i]
        context = tuple(text for _, text in headings)
        if unit.kind == "heading" and unit.depth == 0:
            while headings and headings[-1][0] >= unit.level:
                headings.pop()
            headings.append((unit.level, unit.text))
        for _name, rule in RULES:
            m = rule(units, i)
            if m is not None:
                found.extend(
                    (d, context if d.line == unit.line else _ctx(headings)) for d in m.drafts
                )
                i = max(m.next, i + 1)
                break
        else:
            i += 1
    return found


def _ctx(headings: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(text for _, text in headings)


def title_of(units: Sequence[Unit], fallback: str) -> str:
    """The note's title: its first level-1 heading, else the file name."""
    for unit in units:
        if unit.kind == "heading" and unit.level == 1 and unit.text.strip():
            return unit.text.strip()
    return fallback


def note_options(
    meta: Mapping[str, object], base: Options, src: SourceRef
) -> tuple[Options | None, list[Problem]]:
    """Frontmatter `flashgen:` and `reverse:` over the configured options; None skips the note."""
    problems: list[Problem] = []
    kinds = set(base.kinds)
    reverse = base.reverse
    setting = meta.get("flashgen", True)
    if setting is False:
        return None, problems
    if isinstance(setting, Mapping):
        for key, value in setting.items():
            name = "definition" if key in ("definitions", "definition") else str(key)
            kind = _KIND_NAMES.get(name)
            if kind is None and name != "reverse":
                problems.append(Problem(src, f"unknown flashgen option '{key}' in frontmatter"))
            elif not isinstance(value, bool):
                problems.append(Problem(src, f"flashgen option '{key}' must be true or false"))
            elif name == "reverse":
                reverse = value
            elif kind is not None and value:
                kinds.add(kind)
            elif kind is not None:
                kinds.discard(kind)
    elif setting is not True:
        problems.append(Problem(src, "frontmatter 'flashgen' must be false or a mapping"))
    if "reverse" in meta:
        if isinstance(meta["reverse"], bool):
            reverse = meta["reverse"]
        else:
            problems.append(Problem(src, "frontmatter 'reverse' must be true or false"))
    return Options(frozenset(kinds), reverse), problems


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


def extract(note: Note, options: Options | None = None) -> Extraction:
    """All cards of one note, with deck, tags, context and identity, plus its problems."""
    base = options or Options()
    fm_src = SourceRef(note.display, 2 if note.meta else 1)
    opts, problems = note_options(
        note.meta, base, SourceRef(note.display, note.meta_lines.get("flashgen", fm_src.line))
    )
    if opts is None:
        return Extraction(note, (), tuple(problems))
    units = outline(note.body, note.body_line)
    title = title_of(units, note.path.stem)
    deck_setting = note.meta.get("deck")
    if deck_setting is not None and not isinstance(deck_setting, str):
        problems.append(
            Problem(
                SourceRef(note.display, note.meta_lines.get("deck", fm_src.line)),
                "frontmatter 'deck' must be text; using the folder and title",
            )
        )
    deck = deck_name(note.folder, title, deck_setting)
    tags, tag_problems = note_tags(
        note.meta, SourceRef(note.display, note.meta_lines.get("tags", fm_src.line))
    )
    problems.extend(tag_problems)
    all_tags = tuple(sorted({*tags, source_tag(note.key)}))
    cards: list[Card] = []
    seen: dict[tuple[str, str], int] = {}
    for draft, context in find_drafts(units):
        if draft.kind not in opts.kinds:
            continue
        term = normalise_term(draft.term or draft.front)
        if not term:
            continue
        n = seen[(draft.kind, term)] = seen.get((draft.kind, term), 0) + 1
        cards.append(
            Card(
                kind=draft.kind,
                deck=deck,
                front=draft.front,
                back=draft.back,
                items=draft.items,
                extra=draft.extra,
                context=context,
                source=SourceRef(note.display, draft.line),
                tags=all_tags,
                note_key=note.key,
                term=term,
                occurrence=n,
                reverse=opts.reverse and draft.kind == "definition",
            )
        )
    if not cards:
        problems.append(
            Problem(SourceRef(note.display, note.body_line), "no cards found in this note")
        )
    return Extraction(note, tuple(cards), tuple(problems))
