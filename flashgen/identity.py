"""Identity across builds: GUIDs, deck and note ids, content hashes, mod times.

A card's GUID is a hash of its key (note identity, kind, normalised term): it never
depends on the text a student edits, so an edited definition updates the same Anki note.
The lock file (`lockfile`) adds memory: the modification time of each card's content (so
Anki updates exactly the cards that changed), the GUIDs that renamed cards inherited (see
`rename`), and the last fields of every card, so a removed card can still be written with
the tag `flashgen::removed`. `plan.plan_lock` turns this build's cards and the old lock
into the new lock.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

REMOVED_TAG = "flashgen::removed"
_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
State = Literal["live", "removed"]


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


_BASE91_PAIRS = tuple(a + b for a in _BASE91 for b in _BASE91)
"""Two base91 digits at a time: half the divisions (a first build makes 40,000 GUIDs)."""


def guid_for(key: str) -> str:
    """Anki GUID for a card key: base91 of the first 8 bytes of sha256("flashgen:" + key)."""
    return base91(int.from_bytes(_digest("flashgen:" + key)[:8], "big"))


def base91(n: int) -> str:
    """`n` in base 91 (digits `_BASE91`, most significant first, no leading zero digit)."""
    out = []
    while n:
        n, r = divmod(n, 8281)
        out.append(_BASE91_PAIRS[r])
    # Only the top pair can start with a zero digit ("a"); 0 itself is "a".
    return "".join(reversed(out)).lstrip("a") or "a"


@lru_cache(maxsize=8192)
def deck_id(name: str) -> int:
    """A stable deck id from the deck name (positive, below 2**53)."""
    return (1 << 40) + int.from_bytes(_digest("deck:" + name)[:6], "big")


def note_id(guid: str) -> int:
    """A stable note id from the GUID, so the same notes give the same package bytes."""
    return (1 << 41) + int.from_bytes(_digest("note:" + guid)[:6], "big")


def card_id(guid: str, ord_: int) -> int:
    return (1 << 41) + int.from_bytes(_digest(f"card:{guid}:{ord_}")[:6], "big")


def content_hash(parts: Iterable[str]) -> str:
    """Hash of everything that lands in the package for one note: fields, tags, deck."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


_SOURCE_FIELD = {"basic": 4, "cloze": 3}
"""Index of the Source field in each note type's fields."""
_LINE_SUFFIX = re.compile(r":\d+$")


@dataclass(frozen=True, slots=True)
class LockEntry:
    """What the lock remembers of one card."""

    guid: str
    deck: str
    source: str
    """`path:line` of the card when it was last built."""
    hash: str
    """`content_hash` of what was written."""
    mod: int
    """Unix time the content last changed: the note's modification time in the package."""
    state: State = "live"
    front: str = ""
    """The card's front (markdown) as last built, for the change report."""
    model: str = ""
    """Note type: `basic` or `cloze` (empty in a version 1 lock)."""
    fields: tuple[str, ...] = ()
    """The rendered fields as last written: a removed card is written again with them."""
    tags: tuple[str, ...] = ()
    """The tags as last written (a removed card's include `flashgen::removed`)."""

    @property
    def parts(self) -> tuple[str, ...]:
        """What `hash` is computed from: everything written, except the Source field's line.

        A card that only moved within its file (a card added above it) is not changed: its
        mod time stays, so Anki does not update it and the report does not list it. The
        line in Anki's Source field is refreshed the next time the card's content changes.
        """
        fields = list(self.fields)
        at = _SOURCE_FIELD.get(self.model)
        if at is not None and at < len(fields):
            fields[at] = _LINE_SUFFIX.sub("", fields[at])
        return (self.model, self.deck, *fields, *self.tags)


@dataclass(frozen=True, slots=True)
class Held:
    """What a sync target (an Anki collection) holds of one flashgen note."""

    hash: str
    """The `LockEntry.hash` of the note as last synced."""
    deck: str
    nid: int | None = None
    """Anki's note id, where the target cannot find a note by its GUID (AnkiConnect)."""


@dataclass(frozen=True, slots=True)
class Target:
    """What one sync target holds: written by `flashgen sync`, kept as is by a build."""

    cards: Mapping[str, Held] = field(default_factory=dict)
    """By GUID."""
    notetypes: Mapping[str, str] = field(default_factory=dict)
    """Note type (`basic`, `cloze`) → `anki.notetype_hash` as last installed."""
    media: tuple[str, ...] = ()
    """Media file names stored, sorted."""


@dataclass(frozen=True, slots=True)
class Lock:
    """The whole lock file."""

    cards: Mapping[str, LockEntry] = field(default_factory=dict)
    notetypes: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """Note type id → (hash of its CSS and templates, mod time)."""
    targets: Mapping[str, Target] = field(default_factory=dict)
    """Sync target id (`collection:PATH`, `ankiconnect:URL#profile`) → what it holds."""


def next_mod(previous: LockEntry | None, new_hash: str, now: int) -> int:
    """Unchanged content keeps its time; changed content gets a time newer than before."""
    if previous is None:
        return now
    if previous.hash == new_hash:
        return previous.mod
    return max(now, previous.mod + 1)


def card_entry(
    key: str,
    *,
    model: str,
    deck: str,
    fields: Sequence[str],
    tags: Sequence[str],
    source: str,
    front: str,
    now: int,
) -> LockEntry:
    """A card as built now, with its key's GUID and the build's time: `plan_lock` decides
    both (a renamed card inherits a GUID, a clash takes another, an unchanged card keeps
    its time)."""
    fields, tags = tuple(fields), tuple(tags)
    at = _SOURCE_FIELD.get(model)
    if at is not None and at < len(fields):  # as LockEntry.parts has them, made once
        shown = list(fields)
        shown[at] = _LINE_SUFFIX.sub("", shown[at])
        digest = content_hash((model, deck, *shown, *tags))
    else:
        digest = content_hash((model, deck, *fields, *tags))
    return LockEntry(guid_for(key), deck, source, digest, now, "live", front, model, fields, tags)
