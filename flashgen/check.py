"""The notes linter: every problem the build would report, plus hints about cards that will study badly."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from flashgen.build import extract_all
from flashgen.cards import Card, Note, Problem, SourceRef
from flashgen.extract import Options
from flashgen.extract.markup import strip_emphasis
from flashgen.extract.outline import outline
from flashgen.extract.terms import looks_like_term
from flashgen.extract.vault import prepare
from flashgen.media import MAX_MEDIA_BYTES, MediaFiles
from flashgen.project import Project
from flashgen.render import render

LONG_TERM_WORDS = 8
"""A definition's term or a key-points heading longer than this makes a vague question."""
LONG_BACK_WORDS = 80
"""A back longer than this is hard to recall in one go: a hint to split the card."""
_QUESTION_KINDS = ("definition", "key_points")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What `flashgen check` found."""

    problems: tuple[Problem, ...]
    """Sorted by file and line."""
    files: int
    """Note files looked at."""

    @property
    def errors(self) -> int:
        return sum(p.level == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.level == "warning" for p in self.problems)


def _words(text: str) -> int:
    return len(re.findall(r"\w+(?:[-'’]\w+)*", text))


def card_problems(cards: Sequence[Card]) -> Iterable[Problem]:
    """Problems that only show when looking at the cards: duplicates, empty or lopsided sides."""
    first: dict[tuple[str, str], Card] = {}
    for card in cards:
        if card.kind != "cloze":
            seen = first.setdefault((card.deck, card.term), card)
            if seen is not card:
                yield Problem(
                    card.source,
                    f"'{card.front}' is also a card at {seen.source} in deck '{card.deck}'; "
                    "the two would compete: rename or merge one",
                )
        if card.kind in ("definition", "qa") and not card.back.strip():
            yield Problem(card.source, f"'{card.front}' has an empty definition", "error")
        if card.kind in _QUESTION_KINDS and (n := _words(card.front)) > LONG_TERM_WORDS:
            yield Problem(
                card.source,
                f"term is {n} words long; a question this long is hard to recall: shorten it",
            )
        if (n := _words(card.back_text)) > LONG_BACK_WORDS:
            yield Problem(
                card.source,
                f"back of '{card.front}' is {n} words long; consider splitting it into smaller "
                "cards",
            )


def empty_definitions(note: Note, cards: Sequence[Card]) -> Iterable[Problem]:
    """`Term:` alone on its line with nothing after it before the next card or heading.

    A `Term:` line followed by text, code or a list is a lead-in, not an empty definition.
    """
    starts = {c.source.line for c in cards}
    units, _ = prepare(outline(note.body, note.body_line))  # as extraction reads the note
    # Each unit with the one after it (None after the last); an empty note has no units.
    for unit, after in zip_longest(units, units[1:]):
        text = unit.text.strip()
        if unit.kind not in ("text", "item") or not (unit.first and unit.last):
            continue
        if unit.line in starts or not text.endswith(":") or text.endswith("::"):
            continue
        if after is not None and after.kind != "heading" and after.line not in starts:
            continue
        term = strip_emphasis(strip_emphasis(text[:-1]).rstrip(":").strip())
        if looks_like_term(term):
            yield Problem(
                SourceRef(note.display, unit.line), f"'{term}' has no definition after ':'"
            )


def check_notes(
    paths: Sequence[Path],
    options: Options | None = None,
    max_media_bytes: int = MAX_MEDIA_BYTES,
    project: Project | None = None,
) -> CheckResult:
    """Read, extract and render every note without writing anything; collect every problem."""
    extractions = extract_all(paths, options, project=project)
    media = MediaFiles(max_media_bytes)
    problems: list[Problem] = []
    files: set[str] = set()
    cards: list[Card] = []
    for ex in extractions:
        if ex.note is not None:
            files.add(ex.note.display)
        files.update(p.source.path for p in ex.problems)
        problems.extend(ex.problems)
        cards.extend(ex.cards)
        if ex.note is not None:
            problems.extend(empty_definitions(ex.note, ex.cards))
        problems.extend(p for card in ex.cards for p in render(card, ex.note, media).problems)
    problems.extend(card_problems(cards))
    unique = sorted(dict.fromkeys(problems), key=lambda p: (p.source.path, p.source.line))
    return CheckResult(tuple(unique), len(files))
