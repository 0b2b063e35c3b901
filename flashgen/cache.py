"""The content cache beside the lock: each note's cards and rendered fields, so an unchanged
note is not parsed or rendered again.

An entry is used when the file's path, size and modification time (or, failing those, its
content hash) match, the flashgen version and the settings that shape cards match, and every
image the note's cards use is unchanged. Notes with image problems are not cached, so a
missing image that appears is picked up. A damaged cache is ignored with a warning and
rebuilt; the cache is never needed for correctness.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast

from flashgen import __version__
from flashgen.cards import Problem, SourceRef
from flashgen.extract import Options
from flashgen.identity import (
    LOCK_HEAD,
    Lock,
    LockEntry,
    Span,
    card_block,
    entry_from_json,
    lock_pieces,
    lock_tail,
    parse_lock,
    read_lock_file,
    write_atomic,
)
from flashgen.notes import display_path
from flashgen.work import NoteWork, from_plain, problem_from_plain, problem_plain, to_plain

CACHE_DIR = ".flashgen-cache"
CACHE_FILE = "notes.marshal"
FORMAT = 2
"""2: each note's work is kept as its own marshal bytes, decoded only when needed."""


def fingerprint(options: Options, max_media_bytes: int) -> str:
    """What, besides a note's own bytes, decides its cards and fields (paths in messages and
    Source fields are relative to the working directory, so it counts too)."""
    settings = [
        sorted(v) if isinstance(v, frozenset) else v
        for v in (getattr(options, f.name) for f in fields(options))
    ]
    text = f"{FORMAT}|{__version__}|{settings!r}|{max_media_bytes}|{os.getcwd()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


MediaStat = tuple[str, int, int]
"""An image a note's cards use: (path, size, mtime_ns)."""
NoteMedia = tuple[int, str, str]
"""(card index in the note, media name, image path)."""


@dataclass(frozen=True, slots=True)
class CachedNote:
    """A cache hit: what a rebuild needs of an unchanged note without decoding its cards."""

    keys: tuple[str, ...]
    """Its cards' keys, in order."""
    media: tuple[NoteMedia, ...]
    problems: tuple[Problem, ...]
    """Reading and extraction problems (a cached note has no image problems)."""
    blob: bytes

    def work(self) -> NoteWork:
        """The note's cards and fields, decoded."""
        return from_plain(marshal.loads(self.blob))


Entry = tuple[int, int, str, tuple[MediaStat, ...], tuple[object, ...], bytes]
"""size, mtime_ns, content hash, media stats, (keys, media, problems), marshalled work."""


@dataclass
class NoteCache:
    """Entries by note path; `hits` and `misses` count this build's lookups."""

    path: Path
    fingerprint: str
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    dirty: bool = False
    lock_identity: str = ""
    """`file_identity` of the lock file the build that saved the cache left: while the lock
    is still that file, its cards of each cached note are what planning that note gives."""

    @classmethod
    def load(cls, out_dir: Path, fp: str) -> NoteCache:
        path = out_dir / CACHE_DIR / CACHE_FILE
        cache = cls(path, fp)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cache
        except OSError as exc:
            cache.problems.append(_unusable(path, exc.strerror or str(exc)))
            return cache
        try:
            data = marshal.loads(raw)
            if not isinstance(data, tuple) or not isinstance(data[0], int):
                raise TypeError("unknown format")
            if data[0] != FORMAT:
                cache.dirty = True  # another flashgen's cache: start again, no warning
            elif data[1] == fp:
                cache.lock_identity = str(data[2])
                cache.entries = dict(data[3])
        except (ValueError, EOFError, TypeError, IndexError) as exc:
            cache.problems.append(_unusable(path, str(exc) or type(exc).__name__))
            cache.dirty = True
        return cache

    def lookup(self, note: Path) -> CachedNote | None:
        """The cache entry for `note`, undecoded, if it is still what the note gives."""
        entry = self.entries.get(str(note))
        st = _stat(note)
        if entry is None or st is None:
            self.misses += 1
            return None
        size, mtime, digest, media, meta, blob = entry
        if (size, mtime) != st:
            try:
                same = hashlib.sha256(note.read_bytes()).hexdigest() == digest
            except OSError:
                same = False
            if not same:
                self.misses += 1
                return None
            self.entries[str(note)] = (*st, digest, media, meta, blob)
            self.dirty = True
        if any(_stat(Path(p)) != (s, m) for p, s, m in media):
            self.misses += 1
            return None
        self.hits += 1
        return _cached(meta, blob)

    def put(self, note: Path, work: NoteWork, blob: bytes | None = None) -> None:
        """Remember `work` for `note`, unless it depends on images that were not usable.

        `blob`, when given, is `work` already marshalled (as a worker process sends it).
        """
        st = _stat(note)
        if st is None or not work.content_hash or any(r.problems for r in work.rendered):
            self.entries.pop(str(note), None)
            self.dirty = True
            return
        media: dict[str, MediaStat] = {}
        used: list[NoteMedia] = []
        for i, r in enumerate(work.rendered):
            for m in r.media:
                mst = _stat(m.path)
                if mst is None:
                    self.entries.pop(str(note), None)
                    self.dirty = True
                    return
                media[str(m.path)] = (str(m.path), *mst)
                used.append((i, m.name, str(m.path)))
        meta = (
            tuple(c.key for c in work.cards),
            tuple(used),
            tuple(problem_plain(p) for p in work.problems),
        )
        self.entries[str(note)] = (
            *st,
            work.content_hash,
            tuple(sorted(media.values())),
            meta,
            blob if blob is not None else marshal.dumps(to_plain(work)),  # type: ignore[arg-type]
        )
        self.dirty = True

    def keep_only(self, notes: set[str]) -> None:
        """Forget notes that are no longer part of the build."""
        gone = [k for k in self.entries if k not in notes]
        for k in gone:
            del self.entries[k]
        self.dirty = self.dirty or bool(gone)

    def save(self) -> None:
        """Write the cache atomically (its folder gets a .gitignore: never commit it)."""
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ignore = self.path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# flashgen's cache: rebuilt when missing\n*\n", encoding="utf-8")
        data = (FORMAT, self.fingerprint, self.lock_identity, tuple(sorted(self.entries.items())))
        write_atomic(self.path, marshal.dumps(data))  # type: ignore[arg-type]


def _cached(meta: tuple[object, ...], blob: bytes) -> CachedNote:
    keys, media, problems = cast(tuple[Any, Any, Any], meta)
    return CachedNote(
        tuple(keys),
        tuple(media),
        tuple(problem_from_plain(p) for p in problems),
        blob,
    )


def _unusable(path: Path, why: str) -> Problem:
    return Problem(
        SourceRef(display_path(path), 1), f"cache is unreadable ({why}); ignoring it and rebuilding"
    )


STATE_FILE = "state.json"


def stat_key(path: Path) -> list[object]:
    """What says a file is unchanged since a build: its path, size and mtime (or absence)."""
    st = _stat(path)
    return [str(path), *(st or (-1, -1))]


@dataclass
class BuildState:
    """What the last build wrote, so the next one can skip what did not change.

    `packages` lets an unchanged package stay as it is; `inputs` is a digest of everything a
    build reads (notes, images, lock, packages, settings): when it matches, nothing changed.
    """

    path: Path
    packages: dict[str, list[object]] = field(default_factory=dict)
    """File key → [content digest, size, mtime_ns] of the .apkg as written."""
    inputs: str = ""
    summary: dict[str, object] = field(default_factory=dict)
    """Cards, decks, problems and packages of the last build, for a build that skips all."""
    media: list[str] = field(default_factory=list)
    """Image files the last build's cards used."""

    @classmethod
    def load(cls, out_dir: Path) -> BuildState:
        path = out_dir / CACHE_DIR / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                path,
                dict(data["packages"]),
                str(data["inputs"]),
                dict(data["summary"]),
                [str(m) for m in data["media"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return cls(path)

    def digest(self, fp: str, notes: list[Path], lock: Path, packages: list[Path]) -> str:
        """Digest of a build's inputs as they are on disk now."""
        parts = [fp, *map(stat_key, notes), stat_key(lock)]
        parts += [stat_key(Path(m)) for m in self.media]
        parts += [stat_key(p) for p in packages]
        return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "inputs": self.inputs,
            "media": self.media,
            "packages": self.packages,
            "summary": self.summary,
        }
        write_atomic(self.path, json.dumps(data, sort_keys=True).encode("utf-8"))


MIRROR_FILE = "lock.marshal"


CardSpan = tuple[int, int, str, str, str]
"""A card in the lock file: its block's [start, end) in the bytes, GUID, state and deck."""


@dataclass(frozen=True)
class LockIndex:
    """The lock file's bytes with where each card's block is: a rebuild reads only the cards
    it needs and takes every other card's text as it is."""

    raw: bytes
    identity: str
    """The lock file's `file_identity`."""
    cards: dict[str, CardSpan]
    notetypes: dict[str, tuple[str, int]]

    def entry(self, key: str) -> LockEntry:
        """One card, parsed from its block."""
        start, end = self.cards[key][:2]
        (value,) = json.loads(b"{" + self.raw[start:end] + b"}").values()
        return entry_from_json(value)

    def block(self, key: str) -> bytes:
        start, end = self.cards[key][:2]
        return self.raw[start:end]


@dataclass
class LockMirror:
    """Where each card's block sits in the lock file, and each card's GUID, state and deck.

    Used only while the lock is the very file the mirror was saved for (same size, mtime
    and inode), so a lock edited by hand or checked out from version control is always
    parsed again. It saves a large vault's
    rebuild from decoding the whole JSON lock and from writing every card's text again.
    """

    path: Path
    index: LockIndex | None = None
    pending: tuple[str, dict[str, tuple[str, int]], dict[str, CardSpan]] | None = None
    """Digest, note types and cards of the last `dump`, for `save`."""

    @classmethod
    def for_output(cls, out_dir: Path) -> LockMirror:
        return cls(out_dir / CACHE_DIR / MIRROR_FILE)

    def load_index(self, lock_path: Path) -> LockIndex | None:
        """The lock at `lock_path` as an index, when the mirror matches it (else None)."""
        found = read_lock_file(lock_path)
        return None if found is None else self._index_of(*found)

    def load(self, lock_path: Path) -> Lock:
        """The whole lock at `lock_path` (empty when missing)."""
        found = read_lock_file(lock_path)
        if found is None:
            return Lock()
        lock = parse_lock(found[0], lock_path)
        self._index_of(*found)
        return lock

    def _index_of(self, raw: bytes, identity: str) -> LockIndex | None:
        """Index the lock file's bytes with the mirror, if it was saved for this very file
        (`file_identity`: the lock as the last build wrote it, not edited since)."""
        self.index = None
        try:
            data = marshal.loads(self.path.read_bytes())
            if data[0] == FORMAT and data[1] == identity:
                self.index = LockIndex(raw, identity, dict(data[3]), dict(data[2]))
        except (OSError, ValueError, EOFError, TypeError, IndexError, KeyError):
            pass  # no mirror, or an unusable one: the lock file itself is the truth
        return self.index

    def write(
        self,
        lock_path: Path,
        cards: Iterable[tuple[str, bytes, LockEntry | CardSpan]],
        notetypes: Mapping[str, tuple[str, int]],
    ) -> None:
        """Write the lock file from each card's block, in key order (with its entry, or its
        span in the current file for a card taken as it is), and note what it holds for
        `save`."""
        info: dict[str, tuple[str, str, str]] = {}

        def blocks() -> Iterator[tuple[str, bytes]]:
            for k, block, c in cards:
                if isinstance(c, LockEntry):
                    info[k] = (c.guid, c.state, c.deck)
                else:
                    info[k] = (c[2], c[3], c[4])
                yield k, block

        spans: dict[str, Span] = {}
        identity = write_atomic(lock_path, lock_pieces(blocks(), notetypes, spans))
        index = {k: (start, end, *info[k]) for k, (start, end) in spans.items()}
        self.pending = (identity, dict(notetypes), index)

    def write_edits(
        self,
        lock_path: Path,
        keys: Iterable[str],
        edits: Mapping[str, LockEntry],
        notetypes: Mapping[str, tuple[str, int]],
    ) -> None:
        """Write the lock file with the cards `keys` (in key order): those in `edits` with new
        text, every other one as it is in the loaded lock. Cards that sit side by side in the
        current file and stay so are copied as one run of bytes, not card by card."""
        index = self.index
        assert index is not None, "write_edits needs the lock loaded with its index"
        raw = memoryview(index.raw)
        spans = index.cards
        out: dict[str, CardSpan] = {}

        def pieces() -> Iterator[bytes | memoryview]:
            yield LOCK_HEAD
            at = len(LOCK_HEAD)  # where the next byte lands in the new file
            run_from = run_to = -1  # a run of cards taken as they are: [from, to) in raw
            shift = 0  # new position - old position, within the run
            for k in keys:
                e = edits.get(k)
                if e is None:
                    start, end, guid, state, deck = spans[k]
                    if run_from < 0 or start != run_to + 1:
                        if run_from >= 0:
                            yield raw[run_from:run_to]
                        if out:
                            yield b","
                            at += 1
                        run_from, shift = start, at - start
                    run_to = end
                    out[k] = (start + shift, end + shift, guid, state, deck)
                    at = end + shift
                    continue
                if run_from >= 0:
                    yield raw[run_from:run_to]
                    run_from = -1
                if out:
                    yield b","
                    at += 1
                block = card_block(k, e)
                yield block
                out[k] = (at, at + len(block), e.guid, e.state, e.deck)
                at += len(block)
            if run_from >= 0:
                yield raw[run_from:run_to]
            yield lock_tail(notetypes, bool(out))

        identity = write_atomic(lock_path, pieces())
        self.pending = (identity, dict(notetypes), out)

    def write_lock(self, lock_path: Path, lock: Lock, old: Lock | None = None) -> None:
        """Write `lock`, taking the text of cards unchanged since `old` (the lock this
        mirror was loaded with) from the current file."""
        index = self.index
        if index is not None and old is not None:
            known = old.cards
            edits = {
                k: e for k, e in lock.cards.items() if not (known.get(k) == e and k in index.cards)
            }
            self.write_edits(lock_path, sorted(lock.cards), edits, lock.notetypes)
            return
        cards = ((k, card_block(k, e), e) for k, e in sorted(lock.cards.items()))
        self.write(lock_path, cards, lock.notetypes)

    @property
    def identity(self) -> str:
        """`file_identity` of the lock file as the last write left it, else as loaded."""
        if self.pending is not None:
            return self.pending[0]
        return self.index.identity if self.index is not None else ""

    def save(self) -> None:
        """Remember the last `dump` (call after the lock file itself was written)."""
        if self.pending is None:
            return
        identity, notetypes, index = self.pending
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (FORMAT, identity, tuple(notetypes.items()), index)
        write_atomic(self.path, marshal.dumps(data))
