"""A rebuild that plans only the notes that changed.

When the lock file is still the one the last build wrote and the content cache was saved
by that same build, every unchanged note's cards are in the lock exactly as planning them
again would leave them (same key, same content, so same GUID and mod time). Only the
changed and deleted notes' cards need `plan_lock`; every other card keeps its block of
text in the lock file, and only packages that hold a changed card are assembled again
(a large one whose collection was kept is changed in place: only its changed notes).
The result is the one a whole plan gives (a test builds both ways and compares bytes;
in-place packages row by row); when any assumption does not hold, `plan_changed` returns
None and the build plans all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import overload

from flashgen import anki
from flashgen.cache import CachedNote, CacheError, LockIndex, LockMirror, Spans
from flashgen.cards import Problem
from flashgen.decks import slug, top_level
from flashgen.identity import LockEntry, plan_lock
from flashgen.report import Report
from flashgen.work import NoteWork

PackageInput = tuple[Sequence[anki.PackageNote], dict[str, Path]]
"""One package's notes in build order, and its media by name."""
Assembled = tuple[list[anki.PackageNote], dict[str, Path]]
"""A package's notes as a rebuild assembles them (a `PackageInput`)."""
PackageUpdate = tuple[
    list[anki.PackageNote], frozenset[str], dict[str, Path], Callable[[], PackageInput]
]
"""A large package changed in place: notes to write over, the GUIDs it keeps, its media,
and how to assemble it whole instead (when its kept collection turns out damaged)."""


@dataclass(frozen=True)
class Step:
    """What planning decided, for `build_decks` to write."""

    report: Report
    problems: tuple[Problem, ...]
    """The notes' own problems, then their images', then the plan's (ambiguous renames)."""
    packages: dict[str, PackageInput]
    """File key → content, for every package that may have changed."""
    kept: frozenset[str]
    """File keys of packages known unchanged since the last build (not assembled)."""
    stale: frozenset[str]
    """File keys of packages that no longer have any card."""
    write_lock: Callable[[Path, Callable[[], object]], None] | None
    """Writes the new lock file (through the mirror), calling the function it is given
    before the file takes the lock's name; None when the lock stays as it is."""
    counts: tuple[int, int]
    """Cards and decks built."""
    media: tuple[str, ...]
    """Image files this build's cards use."""
    volatile: bool
    """Some card has an image problem (an image may appear later) or the plan warned (an
    ambiguous rename, which the next plan does not meet again): never skip the next build."""
    notetypes_mod: dict[anki.ModelName, int]
    """Each note type's modification time in the packages."""
    updates: dict[str, PackageUpdate] = field(default_factory=dict)
    """File key → changes to a large package's kept collection (`anki.update_package`)."""
    left: frozenset[str] = frozenset()
    """File keys of packages a partial build leaves as they are: none of its notes' cards
    are in them (`project.Project.scope`)."""


@lru_cache(maxsize=4096)
def file_key(deck: str) -> str:
    """The package (file name without `.apkg`) a deck's cards go to."""
    return slug(top_level(deck))


def package_note(e: LockEntry) -> anki.PackageNote:
    model: anki.ModelName = "cloze" if e.model == "cloze" else "basic"
    return anki.PackageNote(e.guid, model, e.deck, e.fields, e.tags, e.mod)


class PackageNotes(Sequence[anki.PackageNote]):
    """Lock entries as package notes, each made when it is read: a whole plan does not
    hold a package note for every card of a large vault while it writes."""

    __slots__ = ("entries",)

    def __init__(self, entries: Sequence[LockEntry]) -> None:
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    @overload
    def __getitem__(self, i: int) -> anki.PackageNote: ...
    @overload
    def __getitem__(self, i: slice) -> PackageNotes: ...
    def __getitem__(self, i: int | slice) -> anki.PackageNote | PackageNotes:
        if isinstance(i, slice):
            return PackageNotes(self.entries[i])
        return package_note(self.entries[i])

    def __iter__(self) -> Iterator[anki.PackageNote]:
        return map(package_note, self.entries)


def plan_changed(
    hits: Sequence[CachedNote | None],
    parsed: Mapping[int, NoteWork],
    index: LockIndex,
    mirror: LockMirror,
    now: int,
    suspect: frozenset[str],
    known_packages: frozenset[str],
    made: Mapping[int, Sequence[tuple[str, LockEntry]]],
    in_place: frozenset[str] = frozenset(),
) -> Step | None:
    """Plan a rebuild from the changed notes alone; None when it cannot be done exactly.

    `hits[i]` is note i's cache entry (None: it was parsed now, into `parsed[i]`);
    `suspect` are packages whose file is not as the last build left it; `known_packages`
    those the last build wrote; `in_place` those whose collection was kept, as written,
    to be changed in place rather than written whole; `made[i]` is parsed note i's cards
    as the lock would keep them before planning, by key (`build.note_part`).
    """
    models: tuple[anki.ModelName, ...] = ("basic", "cloze")
    for model in models:
        old = index.notetypes.get(str(anki.MODEL_IDS[model]))
        if old is None or old[0] != anki.notetype_hash(model):
            return None  # a new look of the note types: every package changes
    unchanged: set[str] = set()
    count = 0
    for hit in hits:
        if hit is not None:
            unchanged.update(hit.keys)
            count += len(hit.keys)
    spans = index.spans
    rows = spans.at
    if len(unchanged) != count or not unchanged <= rows.keys():
        return None
    removed = spans.removed()
    if not unchanged.isdisjoint(removed):
        return None
    built: list[tuple[str, LockEntry]] = []
    problems: list[Problem] = []
    image_problems: list[Problem] = []
    for i, hit in enumerate(hits):
        problems.extend(hit.problems if hit is not None else parsed[i].problems)
    for i in sorted(parsed):
        built.extend(made[i])
        image_problems.extend(p for r in parsed[i].rendered for p in r.problems)
    built_keys = {k for k, _ in built}
    if len(built_keys) != len(built) or not built_keys.isdisjoint(unchanged):
        return None
    # The live cards of the changed and deleted notes, and any card built now (set
    # operations: this runs over every card of a large lock).
    wanted = ((rows.keys() - unchanged - removed) | built_keys) & rows.keys()
    relevant = {k: index.entry(k) for k in sorted(wanted)}
    plan = plan_lock(built, relevant, now, False, set(spans.guids))

    # The lock's keys are in order already: only the new ones need placing.
    keys = [k for k in spans.keys if k not in relevant or k in plan.cards]
    keys += (k for k in plan.cards if k not in rows)
    keys.sort()

    # Cards whose text in the lock changes; every other card keeps its bytes as they are.
    edits = {k: e for k, e in plan.cards.items() if relevant.get(k) != e}
    changed = bool(edits) or bool(relevant.keys() - plan.cards.keys())

    def write_lock(lock_path: Path, before_rename: Callable[[], object]) -> None:
        mirror.write_edits(lock_path, keys, edits, index.notetypes, before_rename)

    # Which packages can differ: those of every card planned now (old and new decks), those
    # whose file is not as it was left, and any the last build did not write.
    lock_decks = set(spans.decks)
    affected = {file_key(e.deck) for e in plan.cards.values()}
    affected.update(file_key(e.deck) for e in relevant.values())
    affected.update(suspect)
    affected.update({file_key(d) for d in lock_decks} - known_packages)
    live_entry: Callable[[str], LockEntry] = lambda k: plan.cards.get(k) or index.entry(k)
    quick = (affected & in_place) - suspect
    assembled = _assemble(
        hits, parsed, affected, quick, plan.cards, spans, live_entry, keys, unchanged
    )
    packages: dict[str, PackageInput] = {
        fk: v for fk, v in assembled.items() if v[0] and fk not in quick
    }

    def whole(fk: str) -> PackageInput:
        made = _assemble(hits, parsed, {fk}, set(), plan.cards, spans, live_entry, keys, unchanged)
        return made.get(fk, ([], {}))

    updates, same, empty = _updates(
        quick, keys, spans, relevant, plan.cards, edits, assembled, whole
    )
    decks = {deck for hit in hits if hit is not None and (deck := _deck_of(hit, spans))}
    decks.update(c.deck for w in parsed.values() for c in w.cards)
    media = {p for hit in hits if hit is not None for _, _, p in hit.media}
    media.update(str(m.path) for w in parsed.values() for r in w.rendered for m in r.media)
    old_keys = {file_key(d) for d in lock_decks}
    return Step(
        plan.report,
        (*problems, *image_problems, *plan.problems),
        packages,
        frozenset((old_keys - affected) | same),
        frozenset(k for k in affected & old_keys if k not in packages and k not in quick) | empty,
        write_lock if changed else None,
        (len(unchanged) + len(built_keys), len(decks)),  # disjoint: checked above
        tuple(sorted(media)),
        bool(image_problems or plan.problems),
        {m: index.notetypes[str(anki.MODEL_IDS[m])][1] for m in models},
        updates=updates,
    )


def _updates(
    quick: set[str],
    keys: Sequence[str],
    spans: Spans,
    relevant: Mapping[str, LockEntry],
    planned: Mapping[str, LockEntry],
    edits: Mapping[str, LockEntry],
    assembled: Mapping[str, PackageInput],
    whole: Callable[[str], PackageInput],
) -> tuple[dict[str, PackageUpdate], frozenset[str], frozenset[str]]:
    """For the packages changed in place: what changes in each, those where nothing does,
    and those left without a card (to delete)."""
    if not quick:
        return {}, frozenset(), frozenset()
    live: dict[str, set[str]] = {fk: set() for fk in quick}
    for k in keys:
        e = planned.get(k)
        if e is not None:
            guid, deck = e.guid, e.deck
        else:
            row = spans.at[k]
            guid, deck = spans.guids[row], spans.decks[row]
        held = live.get(file_key(deck))
        if held is not None:
            held.add(guid)
    upserts: dict[str, list[anki.PackageNote]] = {fk: [] for fk in quick}
    for e in edits.values():
        todo = upserts.get(file_key(e.deck))
        if todo is not None and e.fields:
            todo.append(package_note(e))
    left = {  # packages a card left (to another package, or out of the lock)
        file_key(old.deck)
        for k, old in relevant.items()
        if k not in planned or file_key(planned[k].deck) != file_key(old.deck)
    }
    updates: dict[str, PackageUpdate] = {}
    same, empty = set(), set()
    for fk in quick:
        if not live[fk]:
            empty.add(fk)
        elif upserts[fk] or fk in left:
            media = assembled.get(fk, ([], {}))[1]
            updates[fk] = (upserts[fk], frozenset(live[fk]), media, partial(whole, fk))
        else:
            same.add(fk)
    return updates, frozenset(same), frozenset(empty)


def _assemble(
    hits: Sequence[CachedNote | None],
    parsed: Mapping[int, NoteWork],
    affected: set[str],
    media_only: set[str],
    planned: Mapping[str, LockEntry],
    spans: Spans,
    entry: Callable[[str], LockEntry],
    keys: Sequence[str],
    unchanged: AbstractSet[str],
) -> dict[str, Assembled]:
    """The affected packages' notes in the order a whole build writes them: this build's
    cards in file order, then removed cards by key (those that still have fields); for
    `media_only` packages, only their media. `unchanged` are the unchanged notes' keys."""
    out: dict[str, Assembled] = {}
    whole = affected - media_only

    rows, lock_decks = spans.at, spans.decks

    def deck_of(k: str) -> str:
        e = planned.get(k)
        return e.deck if e is not None else lock_decks[rows[k]]

    def add(k: str) -> None:
        fk = file_key(deck_of(k))
        if fk in whole:
            e = entry(k)
            if e.fields:
                out.setdefault(fk, ([], {}))[0].append(package_note(e))

    # An unchanged note's cards are not planned: their decks are the lock's.
    decks = {d for d in set(lock_decks) if file_key(d) in whole}
    current: set[str] = set()  # the changed notes' keys (the unchanged ones are given)
    for i, hit in enumerate(hits):
        if hit is not None:
            if _deck_of(hit, spans) in decks:
                _add_unchanged(hit, spans, decks, out, add)
            for n, name, path in hit.media:
                fk = file_key(lock_decks[rows[hit.keys[n]]])
                if fk in affected:
                    out.setdefault(fk, ([], {}))[1][name] = Path(path)
        else:
            for r in parsed[i].rendered:
                add(r.card.key)
                current.add(r.card.key)
                fk = file_key(r.card.deck)
                if fk in affected:
                    for m in r.media:
                        out.setdefault(fk, ([], {}))[1][m.name] = m.path
    for k in keys:
        if k not in unchanged and k not in current:
            add(k)
    return out


def _deck_of(hit: CachedNote, spans: Spans) -> str:
    """The deck of an unchanged note's cards in the lock ("" if it has none). A note's cards
    all go to one deck, and the lock and the cache were saved by the same build: its first
    card's deck is every card's (a look at one card instead of each, in a 40,000-card lock)."""
    return spans.decks[spans.at[hit.keys[0]]] if hit.keys else ""


def _add_unchanged(
    hit: CachedNote,
    spans: Spans,
    decks: set[str],
    out: dict[str, Assembled],
    add: Callable[[str], None],
) -> None:
    """An unchanged note's cards in affected decks, as package notes. Its cached work and the
    lock were saved by the same build, so the work's fields and tags are the lock's, and the
    lock index has the GUID and mod time: no card's JSON is parsed (a 40,000-card deck)."""
    try:
        outputs = hit.outputs()
    except CacheError:
        outputs = []
    rows = spans.at
    if len(outputs) != len(hit.keys):
        for k in hit.keys:  # the cached work is damaged: the lock has every card whole
            if spans.decks[rows[k]] in decks:
                add(k)
        return
    for k, (deck, model, fields, tags) in zip(hit.keys, outputs, strict=True):
        row = rows[k]
        if spans.decks[row] in decks and fields:
            kind: anki.ModelName = "cloze" if model == "cloze" else "basic"
            note = anki.PackageNote(spans.guids[row], kind, deck, fields, tags, spans.mods[row])
            out.setdefault(file_key(deck), ([], {}))[0].append(note)
