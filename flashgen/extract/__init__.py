"""Extraction: a note's outline → cards, by trying each rule in RULES order at each unit.

Adding a way of recognising cards is adding a module with a ``match`` function and
listing it here. The first rule that matches at a position wins and says where to go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import get_args

from flashgen.cards import KINDS, Card, Draft, Extraction, Kind, Note, Problem, SourceRef
from flashgen.decks import DeckNames, deck_name, prefixed_tag, safe_tag, source_tag
from flashgen.extract import (
    bold_sentences,
    callouts,
    case_briefs,
    cloze,
    dash,
    definitions,
    deflist,
    equals,
    explicit,
    fields,
    heading_definitions,
    key_points,
    lead_ins,
    links,
    list_definitions,
    outliner,
    pages,
    quoted,
    sentence,
    term_lines,
    vault,
)
from flashgen.extract.base import Match, Rule, may_have_marks
from flashgen.extract.markup import normalise_term
from flashgen.extract.outline import Unit, UnitKind, outline
from flashgen.extract.page import note_tags, title_of, with_page_title
from flashgen.extract.sections import ctx, is_loose, loose_heading, push

RULES: tuple[tuple[str, Rule], ...] = (
    ("qa", explicit.qa),
    ("double_colon", explicit.double_colon),
    ("inline_field", fields.match),
    ("callout", callouts.match),
    ("cloze", cloze.match),
    ("deflist", deflist.match),
    ("quoted_definition", quoted.match),
    ("heading_sentence", sentence.heading_sentence),
    ("page_definition", pages.match),
    ("heading_definition", heading_definitions.match),
    ("case_brief", case_briefs.match),
    ("term_line", term_lines.match),
    ("list_definitions", list_definitions.match),
    ("heading_list", key_points.heading_list),
    ("definition_lead_in", sentence.lead_in),
    ("bold_lead_in", lead_ins.match),
    ("lead_in", key_points.lead_in),
    ("link", links.match),
    ("dash", dash.match),
    ("outline_parent", outliner.match),
    ("definition", definitions.match),
    ("equals", equals.match),
    ("bold_sentence", bold_sentences.match),
)
"""Rules in the order they are tried; earlier rules win."""

_LINES: frozenset[UnitKind] = frozenset(("text", "item"))
RULE_KINDS: Mapping[str, frozenset[UnitKind]] = {
    "qa": _LINES,
    "double_colon": _LINES,
    "inline_field": _LINES,
    "callout": frozenset(("quote",)),
    "cloze": _LINES | {"quote"},
    "deflist": frozenset(("term",)),
    "quoted_definition": frozenset(("heading", "text")),
    "heading_sentence": frozenset(("heading",)),
    "page_definition": frozenset(("heading",)),
    "heading_definition": frozenset(("heading",)),
    "case_brief": frozenset(("heading",)),
    "term_line": frozenset(("text",)),
    "list_definitions": _LINES | {"heading"},
    "heading_list": frozenset(("heading",)),
    "definition_lead_in": _LINES,
    "bold_lead_in": frozenset(("text",)),
    "lead_in": _LINES,
    "link": _LINES,
    "dash": _LINES,
    "outline_parent": frozenset(("item",)),
    "definition": _LINES,
    "equals": _LINES,
    "bold_sentence": _LINES,
}
"""The kinds of unit each rule can start a match at: at any other kind it returns None
straight away, so the engine does not call it there (tests/test_extraction.py pins this)."""

RULE_MARKS: Mapping[str, tuple[str, ...]] = {
    "qa": ("Q",),  # every spelling of `Q:` starts with it (a capital Q is rare)
    "double_colon": ("::",),
    "inline_field": ("::",),
    "cloze": ("==", "{{"),
    "definition_lead_in": ("efin",),  # `definition` or `defined`
    "list_definitions": ("^*", "^_"),  # `- **Term.** …` items, `**Lead-in:**` over a list
    "bold_lead_in": ("^*", "^_"),
    "lead_in": (":",),
    "link": ("[",),
    "dash": (" -", "–", "—"),
    "definition": (":",),
    "equals": (" = ",),
    "bold_sentence": ("*", "_"),
}
"""For a rule listed here, what the text of a paragraph line or list item must contain (one
of them) for the rule to match there, unless a hard-wrapped line continues it. Most lines
have none of these, and the rest few: the engine tries a rule only at a line with one of its
marks (tests/test_extraction.py pins that each rule keeps to this). A mark that starts
with `^` must start the text (base.mark_in): `^*` for a line that opens with emphasis."""

RULE_WHY: Mapping[str, Callable[[Sequence[Unit], int], str | None]] = {
    "bold_lead_in": lead_ins.why,
    "bold_sentence": bold_sentences.why,
}
"""For `flashgen explain` only: why a rule declined at a unit it could have matched (None:
nothing to say). Extraction never calls these, so they cost it nothing."""

SETTINGS: Mapping[str, tuple[str, ...]] = {
    "bold_lead_ins": ("bold_lead_in",),
    "bold_sentences": ("bold_sentence",),
    "heading_sentences": ("heading_definition", "term_line", "case_brief"),
    "list_definitions": ("list_definitions",),
}
"""Settings (frontmatter `flashgen:`, the `rules` table of flashgen.toml) that turn rules off:
each names the rules it covers. Every rule's own name in RULES is a setting too, so a
rule added later can be turned off with no entry here."""


def rules_of_setting(name: str) -> tuple[str, ...] | None:
    """The rules a setting turns on or off (`bold-sentences` = `bold_sentences`); None if
    there is no such setting."""
    key = name.replace("-", "_")
    if key in SETTINGS:
        return SETTINGS[key]
    return (key,) if key in _RULE_NAMES else None


_RULE_NAMES = frozenset(name for name, _ in RULES)


def rule_settings() -> list[str]:
    """Every setting name: those of SETTINGS, then each rule's own name."""
    return [*SETTINGS, *(name for name, _ in RULES)]


_ALL_MARKS = {mark for marks in RULE_MARKS.values() for mark in marks}
_MARKS: tuple[str, ...] = tuple(sorted(m for m in _ALL_MARKS if not m.startswith("^")))
_START_MARKS: frozenset[str] = frozenset(m for m in _ALL_MARKS if m.startswith("^"))


class _Tables:
    """RULES, in their order, without the rules turned off, narrowed to those that can match
    at each kind of unit (most units are list items or paragraph lines, and a third of the
    rules only read headings), and at a line by the RULE_MARKS it has."""

    __slots__ = ("by_kind", "by_marks", "unmarked")

    def __init__(self, off: frozenset[str]) -> None:
        self.by_kind: Mapping[str, tuple[tuple[str, Rule], ...]] = {
            kind: tuple(
                (name, rule) for name, rule in RULES if kind in RULE_KINDS[name] and name not in off
            )
            for kind in get_args(UnitKind)
        }
        self.unmarked: Mapping[str, tuple[tuple[str, Rule], ...]] = {
            kind: tuple((name, rule) for name, rule in rules if name not in RULE_MARKS)
            for kind, rules in self.by_kind.items()
        }
        """The rules to try at a line with none of the RULE_MARKS."""
        self.by_marks: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, Rule], ...]] = {}
        """(kind of line, the _MARKS in it) → the rules to try there; filled in as lines come."""

    def for_line(self, key: tuple[str, tuple[str, ...]]) -> tuple[tuple[str, Rule], ...]:
        """The rules to try at a line of kind key[0] that has the marks key[1], remembered."""
        kind, marks = key
        rules = self.by_marks[key] = tuple(
            (name, rule)
            for name, rule in self.by_kind[kind]
            if name not in RULE_MARKS or not set(RULE_MARKS[name]).isdisjoint(marks)
        )
        return rules


_TABLES: dict[frozenset[str], _Tables] = {frozenset(): _Tables(frozenset())}


def _tables(off: frozenset[str]) -> _Tables:
    found = _TABLES.get(off)
    if found is None:
        found = _TABLES[off] = _Tables(off)
    return found


EXPLICIT_RULES = frozenset(("qa", "double_colon", "cloze"))
"""Rules for syntax a student writes on purpose: their cards win over implicit ones."""

_KIND_NAMES: dict[str, Kind] = {k: k for k in KINDS}


@dataclass(frozen=True, slots=True)
class Options:
    """Which cards to make and where they go; from configuration, then frontmatter."""

    kinds: frozenset[Kind] = frozenset(("definition", "key_points", "cloze", "qa"))
    reverse: bool = False
    deck_prefix: str = ""
    """Parent deck of every deck (`School` → `School::mlops::Lecture 5`)."""
    deck_names: DeckNames = "folders-and-title"
    tag_prefix: str = ""
    """Parent tag of the frontmatter tags (`course` → `course::exam-1`)."""
    forced: tuple[tuple[str, bool], ...] = ()
    """Kind switches and `reverse` from the command line: applied after frontmatter."""
    off: frozenset[str] = frozenset()
    """Names of the rules (in RULES) turned off by settings (see SETTINGS)."""


Trace = list[tuple[int, str, Match]]
"""(index of the unit, rule name, its match), for each match, for `flashgen explain`."""


def find_drafts(
    units: Sequence[Unit], off: frozenset[str] = frozenset(), trace: Trace | None = None
) -> tuple[list[tuple[Draft, tuple[str, ...]]], list[tuple[int, str]]]:
    """Run the rules over the outline: drafts with their heading path, and problems by line.

    An implicit definition whose term also has an explicit (`::`) definition is dropped.
    Rules named in `off` are not tried; `trace`, when given, gets every match.
    """
    tables = _TABLES[off] if off in _TABLES else _tables(off)
    found: list[tuple[Draft, tuple[str, ...], bool]] = []
    problems: list[tuple[int, str]] = []
    headings: list[tuple[int, str]] = []
    i = 0
    while i < len(units):
        unit = units[i]
        is_heading = unit.kind == "heading" and unit.depth == 0 and unit.level > 0
        if is_heading:
            push(headings, unit.level, unit.text)
        name, m = _first_match(units, i, tables)
        if m is None:
            if unit.kind == "text" and not unit.depth and not unit.cont:
                loose_heading(unit, headings)
            i += 1
            continue
        if trace is not None:
            trace.append((i, name, m))
        if name == "quoted_definition" and unit.kind == "text" and is_loose(headings):
            headings.pop()  # a loose term line starts a section of its own
        here = ctx(headings)
        at_unit = ctx(headings[:-1]) if is_heading else here  # a heading's card: the path above
        matched = m.drafts
        nxt = max(m.next, i + 1)
        block = _attached_block(units, nxt)
        if block is not None and matched and matched[-1].kind in ("definition", "key_points", "qa"):
            last = matched[-1]
            extra = "\n\n".join(x for x in (last.extra, block) if x)
            matched = (*matched[:-1], replace(last, extra=extra))
            nxt += 1
        explicit_card = name in EXPLICIT_RULES
        for d in matched:
            found.append((d, at_unit if d.line == unit.line else here, explicit_card))
        if m.problems:
            problems.extend(m.problems)
        i = nxt
    explicit_terms = {
        normalise_term(d.term or d.front)
        for d, _, explicit_card in found
        if explicit_card and d.kind == "definition"
    }
    drafts = [
        (d, ctx)
        for d, ctx, explicit_card in found
        if explicit_card
        or d.kind != "definition"
        or not explicit_terms  # the common case: no term to look up
        or normalise_term(d.term or d.front) not in explicit_terms
    ]
    return drafts, problems


def _attached_block(units: Sequence[Unit], j: int) -> str | None:
    """A code block, formula or table right under a card (at most one blank line between)."""
    if j >= len(units) or j == 0:
        return None
    block, prev = units[j], units[j - 1]
    if block.kind != "opaque" or not block.source or block.line > prev.end + 1:
        return None
    return block.source


def _first_match(units: Sequence[Unit], i: int, tables: _Tables) -> tuple[str, Match | None]:
    """The first rule, in RULES order, that matches at units[i], and its match.

    Only the rules that can match there are tried (see RULE_KINDS, RULE_MARKS).
    """
    unit = units[i]
    if unit.kind not in _LINES or (i + 1 < len(units) and units[i + 1].cont):
        rules = tables.by_kind[unit.kind]
    elif not may_have_marks(unit.text):
        rules = tables.unmarked[unit.kind]
    else:
        text = unit.text
        marks = [mark for mark in _MARKS if mark in text]
        if "^" + text[:1] in _START_MARKS:
            marks.append("^" + text[:1])
        key = (unit.kind, tuple(marks))
        found = tables.by_marks.get(key)
        rules = found if found is not None else tables.for_line(key)
    for name, rule in rules:
        m = rule(units, i)
        if m is not None:
            return name, m
    return "", None


def note_options(
    meta: Mapping[str, object], base: Options, src: SourceRef
) -> tuple[Options | None, list[Problem]]:
    """Frontmatter `flashgen:` and `reverse:` over the configured options; None skips the note."""
    problems: list[Problem] = []
    kinds = set(base.kinds)
    reverse = base.reverse
    off = set(base.off)
    setting = meta.get("flashgen", True)
    if setting is False:
        return None, problems
    if isinstance(setting, Mapping):
        for key, value in setting.items():
            name = "definition" if key in ("definitions", "definition") else str(key)
            kind = _KIND_NAMES.get(name)
            rules = rules_of_setting(name) if kind is None else None
            if kind is None and name != "reverse" and rules is None:
                problems.append(Problem(src, f"unknown flashgen option '{key}' in frontmatter"))
            elif not isinstance(value, bool):
                problems.append(Problem(src, f"flashgen option '{key}' must be true or false"))
            elif name == "reverse":
                reverse = value
            elif rules is not None:
                (off.difference_update if value else off.update)(rules)
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
    for name, on in base.forced:
        if name == "reverse":
            reverse = on
        elif (kind := _KIND_NAMES.get(name)) is not None:
            (kinds.add if on else kinds.discard)(kind)
    turned_off = base.off if off == base.off else frozenset(off)
    return replace(base, kinds=frozenset(kinds), reverse=reverse, off=turned_off), problems


def extract(note: Note, options: Options | None = None) -> Extraction:
    """All cards of one note, with deck, tags, context and identity, plus its problems."""
    base = options or Options()
    fm_src = SourceRef(note.display, 2 if note.meta else 1)
    opts, problems = note_options(
        note.meta, base, SourceRef(note.display, note.meta_lines.get("flashgen", fm_src.line))
    )
    if opts is None:
        return Extraction(note, (), tuple(problems))
    units, inline_tags = vault.prepare(outline(note.body, note.body_line))
    title = title_of(units, note.path.stem)
    units = pages.titled(units, note.meta, note.meta_lines.get("title", fm_src.line))
    if units and units[0].kind == "text" and "heading_definition" not in opts.off:
        units = with_page_title(units, note)
    deck_setting = note.meta.get("deck")
    if deck_setting is not None and not isinstance(deck_setting, str):
        problems.append(
            Problem(
                SourceRef(note.display, note.meta_lines.get("deck", fm_src.line)),
                "frontmatter 'deck' must be text; using the folder and title",
            )
        )
    deck = deck_name(note.folder, title, deck_setting, base.deck_names, base.deck_prefix)
    tags, tag_problems = note_tags(
        note.meta, SourceRef(note.display, note.meta_lines.get("tags", fm_src.line))
    )
    problems.extend(tag_problems)
    tags.extend(t for t in (safe_tag(v) for v in inline_tags) if t)  # `#tag` in the text
    tags = [prefixed_tag(base.tag_prefix, t) for t in tags]
    all_tags = tuple(sorted({*tags, source_tag(note.key)}))
    cards: list[Card] = []
    seen: dict[tuple[str, str], int] = {}
    drafts, rule_problems = find_drafts(units, opts.off)
    problems.extend(Problem(SourceRef(note.display, line), msg) for line, msg in rule_problems)
    for draft, context in drafts:
        if draft.kind not in opts.kinds:
            continue
        term = normalise_term(draft.term or draft.front)
        if not term:
            continue
        key = (draft.kind, term)
        n = seen[key] = seen.get(key, 0) + 1
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
