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
from dataclasses import dataclass, field, fields
from pathlib import Path

from flashgen import __version__
from flashgen.cards import Problem, SourceRef
from flashgen.extract import Options
from flashgen.identity import (
    Chunks,
    Lock,
    LockEntry,
    dump_lock,
    parse_lock,
    read_lock_bytes,
    write_atomic,
)
from flashgen.notes import display_path
from flashgen.work import NoteWork, Plain, from_plain, to_plain

CACHE_DIR = ".flashgen-cache"
CACHE_FILE = "notes.marshal"
FORMAT = 1


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


@dataclass
class NoteCache:
    """Entries by note path; `hits` and `misses` count this build's lookups."""

    path: Path
    fingerprint: str
    entries: dict[str, tuple[int, int, str, tuple[tuple[str, int, int], ...], Plain]] = field(
        default_factory=dict
    )
    """path → (size, mtime_ns, content hash, media stats, plain NoteWork)."""
    problems: list[Problem] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    dirty: bool = False

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
            if not isinstance(data, tuple) or data[0] != FORMAT:
                raise ValueError("unknown format")
            if data[1] == fp:
                cache.entries = dict(data[2])
        except (ValueError, EOFError, TypeError, IndexError) as exc:
            cache.problems.append(_unusable(path, str(exc) or type(exc).__name__))
            cache.dirty = True
        return cache

    def get(self, note: Path) -> NoteWork | None:
        """The cached work for `note`, if it is still what the note gives."""
        entry = self.entries.get(str(note))
        st = _stat(note)
        if entry is None or st is None:
            self.misses += 1
            return None
        size, mtime, digest, media, plain = entry
        if (size, mtime) != st:
            try:
                same = hashlib.sha256(note.read_bytes()).hexdigest() == digest
            except OSError:
                same = False
            if not same:
                self.misses += 1
                return None
            self.entries[str(note)] = (*st, digest, media, plain)
            self.dirty = True
        if any(_stat(Path(p)) != (s, m) for p, s, m in media):
            self.misses += 1
            return None
        self.hits += 1
        return from_plain(plain)

    def put(self, note: Path, work: NoteWork) -> None:
        """Remember `work` for `note`, unless it depends on images that were not usable."""
        st = _stat(note)
        if st is None or not work.content_hash or any(r.problems for r in work.rendered):
            self.entries.pop(str(note), None)
            return
        media: dict[str, tuple[str, int, int]] = {}
        for r in work.rendered:
            for m in r.media:
                mst = _stat(m.path)
                if mst is None:
                    return
                media[str(m.path)] = (str(m.path), *mst)
        self.entries[str(note)] = (
            *st,
            work.content_hash,
            tuple(sorted(media.values())),
            to_plain(work),
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
        data = (FORMAT, self.fingerprint, tuple(sorted(self.entries.items())))
        write_atomic(self.path, marshal.dumps(data))  # type: ignore[arg-type]


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


@dataclass
class LockMirror:
    """A parsed copy of the lock file, with each card's block of text in it.

    Used only while its digest matches the lock file's bytes, so a lock edited by hand or
    checked out from version control is always parsed again. It saves a large vault's
    rebuild from decoding the JSON lock and from writing every card's text again.
    """

    path: Path
    chunks: Chunks = field(default_factory=dict)
    pending: tuple[str, dict[str, tuple[str, int]]] | None = None
    """Digest and note types of the last `dump`, for `save`."""

    @classmethod
    def for_output(cls, out_dir: Path) -> LockMirror:
        return cls(out_dir / CACHE_DIR / MIRROR_FILE)

    def load(self, lock_path: Path) -> Lock:
        """The lock at `lock_path` (empty when missing), from the mirror when it matches."""
        raw = read_lock_bytes(lock_path)
        if raw is None:
            return Lock()
        digest = hashlib.sha256(raw).hexdigest()
        try:
            data = marshal.loads(self.path.read_bytes())
            if data[0] == FORMAT and data[1] == digest:
                chunks: Chunks = data[3]
                self.chunks = chunks
                cards = {k: LockEntry(*row) for k, (row, _) in chunks.items()}
                return Lock(cards, dict(data[2]))
        except (OSError, ValueError, EOFError, TypeError, IndexError, KeyError):
            pass  # no mirror, or an unusable one: the lock file itself is the truth
        self.chunks = {}
        return parse_lock(raw, lock_path)

    def dump(self, lock: Lock) -> bytes:
        """The lock file's bytes for `lock`, reusing unchanged cards' text."""
        chunks: Chunks = {}
        text = dump_lock(lock, chunks=chunks, reuse=self.chunks).encode("utf-8")
        self.chunks = chunks
        self.pending = (hashlib.sha256(text).hexdigest(), dict(lock.notetypes))
        return text

    def save(self) -> None:
        """Remember the last `dump` (call after the lock file itself was written)."""
        if self.pending is None:
            return
        digest, notetypes = self.pending
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (FORMAT, digest, tuple(notetypes.items()), self.chunks)
        write_atomic(self.path, marshal.dumps(data))
