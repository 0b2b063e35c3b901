"""The content cache beside the packages: each note's `NoteResult`, so an unchanged note is
not parsed or rendered again.

An entry is used when the file's path, size and modification time (or, failing those, its
content hash) match, the flashgen version and the settings that shape cards match, and every
image the note's cards use is unchanged. Notes with image problems are not cached, so a
missing image that appears is picked up. A damaged cache is ignored with a warning and
rebuilt; the cache is never needed for correctness.

The index, `notes.pickle`, is read and written whole: each entry keeps what planning needs
of an unchanged note (its keys, problems and images). Each note's result, pickled, is a
file of its own in `results/`, named by the note's path and content, written when the note
is parsed and read only when the lock cannot stand in for the note (see `gather`): a
rebuild neither loads nor writes the results of the notes that did not change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from flashgen import __version__
from flashgen.cards import Problem, SourceRef
from flashgen.extract import Options
from flashgen.lockfile import write_atomic
from flashgen.media import Media
from flashgen.notes import display_path
from flashgen.work import UNPICKLE_ERRORS, NoteResult, loads

CACHE_DIR = ".flashgen-cache"
CACHE_FILE = "notes.pickle"
RESULTS_DIR = "results"
FORMAT = 9
"""9: a pickled index of `CachedNote`s, each note's result a file in `results/` (8: the
results inside the index; 7 and before: marshal index and data files)."""
_OLDER_FILES = ("notes.marshal", "lock.marshal")
"""What older flashgens kept in the cache folder: deleted when this cache is saved."""


@lru_cache(maxsize=1)
def _code() -> str:
    """flashgen's own code as installed: each module's path, size and mtime. A checkout
    whose rules changed without a new version number (a development install) must not
    serve cards that the old rules made."""
    package = Path(__file__).parent
    found = sorted(
        (str(p.relative_to(package)), st.st_size, st.st_mtime_ns)
        for p in package.rglob("*.py")
        for st in (p.stat(),)
    )
    return hashlib.sha256(repr(found).encode()).hexdigest()[:16]


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
        f"{FORMAT}|{__version__}|{_code()}|{settings!r}|{max_media_bytes}|{os.getcwd()}|"
        f"{[str(r) for r in roots]!r}|{versions!r}"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class CacheError(Exception):
    """A cached result's bytes are not a note's result."""


@dataclass(frozen=True, slots=True)
class CachedNote:
    """A cache hit: what a rebuild needs of an unchanged note, its result still pickled."""

    size: int
    mtime_ns: int
    content_hash: str
    media_stats: tuple[tuple[str, int, int], ...]
    """(path, size, mtime_ns) of each image its cards use."""
    keys: tuple[str, ...]
    """Its cards' keys, in order."""
    problems: tuple[Problem, ...]
    """Reading and extraction problems (a cached note has no image problems)."""
    media: tuple[tuple[int, Media], ...]
    """(card index, image), as `NoteResult.media`."""
    result_file: str
    """The file in `results/` that holds the note's `NoteResult`, pickled."""


@dataclass
class NoteCache:
    """Entries by note path; `hits` and `misses` count this build's lookups."""

    path: Path
    fingerprint: str
    entries: dict[str, CachedNote] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    dirty: bool = False
    lock_identity: str = ""
    """`file_identity` of the lock file the build that saved the cache left: while the lock
    is still that file, its cards of each cached note are what planning that note gives."""
    writable: bool = True
    """False for a look that must write nothing (`flashgen diff`)."""

    @classmethod
    def load(cls, out_dir: Path, fp: str, *, writable: bool = True) -> NoteCache:
        path = out_dir / CACHE_DIR / CACHE_FILE
        cache = cls(path, fp, writable=writable)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            cache.dirty = True
            return cache
        except OSError as exc:
            cache.problems.append(unusable(path, exc.strerror or str(exc)))
            return cache
        try:
            data = pickle.loads(raw)
            if not isinstance(data, tuple) or len(data) != 4:
                raise TypeError("unknown format")
            version, fp_saved, lock_identity, packed = data
            if version != FORMAT or fp_saved != fp:
                cache.dirty = True  # another flashgen's, or other settings: start again
                return cache
            # Unpickled only now: another flashgen's entries may be other classes.
            entries = pickle.loads(packed)
            if not isinstance(entries, dict):
                raise TypeError("unknown format")
            if not all(isinstance(e, CachedNote) for e in entries.values()):
                raise TypeError("an entry is not a cached note")
            cache.entries, cache.lock_identity = entries, str(lock_identity)
        except UNPICKLE_ERRORS as exc:
            why = str(exc) if isinstance(exc, TypeError) else "its bytes are damaged"
            cache.problems.append(unusable(path, why))
            cache.dirty = True
        return cache

    def lookup(self, note: Path) -> CachedNote | None:
        """The cache entry for `note`, if it is still what the note gives."""
        entry = self.entries.get(str(note))
        st = _stat(note)
        if entry is None or st is None:
            self.misses += 1
            return None
        if (entry.size, entry.mtime_ns) != st:
            try:
                same = hashlib.sha256(note.read_bytes()).hexdigest() == entry.content_hash
            except OSError:
                same = False
            if not same:
                self.misses += 1
                return None
            entry = self.entries[str(note)] = _restat(entry, st)
            self.dirty = True
        if any(_stat(Path(p)) != (s, m) for p, s, m in entry.media_stats):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, note: Path, result: NoteResult, blob: bytes) -> None:
        """Remember a note's result (`blob`, pickled), unless it depends on images that
        were not usable, or it cannot be written (a full disk loses the entry, never the
        build)."""
        st = _stat(note)
        if st is None or not result.content_hash or result.image_problems:
            self.forget(note)
            return
        stats: dict[str, tuple[str, int, int]] = {}
        for _, m in result.media:
            mst = _stat(m.path)
            if mst is None:
                self.forget(note)
                return
            stats[str(m.path)] = (str(m.path), *mst)
        # Named by the content too: an index saved before a killed build never points at
        # a result written for other content.
        name = f"{hashlib.sha256(str(note).encode()).hexdigest()[:16]}-{result.content_hash[:16]}"
        folder = self.path.parent / RESULTS_DIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Not synced: a result lost in a crash is read as damaged, and parsed again.
            write_atomic(folder / f"{name}.pickle", blob, sync=False)
        except OSError:
            self.forget(note)
            return
        self.entries[str(note)] = CachedNote(
            *st,
            result.content_hash,
            tuple(sorted(stats.values())),
            result.keys,
            result.problems,
            result.media,
            f"{name}.pickle",
        )
        self.dirty = True

    def result(self, entry: CachedNote) -> NoteResult:
        """A cached note's result, read back (CacheError if it is missing or damaged)."""
        try:
            return loads((self.path.parent / RESULTS_DIR / entry.result_file).read_bytes())
        except OSError as exc:
            raise CacheError(f"{entry.result_file}: {exc.strerror}") from exc
        except ValueError as exc:
            raise CacheError(str(exc)) from exc

    def damaged(self, why: str) -> None:
        """Warn (once) that a cached result could not be read back; it was parsed again."""
        problem = unusable(self.path, why)
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
        """Write the index atomically (its folder gets a .gitignore: never commit it), and
        delete the results no entry points to any more."""
        if not self.dirty or not self.writable:
            return
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# flashgen's cache: rebuilt when missing\n*\n", encoding="utf-8")
        packed = pickle.dumps(self.entries, protocol=pickle.HIGHEST_PROTOCOL)
        data = (FORMAT, self.fingerprint, self.lock_identity, packed)
        # Not synced: a cache lost in a crash is read as damaged, and rebuilt.
        write_atomic(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), sync=False)
        for name in _OLDER_FILES:
            (folder / name).unlink(missing_ok=True)
        for old in folder.glob("notes-*.data"):
            old.unlink(missing_ok=True)
        used = {e.result_file for e in self.entries.values()}
        with contextlib.suppress(FileNotFoundError):
            for item in os.scandir(folder / RESULTS_DIR):
                if item.name not in used:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(item.path)
        self.dirty = False


def carry_lock_identity(out_dir: Path, before: str, after: str) -> None:
    """The lock was written again with the same cards (a sync recorded what its target
    holds): the cache that trusted the file `before` trusts the file `after` instead."""
    path = out_dir / CACHE_DIR / CACHE_FILE
    try:
        data = pickle.loads(path.read_bytes())
    except (OSError, *UNPICKLE_ERRORS):
        return
    if isinstance(data, tuple) and len(data) == 4 and data[0] == FORMAT and data[2] == before:
        moved = (data[0], data[1], after, data[3])
        write_atomic(path, pickle.dumps(moved, protocol=pickle.HIGHEST_PROTOCOL), sync=False)


def _restat(entry: CachedNote, st: tuple[int, int]) -> CachedNote:
    """`entry` for a file whose bytes are the same but whose size or mtime changed (touched)."""
    return CachedNote(
        *st,
        entry.content_hash,
        entry.media_stats,
        entry.keys,
        entry.problems,
        entry.media,
        entry.result_file,
    )


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
            "inputs": self.inputs,
            "media": self.media,
            "packages": self.packages,
            "summary": self.summary,
        }
        write_atomic(self.path, json.dumps(data, sort_keys=True).encode("utf-8"))
