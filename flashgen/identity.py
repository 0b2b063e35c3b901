"""Identity across builds: GUIDs, deck and note ids, content hashes, the lock file, mod times.

A card's GUID is a hash of its key (note identity, kind, normalised term): it never
depends on the text a student edits, so an edited definition updates the same Anki note.
The lock file adds memory: the modification time of each card's content (so Anki updates
exactly the cards that changed) and which cards existed before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from flashgen.errors import LockError

LOCK_NAME = "flashgen.lock.json"
LOCK_VERSION = 1
_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
State = Literal["live", "removed"]


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def guid_for(key: str) -> str:
    """Anki GUID for a card key: base91 of the first 8 bytes of sha256("flashgen:" + key)."""
    n = int.from_bytes(_digest("flashgen:" + key)[:8], "big")
    out = []
    while n:
        n, r = divmod(n, 91)
        out.append(_BASE91[r])
    return "".join(reversed(out)) or "a"


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
    """The card's front as last built, for rename matching and removed-card reports."""


@dataclass(frozen=True, slots=True)
class Lock:
    """The whole lock file."""

    cards: Mapping[str, LockEntry] = field(default_factory=dict)
    notetypes: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """Note type id → (hash of its CSS and templates, mod time)."""


def load_lock(path: Path) -> Lock:
    """Read the lock; a missing lock is an empty one, a damaged one an error (never reset)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock()
    except (OSError, UnicodeDecodeError) as exc:
        raise LockError(f"cannot read lock file {path}: {exc}") from exc
    try:
        data = json.loads(raw)
        version = data["version"]
        if not isinstance(version, int):
            raise TypeError("version")
        if version > LOCK_VERSION:
            raise LockError(
                f"lock file {path} was written by a newer flashgen (format {version}); "
                "upgrade flashgen, or run with --reset-lock to start a new lock"
            )
        cards = {
            str(k): LockEntry(
                guid=str(v["guid"]),
                deck=str(v["deck"]),
                source=str(v["source"]),
                hash=str(v["hash"]),
                mod=int(v["mod"]),
                state="removed" if v.get("state") == "removed" else "live",
                front=str(v.get("front", "")),
            )
            for k, v in data["cards"].items()
        }
        notetypes = {
            str(k): (str(v["hash"]), int(v["mod"])) for k, v in data.get("notetypes", {}).items()
        }
    except LockError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LockError(
            f"lock file {path} is damaged ({type(exc).__name__}: {exc}); fix it from version "
            "control, or run with --reset-lock to start a new one (review history is kept, "
            "but renamed cards made before the reset may come back as new)"
        ) from exc
    return Lock(cards, notetypes)


def dump_lock(lock: Lock) -> str:
    """Sorted, indented, one card per block: diff-friendly."""
    data = {
        "version": LOCK_VERSION,
        "notetypes": {k: {"hash": h, "mod": m} for k, (h, m) in sorted(lock.notetypes.items())},
        "cards": {
            k: {
                "guid": e.guid,
                "deck": e.deck,
                "source": e.source,
                "hash": e.hash,
                "mod": e.mod,
                "state": e.state,
                "front": e.front,
            }
            for k, e in sorted(lock.cards.items())
        },
    }
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def next_mod(previous: LockEntry | None, new_hash: str, now: int) -> int:
    """Unchanged content keeps its time; changed content gets a time newer than before."""
    if previous is None:
        return now
    if previous.hash == new_hash and previous.state == "live":
        return previous.mod
    return max(now, previous.mod + 1)


def updated_entry(previous: LockEntry | None, entry: LockEntry) -> LockEntry:
    """The lock entry for a card built now, its mod decided by `next_mod`."""
    return replace(entry, mod=next_mod(previous, entry.hash, entry.mod))
