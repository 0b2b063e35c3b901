"""Planning: this build's cards against the old lock → the new lock, and what changed.

Every build plans the same way, whatever it read: a card of an unchanged note comes as the
old lock has it (the build did not parse the note again), which plans to itself; a card
parsed now gets its key's GUID, or the GUID of the vanished card it continues (`rename`),
and a new mod time exactly when its content hash changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from flashgen.cards import Problem, SourceRef
from flashgen.decks import SOURCE_TAG_PREFIX
from flashgen.identity import REMOVED_TAG, LockEntry, content_hash, guid_for, next_mod
from flashgen.report import Change, Changes, DeckMove, Report

if TYPE_CHECKING:
    from flashgen import rename


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build writes and what it changes."""

    cards: Mapping[str, LockEntry]
    """The new lock's cards."""
    written: Sequence[LockEntry]
    """The cards for the packages: this build's in build order, then removed ones by key."""
    report: Report
    problems: tuple[Problem, ...] = ()
    """Ambiguous renames, each at the new card's source."""


def _source_ref(source: str) -> SourceRef:
    path, _, line = source.rpartition(":")
    return SourceRef(path, int(line)) if line.isdigit() else SourceRef(source, 1)


def _distinct(guids: Iterable[str]) -> bool:
    """Whether no two of `guids` are the same, found by sorting: a list of references takes
    a fifth of the memory of a set of them."""
    ordered = sorted(guids)
    return all(a != b for a, b in pairwise(ordered))


def _fresh_guid(key: str, used: set[str], natural: str = "") -> str:
    """The key's GUID (`natural`, when already made), unless a renamed card inherited it;
    then a derived one."""
    guid, n = natural or guid_for(key), 1
    while guid in used:
        n += 1
        guid = guid_for(f"{key}\x00{n}")
    return guid


def _ambiguity(a: rename.Ambiguity, cards: Mapping[str, LockEntry]) -> Problem:
    def show(key: str) -> str:
        return f'"{cards[key].front}" ({cards[key].source})'

    if len(a.old) > 1:
        what = f"this card is as close to {show(a.old[0])} as to {', '.join(map(show, a.old[1:]))}"
    else:
        what = f"{show(a.old[0])} is as close to this card as to {', '.join(map(show, a.rivals))}"
    return Problem(
        _source_ref(cards[a.new].source), f"ambiguous rename: {what}; made it a new card"
    )


def plan_lock(
    built: Iterable[tuple[str, LockEntry]],
    old: Mapping[str, LockEntry],
    now: int,
    prune: bool = False,
    taken: Iterable[str] = (),
) -> Plan:
    """Decide GUIDs (same key, else inherited by a rename, else fresh), times and removals.

    `built` (each card as built now, by key, in build order) is iterated more than once:
    a list, or a view that makes its pairs again each time. `prune` forgets the cards an earlier build marked removed; a card removed now is always
    written once with `flashgen::removed` first, so Anki hears of every removal. `taken`
    holds GUIDs in use outside `old` (a rebuild that plans only the notes that changed).
    """
    # The keys built now, and the old ones not built now (sorted), only against an old lock.
    current = {k for k, _ in built} if old else set()
    gone = sorted(k for k in old if k not in current)
    heirs, ambiguities = _renames(built, old, gone)
    inherited = set(heirs.values())
    cards, changes, kept, pruned = _old_cards(old, gone, inherited, now, prune)
    # The GUIDs in use, for a new card not to take one: needed only when some card is new.
    # A first build whose cards' own GUIDs all differ needs none (None): each card keeps
    # its own, and no set of every GUID is made (tens of megabytes for a large vault).
    used: set[str] | None = None
    if old or taken:
        if any(k not in old and k not in heirs for k, _ in built):
            used = {e.guid for e in cards.values()}
            used.update(taken)
            used.update(old[k].guid for k in current if k in old)
            used.update(old[k].guid for k in inherited)
    elif not _distinct(entry.guid or guid_for(key) for key, entry in built):
        used = set()
    written, moves = _settle(built, old, heirs, used, now, cards, changes)
    written.extend(cards[k] for k in kept)
    report = Report(
        Changes(changes),
        tuple(DeckMove(o, n, c, tuple(sorted(t))) for (o, n), (c, t) in sorted(moves.items())),
        pruned,
    )
    known = {**old, **dict(built)} if ambiguities else old
    ambiguous = tuple(_ambiguity(a, known) for a in ambiguities)
    return Plan(cards, written, report, ambiguous)


def _renames(
    built: Iterable[tuple[str, LockEntry]], old: Mapping[str, LockEntry], gone: Sequence[str]
) -> tuple[Mapping[str, str], Sequence[rename.Ambiguity]]:
    """Which new key continues which vanished one (new key → old key), and the ambiguous
    pairs (`gone`: the old keys not built now). A first build has nothing that vanished: no
    sketches to make, no pairs to score."""
    vanished = {k: old[k] for k in gone if old[k].state == "live"}
    arrived = [(k, e) for k, e in built if k not in old] if vanished else []
    if not arrived:
        return {}, ()
    from flashgen import rename  # only now: most rebuilds never rename

    matches = rename.match(
        (rename.sketch(k, e.model, e.fields) for k, e in vanished.items()),
        (rename.sketch(k, e.model, e.fields) for k, e in arrived),
    )
    return matches.pairs, matches.ambiguous


def _old_cards(
    old: Mapping[str, LockEntry], gone: Sequence[str], inherited: set[str], now: int, prune: bool
) -> tuple[dict[str, LockEntry], list[Change | LockEntry], list[str], int]:
    """The old lock's cards not built now (`gone`, in key order) and not renamed: a live one is removed now (tagged
    `flashgen::removed`, reported), a removed one kept or, with `prune`, forgotten. Returns
    the new lock's cards so far, the changes, the kept keys in key order, and how many were
    pruned."""
    cards: dict[str, LockEntry] = {}
    changes: list[Change | LockEntry] = []
    pruned = 0
    kept: list[str] = []  # old cards not built now, in key order
    for key in gone:
        if key in inherited:
            continue
        entry = old[key]
        kept.append(key)
        if entry.state == "live":
            changes.append(Change("removed", entry.deck, entry.front, entry.source))
            tags = tuple(sorted({*entry.tags, REMOVED_TAG}))
            removed = replace(entry, state="removed", tags=tags)
            removed = replace(removed, hash=content_hash(removed.parts))
            cards[key] = replace(removed, mod=next_mod(entry, removed.hash, now))
        elif prune:
            pruned += 1
            kept.pop()
        else:
            cards[key] = entry
    return cards, changes, kept, pruned


Moves = dict[tuple[str, str], tuple[int, set[str]]]
"""(old deck, new deck) → how many cards moved, and their notes' source tags."""


def _settle(
    built: Iterable[tuple[str, LockEntry]],
    old: Mapping[str, LockEntry],
    heirs: Mapping[str, str],
    used: set[str] | None,
    now: int,
    cards: dict[str, LockEntry],
    changes: list[Change | LockEntry],
) -> tuple[list[LockEntry], Moves]:
    """Each card built now, with its GUID and mod time settled, added to `cards` and to the
    list written (in build order); its change added to `changes`. Returns that list and the
    deck moves."""
    written: list[LockEntry] = []
    moves: Moves = {}
    for key, entry in built:
        previous = old.get(key) or old.get(heirs.get(key, ""))
        if previous is entry:
            # A card the lock stands in for (an unchanged note's): it plans to itself.
            cards[key] = entry
            written.append(entry)
            continue
        if previous is None:
            if used is None:
                guid = entry.guid or guid_for(key)
            else:
                guid = _fresh_guid(key, used, entry.guid)
                used.add(guid)
            changes.append(entry)  # made a Change when the report is read
        else:
            guid = previous.guid
            change = _change(key, entry, previous, key in heirs)
            if change is not None:
                changes.append(change)
            if previous.deck != entry.deck:
                count, tags = moves.get((previous.deck, entry.deck), (0, set()))
                tags.update(t for t in entry.tags if t.startswith(SOURCE_TAG_PREFIX))
                moves[(previous.deck, entry.deck)] = (count + 1, tags)
        e = entry
        mod = next_mod(previous, e.hash, now)
        if guid != e.guid or mod != e.mod:
            # LockEntry(...) directly: dataclasses.replace is slow over 50,000 cards
            e = LockEntry(
                guid, e.deck, e.source, e.hash, mod, e.state, e.front, e.model, e.fields, e.tags
            )
        cards[key] = e  # (a new card with its key's GUID is the entry as built)
        written.append(e)
    return written, moves


def _change(key: str, entry: LockEntry, previous: LockEntry, renamed: bool) -> Change | None:
    """What happened to a card that was in the old lock (under its key or, `renamed`, under
    the key it continues); None when nothing changed."""
    if renamed:
        return Change(
            "renamed", entry.deck, entry.front, entry.source, previous.front, previous.source
        )
    if previous.state == "removed" or previous.hash != entry.hash:
        return Change(
            "changed",
            entry.deck,
            entry.front,
            entry.source,
            was_source=previous.source if previous.source != entry.source else "",
            restored=previous.state == "removed",
        )
    return None
