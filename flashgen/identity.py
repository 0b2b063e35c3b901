"""Identity across builds: GUIDs, deck and note ids, content hashes, the lock file, mod times.

A card's GUID is a hash of its key (note identity, kind, normalised term): it never
depends on the text a student edits, so an edited definition updates the same Anki note.
The lock file adds memory: the modification time of each card's content (so Anki updates
exactly the cards that changed), the GUIDs that renamed cards inherited (see `rename`),
and the last fields of every card, so a removed card can still be written with the tag
`flashgen::removed`. `plan_lock` turns this build's cards and the old lock into the new lock.
"""

from __future__ import annotations

import errno
import hashlib
import json
import mmap
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

from flashgen.cards import Problem, SourceRef
from flashgen.decks import SOURCE_TAG_PREFIX
from flashgen.errors import LockError
from flashgen.notes import display_path
from flashgen.report import Change, Changes, DeckMove, Report

if TYPE_CHECKING:
    from flashgen import rename

LOCK_VERSION = 2
"""2 added each card's note type, fields and tags; version 1 locks are still read."""
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
    fields: Sequence[str] = ()
    """The rendered fields as last written: a removed card is written again with them (a
    tuple, or a `fields.FieldsRef` to them in the content cache during a large build)."""
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
class Lock:
    """The whole lock file."""

    cards: Mapping[str, LockEntry] = field(default_factory=dict)
    notetypes: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """Note type id → (hash of its CSS and templates, mod time)."""


def file_identity(st: os.stat_result) -> str:
    """What tells one written file from any other: size, modification time and inode (a
    file written again, or copied or checked out over it, differs in one of them)."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


@overload
def read_lock_file(path: Path) -> tuple[bytes, str] | None: ...
@overload
def read_lock_file(path: Path, *, mapped: bool) -> tuple[bytes | mmap.mmap, str] | None: ...
def read_lock_file(path: Path, *, mapped: bool = False) -> tuple[bytes | mmap.mmap, str] | None:
    """The lock file's bytes and `file_identity`; None when there is no lock yet.

    `mapped` maps the bytes instead, read only where they are used (a rebuild reads a few
    cards of a 30 MB lock), where a mapped file may be replaced (POSIX)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if mapped and st.st_size and os.name == "posix":
                return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ), file_identity(st)
            return fh.read(), file_identity(st)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockError(f"cannot read lock file {display_path(path)}: {exc}") from exc


def read_lock_bytes(path: Path) -> bytes | None:
    """The lock file's bytes; None when there is no lock yet."""
    found = read_lock_file(path)
    return None if found is None else found[0]


def load_lock(path: Path) -> Lock:
    """Read the lock; a missing lock is an empty one, a damaged one an error (never reset)."""
    raw = read_lock_bytes(path)
    return Lock() if raw is None else parse_lock(raw, path)


def parse_lock(raw_bytes: bytes, path: Path) -> Lock:
    """The lock file's text → Lock; a damaged or newer lock is a LockError naming the file."""
    try:
        raw = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockError(f"cannot read lock file {display_path(path)}: {exc}") from exc
    try:
        data = json.loads(raw)
        version = data["version"]
        if not isinstance(version, int):
            raise TypeError("version")
        if version > LOCK_VERSION:
            raise LockError(
                f"lock file {display_path(path)} was written by a newer flashgen (format {version}); "
                "upgrade flashgen, or run with --reset-lock to start a new lock"
            )
        cards = {str(k): entry_from_json(v) for k, v in data["cards"].items()}
        notetypes = {
            str(k): (str(v["hash"]), int(v["mod"])) for k, v in data.get("notetypes", {}).items()
        }
    except LockError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LockError(
            f"lock file {display_path(path)} is damaged ({type(exc).__name__}: {exc}); fix it from version "
            "control, or run with --reset-lock to start a new one (review history is kept, "
            "but renamed cards made before the reset may come back as new)"
        ) from exc
    return Lock(cards, notetypes)


def entry_from_json(v: dict[str, object]) -> LockEntry:
    """One card of the lock file's JSON → LockEntry (a KeyError/TypeError/ValueError if damaged)."""
    # Positional arguments: this runs once per card, 50,000 times for a big vault.
    return LockEntry(
        str(v["guid"]),
        str(v["deck"]),
        str(v["source"]),
        str(v["hash"]),
        int(v["mod"]),  # type: ignore[call-overload]
        "removed" if v.get("state") == "removed" else "live",
        str(v.get("front", "")),
        str(v.get("model", "")),
        _strings(v.get("fields", []), "fields"),
        _strings(v.get("tags", []), "tags"),
    )


def _strings(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a list of strings")
    return tuple(value)


LOCK_HEAD = b'{\n "cards": {'
"""The lock file's first bytes; card blocks follow, joined by commas, then `lock_tail`."""


def lock_tail(notetypes: Mapping[str, tuple[str, int]], has_cards: bool) -> bytes:
    """The lock file's bytes after the last card block."""
    q = _quote
    types = sorted(notetypes.items())
    if types:
        text = ",\n".join(
            f'  {q(k)}: {{\n   "hash": {q(h)},\n   "mod": {int(m)}\n  }}' for k, (h, m) in types
        )
        kinds = f' "notetypes": {{\n{text}\n }},\n'
    else:
        kinds = ' "notetypes": {},\n'
    close = "\n },\n" if has_cards else "},\n"
    return f'{close}{kinds} "version": {LOCK_VERSION}\n}}\n'.encode()


def lock_pieces(
    blocks: Iterable[bytes],
    notetypes: Mapping[str, tuple[str, int]],
    placed: Callable[[int, int], object] | None = None,
) -> Iterator[bytes]:
    """The lock file's bytes, piece by piece (a large lock is never held whole in memory),
    from each card's block (`card_block`) given in key order; tells `placed(start, end)`
    where each block lands (so the next build can take unchanged cards' text as it is)."""
    yield LOCK_HEAD
    at = len(LOCK_HEAD)
    first = True
    for block in blocks:
        if not first:
            yield b","
            at += 1
        first = False
        yield block
        if placed is not None:
            placed(at, at + len(block))
        at += len(block)
    yield lock_tail(notetypes, not first)


def dump_lock(lock: Lock) -> str:
    """Sorted, indented, one card per block and one field per line: diff-friendly.

    Written by hand, not by `json.dumps(indent=...)` (whose pure-Python encoder dominated a
    rebuild of a large lock); the text is the same as `_dump_lock_json` gives, and a test
    keeps it so.
    """
    blocks = (card_block(k, e) for k, e in sorted(lock.cards.items()))
    return b"".join(lock_pieces(blocks, lock.notetypes)).decode("utf-8")


def card_block(k: str, e: LockEntry) -> bytes:
    """One card's text in the lock file (UTF-8), as `lock_pieces` takes it."""
    return _card_block(k, e).encode("utf-8")


def _card_block(k: str, e: LockEntry) -> str:
    q = _quote
    fields = (
        '   "fields": [\n    ' + ",\n    ".join(map(q, e.fields)) + "\n   ],\n"
        if e.fields
        else '   "fields": [],\n'
    )
    # One string built at once (not eleven concatenations): a 40,000-card lock is written
    # in two thirds of the time.
    return (
        f'\n  {q(k)}: {{\n   "deck": {q(e.deck)},\n{fields}   "front": {q(e.front)},\n'
        f'   "guid": {q(e.guid)},\n   "hash": {q(e.hash)},\n   "mod": {int(e.mod)},\n'
        f'   "model": {q(e.model)},\n   "source": {q(e.source)},\n   "state": {q(e.state)},\n'
        f"{_tags_text(e.tags)}  }}"
    )


@lru_cache(maxsize=256)
def _tags_text(tags: tuple[str, ...]) -> str:
    """A card's tags in the lock: the same tuple for every card of a note, made once."""
    if not tags:
        return '   "tags": []\n'
    return '   "tags": [\n    ' + ",\n    ".join(map(_quote, tags)) + "\n   ]\n"


_quote: Callable[[str], str] = json.encoder.encode_basestring
"""JSON string literal, non-ASCII kept (the C encoder behind `json.dumps(ensure_ascii=False)`)."""


def _dump_lock_json(lock: Lock) -> str:
    """The reference layout of the lock, with the json module (slow on large locks)."""
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
                "model": e.model,
                "fields": list(e.fields),
                "tags": list(e.tags),
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


@dataclass(frozen=True, slots=True)
class FileRange:
    """Bytes [start, end) of an open file, for `write_atomic` to copy file to file: a
    rebuild's runs of unchanged lock text are never read into memory."""

    fd: int
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start


Piece = bytes | memoryview | FileRange


def write_atomic(
    path: Path,
    data: bytes | Iterable[Piece],
    before_rename: Callable[[], object] | None = None,
) -> str:
    """Write `data` (or its pieces in order) to a temporary file beside `path`, fsync, then
    rename over it (after calling `before_rename`, if given: if that raises, `path` is left
    as it was). Returns the new file's `file_identity`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            for chunk in (data,) if isinstance(data, bytes) else _chunks(data):
                if isinstance(chunk, FileRange):
                    _copy_range(chunk, fd)
                    continue
                view = memoryview(chunk)
                while view:
                    view = view[fh.write(view) :]
            os.fsync(fd)
        os.chmod(tmp, _FILE_MODE)
        identity = file_identity(os.stat(tmp))  # a rename keeps size, mtime and inode
        if before_rename is not None:
            before_rename()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return identity


def _copy_range(r: FileRange, fd: int) -> None:
    """Append `r` to the file open at `fd`, by the kernel where it can."""
    at, left = r.start, len(r)
    while left:
        try:
            n = os.copy_file_range(r.fd, fd, left, at)
        except (AttributeError, OSError):  # not Linux, or a file system without it
            n = os.write(fd, os.pread(r.fd, min(left, 1 << 20), at))
        if n <= 0:
            raise OSError(errno.EIO, "the lock file ended before its last card")
        at += n
        left -= n


def _chunks(pieces: Iterable[Piece], size: int = 1 << 20) -> Iterator[Piece]:
    """Small pieces joined into chunks of about `size` bytes: one write per megabyte
    instead of one per card block (80,000 calls for a large lock). A piece of
    `size` or more (a run of unchanged cards), or a file range, goes out as it is, never
    copied."""
    buf: list[bytes | memoryview] = []
    held = 0
    for piece in pieces:
        if len(piece) >= size or isinstance(piece, FileRange):
            if buf:
                yield b"".join(buf)
                buf.clear()
                held = 0
            yield piece
            continue
        buf.append(piece)
        held += len(piece)
        if held >= size:
            yield b"".join(buf)
            buf.clear()
            held = 0
    if buf:
        yield b"".join(buf)


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
    # The keys built now, needed only against an old lock (not held for a first build).
    current = {k for k, _ in built} if old else set()
    heirs, ambiguities = _renames(built, old, current)
    inherited = set(heirs.values())
    cards, changes, kept, pruned = _old_cards(old, current, inherited, now, prune)
    # The GUIDs in use, for a new card not to take one. A first build whose cards' own
    # GUIDs all differ needs none (None): each card keeps its own, and no set of every
    # GUID is made (tens of megabytes for a large vault, at a build's peak of memory).
    used: set[str] | None = None
    if old or taken or not _distinct(entry.guid or guid_for(key) for key, entry in built):
        used = {e.guid for e in cards.values()}
        used.update(taken)
        used.update(old[k].guid for k in current if k in old)
        used.update(old[k].guid for k in inherited)
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
    built: Iterable[tuple[str, LockEntry]], old: Mapping[str, LockEntry], current: set[str]
) -> tuple[Mapping[str, str], Sequence[rename.Ambiguity]]:
    """Which new key continues which vanished one (new key → old key), and the ambiguous
    pairs. A first build has nothing that vanished: no sketches to make, no pairs to score."""
    vanished = {k: e for k, e in old.items() if k not in current and e.state == "live"}
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
    old: Mapping[str, LockEntry], current: set[str], inherited: set[str], now: int, prune: bool
) -> tuple[dict[str, LockEntry], list[Change | LockEntry], list[str], int]:
    """The old lock's cards not built now and not renamed: a live one is removed now (tagged
    `flashgen::removed`, reported), a removed one kept or, with `prune`, forgotten. Returns
    the new lock's cards so far, the changes, the kept keys in key order, and how many were
    pruned."""
    cards: dict[str, LockEntry] = {}
    changes: list[Change | LockEntry] = []
    pruned = 0
    kept: list[str] = []  # old cards not built now, in key order
    for key, entry in sorted(old.items()):
        if key in current or key in inherited:
            continue
        kept.append(key)
        if entry.state == "live":
            changes.append(Change("removed", entry.deck, entry.front, entry.source))
            gone = replace(entry, state="removed", tags=tuple(sorted({*entry.tags, REMOVED_TAG})))
            gone = replace(gone, hash=content_hash(gone.parts))
            cards[key] = replace(gone, mod=next_mod(entry, gone.hash, now))
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
