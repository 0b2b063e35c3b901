"""The sync plan: the lock (what the notes give now) against a target's record (what that
Anki collection holds) → what to add, update, move and delete there.

The lock is the build's plan (`plan.plan_lock`); this only compares it with what the lock
records of the target, so a sync after a build, a build after a sync and syncs into several
collections all agree. `Recorder` keeps the record up to date as each change is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from flashgen import anki
from flashgen.identity import Held, Lock, LockEntry, Target
from flashgen.sync.changes import Applied


@dataclass(frozen=True, slots=True)
class Update:
    """A note the target holds in an older version (content, tags or deck)."""

    entry: LockEntry
    held: Held

    @property
    def moved(self) -> bool:
        return self.held.deck != self.entry.deck


@dataclass(frozen=True, slots=True)
class Delete:
    """A note the target holds whose card is gone from the notes (or was pruned)."""

    guid: str
    held: Held
    entry: LockEntry | None = None
    """The removed card, while the lock still has it."""


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """What one sync changes in one target."""

    add: tuple[LockEntry, ...] = ()
    update: tuple[Update, ...] = ()
    delete: tuple[Delete, ...] = ()
    notetypes: tuple[anki.ModelName, ...] = ()
    """Note types to install, or whose CSS and templates changed."""
    media: Mapping[str, Path] = field(default_factory=dict)
    """Media files to store, by name."""
    forget: tuple[str, ...] = ()
    """GUIDs the record holds that the lock pruned, left in Anki (`--keep-removed`)."""
    unwritable: int = 0
    """Cards the lock holds without their note type and fields (a version 1 lock's):
    neither added nor updated."""

    @property
    def empty(self) -> bool:
        return not (
            self.add or self.update or self.delete or self.notetypes or self.media or self.forget
        )

    @property
    def changes(self) -> int:
        """How many notes and note types change (the progress total)."""
        return len(self.add) + len(self.update) + len(self.delete) + len(self.notetypes)


def plan_sync(
    lock: Lock, target: Target, media: Mapping[str, Path], *, keep_removed: bool = False
) -> SyncPlan:
    """What to change in `target` for it to hold the lock's cards.

    A live card is added when the target lacks it and updated when its content hash (which
    covers fields, tags and deck) differs. A removed card is deleted, or with
    `keep_removed` updated to its last version, tagged `flashgen::removed` (never added).
    A card the lock no longer has (pruned) is deleted, or forgotten with `keep_removed`.
    `media`: every image the cards use, by name; those not stored yet are added.
    """
    held = target.cards
    add: list[LockEntry] = []
    update: list[Update] = []
    delete: list[Delete] = []
    models: set[str] = set()
    guids: set[str] = set()
    unwritable = 0
    for entry in lock.cards.values():
        guids.add(entry.guid)
        had = held.get(entry.guid)
        if entry.state == "removed" and not keep_removed:
            if had is not None:
                delete.append(Delete(entry.guid, had, entry))
            continue
        if not _writable(entry):
            unwritable += had is None or had.hash != entry.hash
            continue
        if had is None:
            if entry.state == "live":
                add.append(entry)
                models.add(entry.model)
        elif had.hash != entry.hash:
            update.append(Update(entry, had))
            models.add(entry.model)
    gone = sorted(g for g in held if g not in guids)
    forget: tuple[str, ...] = ()
    if keep_removed:
        forget = tuple(gone)
    else:
        delete.extend(Delete(g, held[g]) for g in gone)
    kinds = tuple(
        cast(anki.ModelName, m)
        for m in sorted(models | {e.model for e in lock.cards.values() if e.guid in held})
        if m in anki.MODEL_IDS
        and target.notetypes.get(m) != anki.notetype_hash(cast(anki.ModelName, m))
    )
    stored = set(target.media)
    return SyncPlan(
        tuple(sorted(add, key=_order)),
        tuple(sorted(update, key=lambda u: _order(u.entry))),
        tuple(sorted(delete, key=lambda d: d.guid)),
        kinds,
        {name: path for name, path in sorted(media.items()) if name not in stored},
        forget,
        unwritable,
    )


def _writable(entry: LockEntry) -> bool:
    """Whether the lock holds what it takes to write the card's note: its note type and
    every field (a version 1 lock's cards have neither until their note is built again)."""
    model = entry.model
    if model not in anki.MODEL_IDS:
        return False
    return len(entry.fields) == len(anki.notetype_spec(cast(anki.ModelName, model)).fields)


def _order(entry: LockEntry) -> tuple[str, str]:
    return entry.deck, entry.source


class Recorder:
    """The target's record, kept as changes are applied: the lock then says what the
    target really holds, even when a sync stops half way."""

    def __init__(self, target: Target) -> None:
        self.cards = dict(target.cards)
        self.notetypes = dict(target.notetypes)
        self.media = set(target.media)

    def held(self, entry: LockEntry, nid: int | None = None) -> None:
        self.cards[entry.guid] = Held(entry.hash, entry.deck, nid)

    def dropped(self, guid: str) -> None:
        self.cards.pop(guid, None)

    def notetype(self, model: anki.ModelName) -> None:
        self.notetypes[model] = anki.notetype_hash(model)

    def stored(self, name: str) -> None:
        self.media.add(name)

    def target(self) -> Target:
        return Target(
            dict(sorted(self.cards.items())),
            dict(sorted(self.notetypes.items())),
            tuple(sorted(self.media)),
        )


def preview(plan: SyncPlan) -> Applied:
    """What applying `plan` would report (`--dry-run`)."""
    out = Applied()
    for entry in plan.add:
        out.added += 1
        out.card("added", entry.deck, entry.front)
    for u in plan.update:
        if u.entry.state == "removed":
            out.tagged += 1
            out.card("tagged flashgen::removed", u.entry.deck, u.entry.front)
        elif u.moved:
            out.moved += 1
            out.card("moved", u.entry.deck, u.entry.front, u.held.deck)
        else:
            out.updated += 1
            out.card("updated", u.entry.deck, u.entry.front)
    for d in plan.delete:
        out.deleted += 1
        out.card("deleted", d.held.deck, d.entry.front if d.entry else d.guid)
    out.media = len(plan.media)
    out.notetypes = len(plan.notetypes)
    return out
