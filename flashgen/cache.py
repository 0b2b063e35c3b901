"""The content cache beside the lock: each note's cards and rendered fields, so an unchanged
note is not parsed or rendered again.

An entry is used when the file's path, size and modification time (or, failing those, its
content hash) match, the flashgen version and the settings that shape cards match, and every
image the note's cards use is unchanged. Notes with image problems are not cached, so a
missing image that appears is picked up. A damaged cache is ignored with a warning and
rebuilt; the cache is never needed for correctness.
"""

from __future__ import annotations

import array
import hashlib
import json
import marshal
import mmap
import os
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, cast

from flashgen import __version__
from flashgen.cards import Problem, SourceRef
from flashgen.extract import Options
from flashgen.fields import NoteFields
from flashgen.identity import (
    LOCK_HEAD,
    FileRange,
    Lock,
    LockEntry,
    Piece,
    card_block,
    entry_from_json,
    file_identity,
    lock_pieces,
    lock_tail,
    parse_lock,
    read_lock_file,
    write_atomic,
)
from flashgen.notes import display_path
from flashgen.work import (
    CardOutput,
    Light,
    NoteWork,
    Plain,
    card_outputs,
    from_plain,
    problem_from_plain,
)

CACHE_DIR = ".flashgen-cache"
CACHE_FILE = "notes.marshal"
"""The cache's index: each note's stats, keys, media and problems, and where its work is."""
DATA_PREFIX, DATA_SUFFIX = "notes-", ".data"
"""The works themselves live in `notes-<n>.data`: marshalled, one after another."""
FORMAT = 7
"""2: each note's work is kept as its own marshal bytes, decoded only when needed.
3: those bytes live in an append-only data file beside the index, read one note at a time.
4: the lock mirror keeps each card's mod time too (the same number versions the mirror).
5: the lock mirror is kept column by column (`Spans`).
6: the index's entries, and each column of the lock mirror, are marshal values of their
own (a large vault's index or mirror is never one bytes in memory).
7: each of those values follows its length (`framed`)."""
INDEX_CHUNK = 1024
"""Entries per marshal value in the index file."""
COMPACT_SLACK = 1 << 20
"""A data file is rewritten with only the live works when more than half of it, and more
than this many bytes, is works no entry points to any more."""


def fingerprint(options: Options, max_media_bytes: int, roots: Sequence[Path] = ()) -> str:
    """What, besides a note's own bytes, decides its cards and fields: the settings, the
    notes folders keys and decks are made against, the versions of flashgen and of the
    libraries that read and render notes, and the working directory (paths in messages and
    Source fields are relative to it)."""
    import markdown_it
    import markdown_it_pyrs
    import mdit_py_plugins
    import nh3
    import pygments
    import yaml

    settings = [
        sorted(v) if isinstance(v, frozenset) else v
        for v in (getattr(options, f.name) for f in fields(options))
    ]
    versions = [
        markdown_it.__version__,
        str(getattr(markdown_it_pyrs, "__version__", "")),  # not in its type stubs
        mdit_py_plugins.__version__,
        str(getattr(nh3, "__version__", "")),  # not in its type stubs
        pygments.__version__,
        yaml.__version__,
    ]
    text = (
        f"{FORMAT}|{__version__}|{settings!r}|{max_media_bytes}|{os.getcwd()}|"
        f"{[str(r) for r in roots]!r}|{versions!r}"
    )
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
Stored = tuple[tuple[str, ...], NoteFields]
"""A note's cards' keys and their fields, as the content cache keeps them."""
"""(card index in the note, media name, image path)."""


def _pread(fd: int, length: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, length)  # pragma: no cover


class CacheError(Exception):
    """A cached work's bytes are not the ones the cache saved."""


@dataclass(frozen=True, slots=True)
class CachedNote:
    """A cache hit: what a rebuild needs of an unchanged note without decoding its cards."""

    keys: tuple[str, ...]
    """Its cards' keys, in order."""
    media: tuple[NoteMedia, ...]
    problems: tuple[Problem, ...]
    """Reading and extraction problems (a cached note has no image problems)."""
    read: Callable[[], bytes]
    """The note's marshalled work, from the data file (CacheError if it is not intact)."""

    def work(self) -> NoteWork:
        """The note's cards and fields, decoded (CacheError if its bytes are damaged)."""
        try:
            return from_plain(self.plain())
        except (ValueError, EOFError, TypeError, IndexError) as exc:
            raise CacheError(str(exc) or type(exc).__name__) from exc

    def plain(self) -> Plain:
        """The note's work in its `to_plain` form (CacheError if its bytes are damaged)."""
        try:
            value = marshal.loads(self.read())
        except (ValueError, EOFError, TypeError) as exc:
            raise CacheError(str(exc) or type(exc).__name__) from exc
        if not isinstance(value, tuple):
            raise CacheError("not a note's work")
        return value

    def outputs(self) -> list[CardOutput]:
        """What each card puts in a package, without decoding whole cards (CacheError if
        the note's bytes are damaged)."""
        try:
            return card_outputs(marshal.loads(self.read()))
        except (ValueError, EOFError, TypeError, IndexError) as exc:
            raise CacheError(str(exc) or type(exc).__name__) from exc


Entry = tuple[int, int, str, tuple[MediaStat, ...], tuple[object, ...], int, int, int]
"""size, mtime_ns, content hash, media stats, (keys, media, problems), and the work's
offset, length and crc32 in the data file."""


@dataclass
class NoteCache:
    """Entries by note path; `hits` and `misses` count this build's lookups.

    The index (`notes.marshal`) is small and written whole; the works it points to are
    appended to the data file as notes are parsed and read back one note at a time, so a
    rebuild neither loads nor rewrites every note's fields. Appending never moves a byte an
    older index points to, so a build killed halfway leaves the last index usable.
    """

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
    data_name: str = ""
    """The data file the entries point into (in the cache folder)."""
    writable: bool = True
    """False for a look that must write nothing (`flashgen diff`): works are not kept."""
    _fd: int | None = None
    """The data file, open for reading and appending (O_APPEND: two builds may append)."""
    _close: weakref.finalize | None = None  # type: ignore[type-arg]

    @classmethod
    def load(cls, out_dir: Path, fp: str, *, writable: bool = True) -> NoteCache:
        path = out_dir / CACHE_DIR / CACHE_FILE
        cache = cls(path, fp, writable=writable)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cache
        except OSError as exc:
            cache.problems.append(unusable(path, exc.strerror or str(exc)))
            return cache
        try:
            stream = unframed(raw)
            try:
                data = next(stream)
            except EOFError:
                if _older_format(raw):
                    cache.dirty = True  # an older flashgen's cache: start again, no warning
                    return cache
                raise
            if not isinstance(data, tuple) or not isinstance(data[0], int):
                raise TypeError("unknown format")
            if data[0] != FORMAT:
                cache.dirty = True  # another flashgen's cache: start again, no warning
            elif data[1] == fp:
                name, size = str(data[3]), int(data[4])
                if os.sep in name or not name.startswith(DATA_PREFIX):
                    raise ValueError(f"bad data file name {name!r}")
                cache.data_name = name
                cache._open()
                assert cache._fd is not None
                if os.fstat(cache._fd).st_size < size:
                    raise ValueError(f"{name} is shorter than the index says")
                cache.lock_identity = str(data[2])
                for _ in range(int(data[5])):
                    cache.entries.update(next(stream))
        except (OSError, ValueError, EOFError, TypeError, IndexError) as exc:
            why = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
            cache.problems.append(unusable(path, why or type(exc).__name__))
            cache.entries = {}
            cache.dirty = True
        return cache

    def _open(self) -> None:
        if self._fd is not None:
            return
        if not self.data_name:
            self.data_name = f"{DATA_PREFIX}1{DATA_SUFFIX}"
        data = self.path.parent / self.data_name
        if self.writable:
            data.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
        else:
            flags = os.O_RDONLY
        fd = os.open(data, flags | getattr(os, "O_BINARY", 0), 0o666)
        self._fd = fd
        self._close = weakref.finalize(self, os.close, fd)

    def close(self) -> None:
        """Close the data file (works can't be read after this)."""
        if self._close is not None:
            self._close()
        self._fd = self._close = None

    def _reader(self, offset: int, length: int, crc: int) -> Callable[[], bytes]:
        def read() -> bytes:
            if self._fd is None:
                raise CacheError("the data file is closed")
            try:
                data = _pread(self._fd, length, offset)
            except OSError as exc:
                raise CacheError(exc.strerror or str(exc)) from exc
            if len(data) != length or zlib.crc32(data) != crc:
                raise CacheError(f"a note's work in {self.data_name} is not as saved")
            return data

        return read

    def lookup(self, note: Path) -> CachedNote | None:
        """The cache entry for `note`, undecoded, if it is still what the note gives."""
        entry = self.entries.get(str(note))
        st = _stat(note)
        if entry is None or st is None:
            self.misses += 1
            return None
        size, mtime, digest, media, meta, *where = entry
        if (size, mtime) != st:
            try:
                same = hashlib.sha256(note.read_bytes()).hexdigest() == digest
            except OSError:
                same = False
            if not same:
                self.misses += 1
                return None
            self.entries[str(note)] = (*st, digest, media, meta, *where)  # type: ignore[assignment]
            self.dirty = True
        if any(_stat(Path(p)) != (s, m) for p, s, m in media):
            self.misses += 1
            return None
        self.hits += 1
        keys, used, problems = cast(tuple[Any, Any, Any], meta)
        return CachedNote(
            tuple(keys),
            tuple(used),
            tuple(problem_from_plain(p) for p in problems),
            self._reader(*where),
        )

    def put(self, note: Path, light: Light, blob: bytes) -> Stored | None:
        """Remember a note's work (`blob`, marshalled; `light`, its `Light` form), unless it
        depends on images that were not usable. Returns its cards' keys and its fields as
        kept in the data file (None if not kept)."""
        keys, _, problems, image_problems, used, content_hash = light
        st = _stat(note)
        if st is None or not content_hash or image_problems:
            self.forget(note)
            return None
        media: dict[str, MediaStat] = {}
        for _, _, path in used:
            mst = _stat(Path(path))
            if mst is None:
                self.forget(note)
                return None
            media[path] = (path, *mst)
        if not self.writable:
            return None
        try:
            where = self._append(blob)
        except OSError:
            self.forget(note)  # a full disk loses the cache entry, never the build
            return None
        meta = (keys, used, problems)
        self.entries[str(note)] = (*st, content_hash, tuple(sorted(media.values())), meta, *where)
        self.dirty = True
        return keys, self.fields(self._reader(*where))

    def fields(self, read: Callable[[], bytes]) -> NoteFields:
        """A note's fields, read back through `read` (from this cache's data file)."""
        return NoteFields(read, str(self.path.parent / self.data_name))

    def _append(self, blob: bytes) -> tuple[int, int, int]:
        """Append one work to the data file: its (offset, length, crc32)."""
        self._open()
        assert self._fd is not None
        view = memoryview(blob)
        while view:
            view = view[os.write(self._fd, view) :]
        end = os.lseek(self._fd, 0, os.SEEK_CUR)  # O_APPEND: just after this process's bytes
        return end - len(blob), len(blob), zlib.crc32(blob)

    def damaged(self, why: str) -> None:
        """Warn (once) that a cached work could not be read back; it was parsed again."""
        problem = unusable(self.path.parent / self.data_name, why)
        if problem not in self.problems:
            self.problems.append(problem)

    def forget(self, note: Path) -> None:
        if self.entries.pop(str(note), None) is not None:
            self.dirty = True

    def keep_only(self, notes: set[str]) -> None:
        """Forget notes that are no longer part of the build."""
        gone = [k for k in self.entries if k not in notes]
        for k in gone:
            del self.entries[k]
        self.dirty = self.dirty or bool(gone)

    def save(self) -> None:
        """Write the index atomically, after the works it points to are on disk (its folder
        gets a .gitignore: never commit it). Compacts a data file that is mostly garbage."""
        if not self.dirty or not self.writable:
            return
        self._open()
        assert self._fd is not None
        folder = self.path.parent
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# flashgen's cache: rebuilt when missing\n*\n", encoding="utf-8")
        st = os.fstat(self._fd)
        if st.st_nlink == 0:
            return  # another build compacted the data file away meanwhile: its index stays
        live = sum(e[6] for e in self.entries.values())
        if st.st_size - live > max(live, COMPACT_SLACK):
            self._compact()
        else:
            os.fsync(self._fd)
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        keys = sorted(self.entries)
        chunks = range(0, len(keys), INDEX_CHUNK)
        head = (FORMAT, self.fingerprint, self.lock_identity, self.data_name, size, len(chunks))
        entries = self.entries

        def pieces() -> Iterator[bytes]:
            # Entries a chunk at a time: a large vault's index is never one bytes in memory.
            yield from framed(head)
            for at in chunks:
                chunk: tuple[Any, ...] = tuple((k, entries[k]) for k in keys[at : at + INDEX_CHUNK])
                yield from framed(chunk)

        write_atomic(self.path, pieces())
        for old in folder.glob(f"{DATA_PREFIX}*{DATA_SUFFIX}"):
            if old.name != self.data_name:
                old.unlink(missing_ok=True)
        self.dirty = False

    def _compact(self) -> None:
        """Copy the live works to a new data file, in index order, and point the entries there."""
        assert self._fd is not None
        n = int(self.data_name[len(DATA_PREFIX) : -len(DATA_SUFFIX)] or 0) + 1
        name = f"{DATA_PREFIX}{n}{DATA_SUFFIX}"
        moved: dict[str, Entry] = {}
        at = 0

        def works() -> Iterator[bytes]:
            nonlocal at
            for key, e in sorted(self.entries.items()):
                offset, length, crc = e[5:]
                assert self._fd is not None
                blob = _pread(self._fd, length, offset)
                if len(blob) != length or zlib.crc32(blob) != crc:
                    continue  # damaged: the note is parsed again next time
                moved[key] = (*e[:5], at, length, crc)
                at += length
                yield blob

        write_atomic(self.path.parent / name, works())
        self.close()
        self.entries, self.data_name = moved, name
        self._open()


def unusable(path: Path, why: str) -> Problem:
    """The warning for a part of the cache that could not be used (it is rebuilt)."""
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
    collections: dict[str, str] = field(default_factory=dict)
    """File key → `file_identity` of the collection kept for a large package (see
    `anki.update_package`)."""

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
                {str(k): str(v) for k, v in data.get("collections", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)

    def digest(self, fp: str, notes: list[list[object]], lock: Path, packages: list[Path]) -> str:
        """Digest of a build's inputs: the notes' `stat_key`s as the build found them
        before reading them, everything else as it is on disk now."""
        parts = [fp, *notes, stat_key(lock)]
        parts += [stat_key(Path(m)) for m in self.media]
        parts += [stat_key(p) for p in packages]
        return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "collections": self.collections,
            "inputs": self.inputs,
            "media": self.media,
            "packages": self.packages,
            "summary": self.summary,
        }
        write_atomic(self.path, json.dumps(data, sort_keys=True).encode("utf-8"))


MIRROR_FILE = "lock.marshal"


@dataclass(frozen=True)
class Spans:
    """Every card of the lock file, in its order (by key), column by column: where its
    block is in the bytes ([start, end)), its GUID, whether it is live, its deck and mod
    time. Columns load and save in a few milliseconds for 40,000 cards, where a dict of
    tuples took 30."""

    keys: Sequence[str]
    starts: array.array[int]
    ends: array.array[int]
    guids: Sequence[str]
    live: bytes
    """1 for a live card, 0 for a removed one."""
    decks: Sequence[str]
    mods: array.array[int]

    COLUMNS: ClassVar[int] = 7
    """How many values `dumps` gives."""

    def __post_init__(self) -> None:
        n = len(self.keys)
        columns = (self.starts, self.ends, self.guids, self.live, self.decks, self.mods)
        if any(len(c) != n for c in columns):
            raise ValueError("lock mirror columns of different lengths")

    @cached_property
    def at(self) -> dict[str, int]:
        """Key → row (made when first asked: a mirror only saved never needs it)."""
        return dict(zip(self.keys, range(len(self.keys)), strict=True))

    @classmethod
    def of(cls, cards: Iterable[tuple[str, int, int, str, str, str, int]]) -> Spans:
        """From (key, start, end, GUID, state, deck, mod) in key order."""
        rows = list(cards)
        return cls(
            tuple(r[0] for r in rows),
            array.array("q", [r[1] for r in rows]),
            array.array("q", [r[2] for r in rows]),
            tuple(r[3] for r in rows),
            bytes(r[4] == "live" for r in rows),
            tuple(r[5] for r in rows),
            array.array("q", [r[6] for r in rows]),
        )

    @classmethod
    def loads(cls, columns: Any) -> Spans:
        keys, starts, ends, guids, live, decks, mods = columns
        return cls(
            tuple(keys),
            _int_array(starts),
            _int_array(ends),
            tuple(guids),
            bytes(live),
            tuple(decks),
            _int_array(mods),
        )

    def dumps(self) -> tuple[object, ...]:
        """The columns as `loads` takes them back. marshal writes an array's buffer as bytes
        (and reads bytes back): no copy of each array is made to save it."""
        return (self.keys, self.starts, self.ends, self.guids, self.live, self.decks, self.mods)

    def removed(self) -> set[str]:
        """The keys of the cards marked removed."""
        out = set()
        at = self.live.find(0)
        while at >= 0:
            out.add(self.keys[at])
            at = self.live.find(0, at + 1)
        return out


def _int_array(raw: bytes) -> array.array[int]:
    out = array.array("q")
    out.frombytes(raw)
    return out


@dataclass(frozen=True)
class LockIndex:
    """The lock file's bytes with where each card's block is: a rebuild reads only the cards
    it needs and takes every other card's text as it is."""

    raw: bytes | mmap.mmap
    identity: str
    """The lock file's `file_identity`."""
    spans: Spans
    notetypes: dict[str, tuple[str, int]]

    def entry(self, key: str) -> LockEntry:
        """One card, parsed from its block."""
        (value,) = json.loads(b"{" + self.block(key) + b"}").values()
        return entry_from_json(value)

    def block(self, key: str) -> bytes:
        row = self.spans.at[key]
        return self.raw[self.spans.starts[row] : self.spans.ends[row]]


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
    pending: tuple[str, dict[str, tuple[str, int]], Spans] | None = None
    """Identity, note types and cards of the lock file last written, for `save`."""

    @classmethod
    def for_output(cls, out_dir: Path) -> LockMirror:
        return cls(out_dir / CACHE_DIR / MIRROR_FILE)

    def load_index(self, lock_path: Path) -> LockIndex | None:
        """The lock at `lock_path` as an index, when the mirror matches it (else None)."""
        found = read_lock_file(lock_path, mapped=True)
        return None if found is None else self._index_of(*found)

    def load(self, lock_path: Path) -> Lock:
        """The whole lock at `lock_path` (empty when missing)."""
        found = read_lock_file(lock_path)
        if found is None:
            return Lock()
        lock = parse_lock(found[0], lock_path)
        self._index_of(*found)
        return lock

    def _index_of(self, raw: bytes | mmap.mmap, identity: str) -> LockIndex | None:
        """Index the lock file's bytes with the mirror, if it was saved for this very file
        (`file_identity`: the lock as the last build wrote it, not edited since)."""
        self.index = None
        try:
            stream = unframed(self.path.read_bytes())
            head = next(stream)
            if head[0] == FORMAT and head[1] == identity:
                columns = [_load_column(stream) for _ in range(Spans.COLUMNS)]
                self.index = LockIndex(raw, identity, Spans.loads(columns), dict(head[2]))
        except (OSError, ValueError, EOFError, TypeError, IndexError, KeyError):
            pass  # no mirror, or an unusable one: the lock file itself is the truth
        return self.index

    def write(
        self,
        lock_path: Path,
        keys: list[str],
        cards: Iterator[LockEntry],
        notetypes: Mapping[str, tuple[str, int]],
        before_rename: Callable[[], object] | None = None,
    ) -> None:
        """Write the lock file from each card's entry (`cards`, one for each of `keys`, in key
        order), and note what it holds for `save` (column by column: a large lock's cards
        are never kept as tuples; `keys` is kept as the column of keys)."""
        starts, ends, mods = array.array("q"), array.array("q"), array.array("q")
        guids: list[str] = []
        live = bytearray()
        decks: list[str] = []

        def blocks() -> Iterator[bytes]:
            for k, e in zip(keys, cards, strict=True):
                guids.append(e.guid)
                live.append(e.state == "live")
                decks.append(e.deck)
                mods.append(e.mod)
                yield card_block(k, e)

        def placed(start: int, end: int) -> None:
            starts.append(start)
            ends.append(end)

        pieces = lock_pieces(blocks(), notetypes, placed)
        identity = write_atomic(lock_path, pieces, before_rename)
        index = Spans(keys, starts, ends, guids, bytes(live), decks, mods)  # lists: no copies
        self.pending = (identity, dict(notetypes), index)

    def write_edits(
        self,
        lock_path: Path,
        keys: Iterable[str],
        edits: Mapping[str, LockEntry],
        notetypes: Mapping[str, tuple[str, int]],
        before_rename: Callable[[], object] | None = None,
    ) -> None:
        """Write the lock file with the cards `keys` (in key order): those in `edits` with new
        text, every other one as it is in the loaded lock. Cards that sit side by side in the
        current file and stay so are copied as one run of bytes, not card by card."""
        index = self.index
        assert index is not None, "write_edits needs the lock loaded with its index"
        raw = memoryview(index.raw)
        old = index.spans
        at_row, starts, ends = old.at, old.starts, old.ends
        # The new columns: runs of old rows (with the shift of their bytes) and edited cards.
        parts: list[_Run | _Edit] = []
        source = _same_file(lock_path, index.identity)

        def run(start: int, end: int) -> Piece:
            # A long run is copied file to file: not read into this process's memory.
            if source is not None and end - start >= COPY_MIN_BYTES:
                return FileRange(source, start, end)
            return raw[start:end]

        def pieces() -> Iterator[Piece]:
            yield LOCK_HEAD
            at = len(LOCK_HEAD)  # where the next byte lands in the new file
            first = last = -1  # a run of old rows taken as they are, side by side in raw
            shift = 0  # where the run's bytes land, less where they are
            for k in keys:
                e = edits.get(k)
                if e is None:
                    row = at_row[k]
                    if first >= 0 and row == last + 1:
                        last = row
                        continue
                    if first >= 0:
                        yield run(starts[first], ends[last])
                        at += ends[last] - starts[first]
                        parts.append((first, last + 1, shift))
                    if parts:
                        yield b","
                        at += 1
                    first = last = row
                    shift = at - starts[row]
                    continue
                if first >= 0:
                    yield run(starts[first], ends[last])
                    at += ends[last] - starts[first]
                    parts.append((first, last + 1, shift))
                    first = -1
                if parts:
                    yield b","
                    at += 1
                block = card_block(k, e)
                yield block
                parts.append((k, e, at, at + len(block)))
                at += len(block)
            if first >= 0:
                yield run(starts[first], ends[last])
                parts.append((first, last + 1, shift))
            yield lock_tail(notetypes, bool(parts))

        try:
            identity = write_atomic(lock_path, pieces(), before_rename)
        finally:
            if source is not None:
                os.close(source)
        self.pending = (identity, dict(notetypes), _joined(old, parts))

    def write_lock(
        self,
        lock_path: Path,
        lock: Lock,
        old: Lock | None = None,
        before_rename: Callable[[], object] | None = None,
    ) -> None:
        """Write `lock`, taking the text of cards unchanged since `old` (the lock this
        mirror was loaded with) from the current file."""
        index = self.index
        if index is not None and old is not None:
            known = old.cards
            edits = {
                k: e
                for k, e in lock.cards.items()
                if not (known.get(k) == e and k in index.spans.at)
            }
            self.write_edits(lock_path, sorted(lock.cards), edits, lock.notetypes, before_rename)
            return
        cards, notetypes = lock.cards, lock.notetypes
        del lock  # the caller let go of it: the cards' dict goes once they are written
        keys = sorted(cards)

        def entries() -> Iterator[LockEntry]:
            nonlocal cards
            yield from map(cards.__getitem__, keys)
            # Every card is in the file: the dict (tens of megabytes for a large vault's
            # lock) goes before the packages are written, while the lock waits for them.
            cards = {}

        self.write(lock_path, keys, entries(), notetypes, before_rename)

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
        head = (FORMAT, identity, tuple(notetypes.items()))

        def pieces() -> Iterator[bytes]:
            yield from framed(head)
            for column in index.dumps():
                yield from _column_pieces(column)

        write_atomic(self.path, pieces())


def _same_file(path: Path, identity: str) -> int | None:
    """`path` open for reading, if it is still the file of `identity` (else None)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    if file_identity(os.fstat(fd)) == identity:
        return fd
    os.close(fd)
    return None


COPY_MIN_BYTES = 1 << 16
"""A run of unchanged lock text this long is copied file to file."""
COLUMN_CHUNK = 1 << 16
"""Rows per marshal value of a lock mirror's column of strings."""


def _older_format(raw: bytes) -> bool:
    """Whether `raw` is a cache index as flashgen wrote it before `framed` (format ≤ 6)."""
    try:
        old = marshal.loads(raw)
    except (ValueError, EOFError, TypeError):
        return False
    return isinstance(old, tuple) and bool(old) and isinstance(old[0], int) and old[0] < 7


def framed(value: Any) -> Iterator[bytes]:
    """`value` marshalled, after its length (8 bytes): a file of many values that
    `unframed` reads back from its bytes (marshal.load from a file reads each string with
    a call of its own: 60 ms for a 40,000-card mirror, against 10)."""
    blob = marshal.dumps(value)
    yield len(blob).to_bytes(8, "little")
    yield blob


def unframed(raw: bytes) -> Iterator[Any]:
    """The values `framed` wrote, one after another (EOFError if the bytes end early)."""
    view = memoryview(raw)
    at = 0
    while True:
        if at + 8 > len(view):
            raise EOFError("the file ends before its last value")
        n = int.from_bytes(view[at : at + 8], "little")
        at += 8
        if at + n > len(view):
            raise EOFError("the file ends before its last value")
        yield marshal.loads(view[at : at + n])
        at += n


def _column_pieces(column: object) -> Iterator[bytes]:
    """One column of the mirror, framed: how many pieces, then each (a column of strings in
    chunks: 400,000 keys are not one bytes in memory)."""
    if isinstance(column, tuple | list) and len(column) > COLUMN_CHUNK:
        chunks = range(0, len(column), COLUMN_CHUNK)
        yield from framed(len(chunks))
        for at in chunks:
            yield from framed(column[at : at + COLUMN_CHUNK])
        return
    yield from framed(1)
    yield from framed(column)


def _load_column(stream: Iterator[Any]) -> object:
    """A column `_column_pieces` wrote, from the file's values."""
    pieces = [next(stream) for _ in range(int(next(stream)))]
    if len(pieces) == 1:
        return pieces[0]
    return tuple(item for piece in pieces for item in piece)


_Run = tuple[int, int, int]
"""Old rows [first, end) taken as they are, and how far their bytes moved."""
_Edit = tuple[str, LockEntry, int, int]
"""A card written anew: key, entry, [start, end) of its block."""


def _joined(old: Spans, parts: Sequence[_Run | _Edit]) -> Spans:
    """The new lock's columns from its runs and edits, in the new lock's order."""
    keys: list[str] = []
    starts, ends, mods = array.array("q"), array.array("q"), array.array("q")
    guids: list[str] = []
    live = bytearray()
    decks: list[str] = []
    for part in parts:
        if len(part) == 3:
            first, end, shift = part
            keys += old.keys[first:end]
            starts.extend([s + shift for s in old.starts[first:end]])
            ends.extend([e + shift for e in old.ends[first:end]])
            guids += old.guids[first:end]
            live += old.live[first:end]
            decks += old.decks[first:end]
            mods += old.mods[first:end]
        else:
            k, e, start, stop = part
            keys.append(k)
            starts.append(start)
            ends.append(stop)
            guids.append(e.guid)
            live.append(e.state == "live")
            decks.append(e.deck)
            mods.append(e.mod)
    return Spans(tuple(keys), starts, ends, tuple(guids), bytes(live), tuple(decks), mods)
