"""`flashgen explain FILE[:LINE]`: which rule made which card of a note, and why a block
made none.

Extraction runs as always, with the engine recording its matches (find_drafts' `trace`);
the reasons for lines that made no card come from the rules' optional `why` functions
(RULE_WHY in flashgen.extract), which only this command calls, so extraction pays nothing
for them. A rule turned off by a setting that would have matched is named too.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashgen.cards import Draft, Note, SourceRef
from flashgen.extract import (
    RULE_KINDS,
    RULE_WHY,
    RULES,
    SETTINGS,
    Options,
    Trace,
    find_drafts,
    note_options,
)
from flashgen.extract.markup import normalise_term
from flashgen.extract.not_terms import is_title, is_url
from flashgen.extract.outline import Unit, outline
from flashgen.extract.page import with_page_title
from flashgen.extract.references import is_links_only, is_reference_heading


def _card(draft: Draft) -> str:
    return f"{draft.kind.replace('_', ' ')} '{draft.front}'"


def _setting_of(rule: str) -> str:
    for name, rules in SETTINGS.items():
        if rule in rules:
            return name
    return rule


def _why_not(units: Sequence[Unit], i: int, off: frozenset[str]) -> str:
    """Why units[i] made no card."""
    unit = units[i]
    for name, rule in RULES:
        if name in off and unit.kind in RULE_KINDS[name]:
            m = rule(units, i)
            if m is not None and m.drafts:
                return f"{_card(m.drafts[0])} would come from {name}, turned off by the setting {_setting_of(name)}"
    for name, _ in RULES:
        why = RULE_WHY.get(name)
        if why is None or name in off or unit.kind not in RULE_KINDS[name]:
            continue
        reason = why(units, i)
        if reason is not None:
            return reason
    if unit.kind == "heading":
        if is_reference_heading(unit.text):
            return "a reference section: its readings are no key points"
        return "a heading: it names the section of the cards under it"
    if unit.kind == "item" and (is_url(unit.text.strip()) or is_links_only(unit.text.strip())):
        return "only a link: a reading, not a fact"
    if unit.kind == "opaque":
        return "code, a formula, a table or HTML is never read (it can be a card's Extra)"
    if unit.kind == "quote":
        return "a quote: only a cloze in it makes a card"
    if unit.kind == "text" and is_title(unit.text.strip()):
        return "a title: it names the section below it"
    return "no rule matched"


def explain(note: Note, base: Options, line: int | None = None) -> list[str]:
    """One `path:line: …` message per card and per block that made no card (only those at
    `line`, when given)."""
    fm_line = note.meta_lines.get("flashgen", 2 if note.meta else 1)
    opts, problems = note_options(note.meta, base, SourceRef(note.display, fm_line))
    out = [str(p) for p in problems]
    if opts is None:
        return [*out, f"{note.display}:{fm_line}: no cards: frontmatter says flashgen: false"]
    units: Sequence[Unit] = outline(note.body, note.body_line)
    if units and units[0].kind == "text" and "heading_definition" not in opts.off:
        units = with_page_title(units, note)
    trace: Trace = []
    drafts, _ = find_drafts(units, opts.off, trace)
    kept = {id(d) for d, _ in drafts}
    starts = {i: (name, m) for i, name, m in trace}
    i = 0
    while i < len(units):
        unit = units[i]
        if i in starts:
            name, m = starts[i]
            end = max(m.next, i + 1)
            last = units[end - 1].end
            if line is None or unit.line <= line < max(last, unit.line + 1):
                for d in m.drafts:
                    out.append(
                        f"{note.display}:{d.line}: {name}: {_card(d)}{_dropped(d, kept, opts)}"
                    )
            i = end
            continue
        here = line is None or unit.line <= line < max(unit.end, unit.line + 1)
        if here and not unit.cont and (unit.kind != "heading" or unit.level > 0):
            out.append(f"{note.display}:{unit.line}: no card: {_why_not(units, i, opts.off)}")
        i += 1
    if line is not None and len(out) == len(problems):
        out.append(f"{note.display}:{line}: nothing here: a blank line or the frontmatter")
    return out


def _dropped(draft: Draft, kept: set[int], opts: Options) -> str:
    if id(draft) not in kept:
        return f" (dropped: '{normalise_term(draft.front)}' has an explicit definition)"
    if draft.kind not in opts.kinds:
        return f" (not made: {draft.kind} cards are turned off)"
    return ""
