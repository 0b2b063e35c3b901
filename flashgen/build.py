"""The pipeline: paths → notes → cards → rendered fields → identities → packages + lock.

`build_decks` is the one place that writes files.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import marshal
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from flashgen import anki
from flashgen.cache import (
    CACHE_DIR,
    BuildState,
    CachedNote,
    CacheError,
    LockMirror,
    NoteCache,
    Stored,
    fingerprint,
    stat_key,
    unusable,
)
from flashgen.cards import Card, Extraction, Problem, SourceRef
from flashgen.errors import ConfigError, FlashgenError, LockError
from flashgen.extract import Options, extract
from flashgen.fields import LAZY_MIN_NOTES, FieldsRef, NoteFields
from flashgen.forked import Forked, can_fork
from flashgen.identity import (
    Lock,
    LockEntry,
    Plan,
    file_identity,
    load_lock,
    plan_lock,
    write_atomic,
)
from flashgen.increment import PackageNotes, Step, file_key, plan_changed
from flashgen.media import MAX_MEDIA_BYTES, MediaFiles
from flashgen.notes import display_path, read_note
from flashgen.project import (
    LOCK_NAME,
    Project,
    check_paths,
    find_notes,
    find_project,
    lock_to_read,
)
from flashgen.report import Report
from flashgen.work import (
    Light,
    NoteWork,
    Plain,
    light_plain,
    light_work,
    problem_from_plain,
    process_note,
    process_notes,
)

ProgressFn = Callable[[str, int, int], None]
"""Told (stage, done, total) as a long stage advances; the command line draws a bar."""
GUARD_WAIT_SECONDS = 10.0
"""How long a second build waits for the first before failing."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build (or a dry run) produced."""

    cards: tuple[Card, ...]
    """The cards (`collect_cards`, `diff_decks`); a build keeps only their `counts`."""
    problems: tuple[Problem, ...]
    written: tuple[Path, ...] = ()
    """Package files written, in deck order."""
    report: Report = field(default_factory=Report)
    """What the build changes (or, for `diff_decks`, would change)."""
    counts: tuple[int, int] | None = None
    """(cards, decks) when `cards` was not kept: a build."""
    rewritten: tuple[Path, ...] = ()
    """The packages whose content changed and were written again (the others were kept)."""

    @property
    def card_count(self) -> int:
        return self.counts[0] if self.counts is not None else len(self.cards)

    @property
    def deck_count(self) -> int:
        return self.counts[1] if self.counts is not None else len({c.deck for c in self.cards})


def extract_all(
    paths: Sequence[Path],
    options: Options | None = None,
    *,
    progress: ProgressFn | None = None,
    project: Project | None = None,
) -> list[Extraction]:
    """Read and extract every note; problems stay with their note."""
    files, problems = find_notes(paths, project)
    out = [Extraction(None, (), tuple(problems))] if problems else []
    for done, (path, root) in enumerate(files):
        if progress is not None:
            progress("Reading notes", done, len(files))
        note, read_problems = read_note(path, root)
        if note is None:
            out.append(Extraction(None, (), tuple(read_problems)))
            continue
        ex = extract(note, options)
        out.append(Extraction(note, ex.cards, (*read_problems, *ex.problems)))
    return out


def collect_cards(
    paths: Sequence[Path], options: Options | None = None, project: Project | None = None
) -> BuildResult:
    """Cards and problems, without writing anything."""
    return _collected(extract_all(paths, options, project=project))


def _collected(exs: Sequence[Extraction]) -> BuildResult:
    return BuildResult(
        tuple(c for ex in exs for c in ex.cards), tuple(p for ex in exs for p in ex.problems)
    )


def read_changed(
    files: Sequence[tuple[Path, Path]],
    options: Options,
    max_media_bytes: int,
    cache: NoteCache | None,
    progress: ProgressFn | None = None,
    on_parsed: Callable[[int, Light, bytes, Stored | None], None] | None = None,
    *,
    keep: bool = True,
    whole: bool = True,
) -> tuple[list[CachedNote | None], dict[int, NoteWork]]:
    """Look every note up in the cache; parse the others (across cores when there are many).

    Returns the cache hits (None for a note parsed now) and the parsed works by file index
    (none when not `keep`: the works are then never decoded in this process);
    `on_parsed(i, light, blob, stored)` is told of each parsed note as it arrives (while
    the pool works): its `Light` form, its work marshalled, and its cards' keys and fields
    as the cache keeps them (None if it does not). Only a `whole` build (every note of
    the notes folders) forgets the cached notes it did not find.
    """
    hits: list[CachedNote | None] = [
        cache.lookup(path) if cache is not None else None for path, _ in files
    ]
    todo = [i for i, hit in enumerate(hits) if hit is None]

    def tick(done: int) -> None:
        if progress is not None:
            progress("Reading notes", done, len(todo))

    parsed: dict[int, NoteWork] = {}
    jobs = [files[i] for i in todo]
    notes = process_notes(jobs, options, MediaFiles(max_media_bytes), tick, decode=keep)
    for i, (w, blob, light) in zip(todo, notes, strict=True):
        if keep:
            assert w is not None, "decoded when kept"
            parsed[i] = w
        stored = cache.put(files[i][0], light, blob) if cache is not None else None
        if on_parsed is not None:
            on_parsed(i, light, blob, stored)
    if cache is not None and whole:
        cache.keep_only({str(path) for path, _ in files})
    return hits, parsed


def _works(
    hits: Sequence[CachedNote | None],
    parsed: Mapping[int, NoteWork],
    files: Sequence[tuple[Path, Path]],
    options: Options,
    max_media_bytes: int,
    cache: NoteCache | None,
) -> list[NoteWork]:
    """Every note's work in file order: parsed now, or decoded from the cache. A cached work
    whose bytes are damaged is parsed again (and the cache warns once)."""
    out: list[NoteWork] = []
    for i, hit in enumerate(hits):
        if hit is None:
            out.append(parsed[i])
            continue
        try:
            out.append(hit.work())
        except CacheError as exc:
            out.append(_parse_again(files[i], options, max_media_bytes, cache, str(exc))[0])
    return out


def _parse_again(
    file: tuple[Path, Path],
    options: Options,
    max_media_bytes: int,
    cache: NoteCache | None,
    why: str,
) -> tuple[NoteWork, bytes, Light, Stored | None]:
    """A note whose cached work is damaged, parsed again and cached anew (the cache warns
    once, saying `why`): its work, marshalled work, `Light` form and cached fields."""
    path, root = file
    w = process_note(path, root, options, MediaFiles(max_media_bytes))
    blob, light = light_work(w)
    if cache is None:
        return w, blob, light, None
    cache.damaged(why)
    return w, blob, light, cache.put(path, light, blob)


def gather(
    paths: Sequence[Path],
    options: Options | None = None,
    max_media_bytes: int = MAX_MEDIA_BYTES,
    cache: NoteCache | None = None,
    *,
    progress: ProgressFn | None = None,
    found: tuple[list[tuple[Path, Path]], list[Problem]] | None = None,
    project: Project | None = None,
) -> tuple[list[NoteWork], list[Problem]]:
    """Every note's cards and rendered fields: from the cache when unchanged, else parsed
    (across cores when there are many). Returns the works in file order and folder problems."""
    files, problems = found if found is not None else find_notes(paths, project)
    opts = options or Options()
    whole = project is None or project.whole
    hits, parsed = read_changed(files, opts, max_media_bytes, cache, progress, whole=whole)
    works = _works(hits, parsed, files, opts, max_media_bytes, cache)
    return works, [*problems, *(cache.problems if cache is not None else [])]


@dataclass(frozen=True, slots=True)
class NotePart:
    """What planning a whole build needs of one note (a large build leaves the fields of
    its cards in the content cache: `FieldsRef`s in the entries)."""

    keys: Sequence[str]
    """Its cards' keys, in order."""
    entries: list[LockEntry]
    """Each card as the lock would keep it, before planning."""
    problems: tuple[Problem, ...]
    """Reading and extraction problems."""
    image_problems: tuple[Problem, ...]
    media: tuple[tuple[str, str, Path], ...]
    """(file key, name, path) of each image its cards use."""
    decks: frozenset[str]


def note_part(light: Light, now: int, fields: NoteFields | Sequence[Sequence[str]]) -> NotePart:
    """One note's `NotePart` from its `Light` form, with its cards' fields: in memory, or
    left in the cache (`NoteFields`: each entry then holds a `FieldsRef`)."""
    keys, cards, problems, image_problems, used, _ = light
    held: Sequence[Sequence[str]] = (
        [FieldsRef(fields, n) for n in range(len(cards))]
        if isinstance(fields, NoteFields)
        else [tuple(f) for f in fields]
    )
    entries = [
        LockEntry(guid, deck, source, digest, now, "live", front, model, f, tags)
        for (guid, model, deck, source, digest, front, tags), f in zip(cards, held, strict=True)
    ]
    return NotePart(
        keys,
        entries,
        tuple(map(problem_from_plain, problems)),
        tuple(map(problem_from_plain, image_problems)),
        tuple((file_key(cards[i][2]), name, Path(path)) for i, name, path in used),
        frozenset(c[2] for c in cards),
    )


def work_part(w: NoteWork, now: int) -> NotePart:
    """A decoded work's `NotePart`, its fields in memory."""
    return note_part(light_work(w)[1], now, [r.fields for r in w.rendered])


def _fields_of(blob: bytes) -> list[tuple[str, ...]]:
    """Each card's fields, from a note's marshalled work."""
    return _fields_in(marshal.loads(blob))


def _fields_in(plain: Plain) -> list[tuple[str, ...]]:
    """Each card's fields, from a note's work in its `to_plain` form."""
    return [tuple(r[1]) for r in cast(tuple[Any, ...], plain[1])]


class _Built:
    """Every note's cards as (key, entry), made again each time it is iterated: not a list
    of 400,000 pairs held through the plan."""

    def __init__(self, parts: Sequence[NotePart]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[tuple[str, LockEntry]]:
        for part in self.parts:
            yield from zip(part.keys, part.entries, strict=True)


def _parts(
    hits: Sequence[CachedNote | None],
    made: Mapping[int, NotePart],
    files: Sequence[tuple[Path, Path]],
    options: Options,
    max_media_bytes: int,
    cache: NoteCache,
    now: int,
    lazy: bool,
) -> Iterator[NotePart]:
    """Every note's part in file order: made as it was parsed, or from its cached work (one
    note decoded at a time). A cached work whose bytes are damaged is parsed again (and the
    cache warns once)."""
    for i, hit in enumerate(hits):
        part = made.get(i)
        if part is not None:
            yield part
            continue
        assert hit is not None, "a note parsed now has its part made"
        try:
            plain = hit.plain()
            light = light_plain(plain, hit.keys)
        except (CacheError, ValueError, TypeError, IndexError) as exc:
            _, blob, light, stored = _parse_again(
                files[i], options, max_media_bytes, cache, str(exc)
            )
            yield note_part(light, now, stored[1] if lazy and stored else _fields_of(blob))
            continue
        yield note_part(light, now, cache.fields(hit.read) if lazy else _fields_in(plain))


def plan_build(
    parts: Iterable[NotePart],
    lock: Lock,
    now: int,
    prune: bool = False,
    *,
    progress: ProgressFn | None = None,
    total: int = 0,
    project: Project | None = None,
) -> tuple[Plan, Planned]:
    """Settle every card's identity against the lock: a build without writing.

    Returns the plan and what else the notes gave (`total`: how many, for `progress`).
    A partial build (`project.scope`) plans only the lock's cards whose notes it covers;
    the others are in `Planned.outside`, for the new lock as they are.
    """
    held: list[NotePart] = []
    cards = 0
    media: dict[str, dict[str, Path]] = {}
    problems: list[Problem] = []
    image_problems: list[Problem] = []
    decks: set[str] = set()
    paths: set[str] = set()
    for done, part in enumerate(parts):
        if progress is not None and done % 16 == 0:
            progress("Planning notes", done, total)
        held.append(part)
        cards += len(part.entries)
        problems.extend(part.problems)
        image_problems.extend(part.image_problems)
        decks.update(part.decks)
        for fk, name, path in part.media:
            media.setdefault(fk, {})[name] = path
            paths.add(str(path))
    inside, outside = _split_lock(lock.cards, held, project)
    plan = plan_lock(_Built(held), inside, now, prune, (e.guid for e in outside.values()))
    if outside:
        plan = replace(plan, cards={**plan.cards, **outside})
    problems.extend(image_problems)
    problems.extend(plan.problems)
    return plan, Planned(
        media,
        tuple(sorted(paths)),
        tuple(problems),
        (cards, len(decks)),
        bool(image_problems or plan.problems),
        inside,
        outside,
    )


def _split_lock(
    cards: Mapping[str, LockEntry], held: Sequence[NotePart], project: Project | None
) -> tuple[Mapping[str, LockEntry], dict[str, LockEntry]]:
    """The lock's cards a build plans, and those a partial build leaves as they are: cards
    of notes it does not cover (`Project.covers_source`) that none of its notes built."""
    if project is None or project.whole or not cards:
        return cards, {}
    built = {k for part in held for k in part.keys}
    covers: dict[str, bool] = {}
    outside: dict[str, LockEntry] = {}
    for key, entry in cards.items():
        note = entry.source.rsplit(":", 1)[0]
        if note not in covers:
            covers[note] = project.covers_source(entry.source)
        if not covers[note] and key not in built:
            outside[key] = entry
    if not outside:
        return cards, {}
    return {k: e for k, e in cards.items() if k not in outside}, outside


@dataclass(frozen=True, slots=True)
class Planned:
    """What a whole plan found besides the plan itself."""

    media: dict[str, dict[str, Path]]
    """Each package's images (by file key), by name."""
    media_paths: tuple[str, ...]
    """Every image file the cards use."""
    problems: tuple[Problem, ...]
    """The notes' problems, then their images', then the plan's (ambiguous renames)."""
    counts: tuple[int, int]
    """Cards and decks."""
    volatile: bool
    """Some card has an image problem."""
    inside: Mapping[str, LockEntry] = field(default_factory=dict)
    """The old lock's cards that this build planned."""
    outside: Mapping[str, LockEntry] = field(default_factory=dict)
    """The old lock's cards a partial build leaves as they are (see `_split_lock`)."""


def _plan_whole(
    parts: Iterable[NotePart],
    lock: Lock,
    now: int,
    prune: bool,
    mirror: LockMirror,
    progress: ProgressFn | None,
    reset_lock: bool,
    total: int,
    project: Project | None = None,
    known_media: Sequence[str] = (),
) -> Step:
    """Plan every card against the whole lock (a first build, or when `plan_changed` can't).

    A partial build (`project.scope`) writes the packages its notes' cards are in (with the
    other cards they hold, as the lock has them, and those cards' images among
    `known_media`, the images the last build used) and leaves every other package alone.
    """
    plan, planned = plan_build(
        parts, lock, now, prune, progress=progress, total=total, project=project
    )
    by_file: dict[str, list[LockEntry]] = {}
    for entry in plan.written:
        # A card removed before the lock kept fields (format 1) cannot be written again.
        if entry.fields:
            by_file.setdefault(file_key(entry.deck), []).append(entry)
    touched = {file_key(e.deck) for e in planned.inside.values()} | set(by_file)
    media = planned.media
    for entry in planned.outside.values():
        fk = file_key(entry.deck)
        if fk in by_file and entry.fields:
            by_file[fk].append(entry)
            _add_known_media(entry, media.setdefault(fk, {}), known_media)
    stale = touched - set(by_file)
    left = {file_key(e.deck) for e in planned.outside.values()} - touched
    notetypes = dict(lock.notetypes)
    models: tuple[anki.ModelName, ...] = ("basic", "cloze")
    for model in models:
        h = anki.notetype_hash(model)
        old = notetypes.get(str(anki.MODEL_IDS[model]))
        if old is None or old[0] != h:
            notetypes[str(anki.MODEL_IDS[model])] = (h, max(now, (old[1] + 1) if old else 0))
    new_lock = Lock(plan.cards, notetypes)
    held = [new_lock]  # written once, then let go: a large lock's cards are not kept after

    def write_lock(lock_path: Path, before_rename: Callable[[], object]) -> None:
        mirror.write_lock(lock_path, held.pop(), lock, before_rename)

    # A lock as it was, with a mirror that matches it, is left alone.
    rewrite = reset_lock or new_lock != lock or mirror.index is None
    return Step(
        plan.report,
        planned.problems,
        {k: (PackageNotes(entries), media.get(k, {})) for k, entries in by_file.items()},
        frozenset(),
        frozenset(stale),
        write_lock if rewrite else None,
        planned.counts,
        planned.media_paths,
        planned.volatile,
        {m: notetypes[str(anki.MODEL_IDS[m])][1] for m in models},
        left=frozenset(left),
    )


_IMAGE_SRC = re.compile(r'<img [^>]*?src="([^"/]+)"')


def _add_known_media(entry: LockEntry, media: dict[str, Path], known: Sequence[str]) -> None:
    """The images a card a partial build did not read still shows, found among `known` (the
    image files the last build used, by their media names) and added to `media`."""
    names = {n for f in entry.fields for n in _IMAGE_SRC.findall(f)} - media.keys()
    if not names:
        return
    files = MediaFiles()
    for path in known:
        found = files.named(Path(path))
        if found is not None and found.name in names:
            media[found.name] = found.path


def diff_decks(
    paths: Sequence[Path],
    out_dir: Path,
    options: Options | None = None,
    max_media_bytes: int = MAX_MEDIA_BYTES,
    *,
    prune: bool = False,
    project: Project | None = None,
) -> BuildResult:
    """What `build_decks` would change (with `prune`: also what it would forget); writes
    nothing."""
    where = project if project is not None else find_project(paths)
    fp = fingerprint(options or Options(), max_media_bytes, where.roots)
    cache = NoteCache.load(out_dir, fp, writable=False)
    works, found = gather(paths, options, max_media_bytes, cache, project=where)
    cache.close()
    lock = load_lock(lock_to_read(where, out_dir))
    now = int(time.time())
    plan, planned = plan_build((work_part(w, now) for w in works), lock, now, prune, project=where)
    cards = tuple(c for w in works for c in w.cards)
    return BuildResult(cards, (*found, *planned.problems), report=plan.report)


@contextlib.contextmanager
def build_guard(out_dir: Path, lock_dir: Path | None = None) -> Iterator[None]:
    """One build at a time per output folder, and per lock (`lock_dir`, the folder holding
    it, is locked itself: no file is added beside the notes): a second build waits
    briefly, then fails clearly."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    guard = out_dir / ".flashgen.build.lock"
    with open(guard, "a+") as fh, contextlib.ExitStack() as held:
        fds = [(fh.fileno(), out_dir)]
        if lock_dir is not None and lock_dir.resolve() != out_dir.resolve():
            fd = os.open(lock_dir, os.O_RDONLY)
            held.callback(os.close, fd)
            fds.append((fd, lock_dir))
        deadline = time.monotonic() + GUARD_WAIT_SECONDS
        for fd, where in fds:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held.callback(fcntl.flock, fd, fcntl.LOCK_UN)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES) or (
                        time.monotonic() > deadline
                    ):
                        raise LockError(
                            f"another flashgen build is writing to {display_path(where)}; "
                            "wait for it to finish and run the build again"
                        ) from exc
                    time.sleep(0.1)
        yield


def remove_leftovers(out_dir: Path, lock_path: Path | None = None) -> None:
    """Delete temporary files a killed build left behind (only ever flashgen's own names),
    beside the packages and beside the lock."""
    for pattern in (".flashgen-*.anki2", ".*.apkg.*.tmp", f".{LOCK_NAME}.*.tmp"):
        for path in out_dir.glob(pattern):
            path.unlink(missing_ok=True)
    if lock_path is not None:
        for path in lock_path.parent.glob(f".{lock_path.name}.*.tmp"):
            path.unlink(missing_ok=True)


def build_decks(
    paths: Sequence[Path],
    out_dir: Path,
    options: Options | None = None,
    now: int | None = None,
    max_media_bytes: int = MAX_MEDIA_BYTES,
    *,
    prune: bool = False,
    reset_lock: bool = False,
    progress: ProgressFn | None = None,
    project: Project | None = None,
) -> BuildResult:
    """Build every deck: one .apkg per top-level deck, plus the lock file in the notes folder.

    `prune` forgets removed cards; `reset_lock` starts a new lock (the old kept as `.bak`);
    `project` (found from `paths` by default) names the notes folder and the lock, and what
    part of it this build covers. The steps: find the notes (skip all if nothing changed),
    read them, plan every card against the lock, write packages and lock, record them.
    """
    check_paths(paths)
    where = project if project is not None else find_project(paths)
    if reset_lock and not where.whole:
        raise ConfigError(
            "--reset-lock starts the whole lock again: build the whole notes folder "
            f"({display_path(where.roots[0])}) with it"
        )
    _check_output(out_dir)
    run = _Run(
        out_dir,
        where,
        options or Options(),
        max_media_bytes,
        int(time.time()) if now is None else now,
        prune,
        reset_lock,
        progress,
        BuildState.load(out_dir),
    )
    files_found = find_notes(paths, where)
    old_lock = _old_lock(out_dir, where.lock)
    # Taken before any note is read: a note edited during the build is built again next time.
    note_stats = [stat_key(path) for path, _ in files_found[0]]
    same = None if prune or reset_lock or old_lock else _unchanged(run, files_found, note_stats)
    if same is not None:
        return same
    # Parsing runs before the guard is taken: the pool's worker processes must not inherit
    # (and, if the build is killed, keep holding) the guard's lock.
    read = _read_notes(run, files_found[0])
    with build_guard(out_dir, where.lock.parent):
        remove_leftovers(out_dir, where.lock)
        moved = _move_old_lock(old_lock, where.lock) if old_lock is not None else None
        lock_problems = _lock_warnings(out_dir, where.lock, moved)
        backup = _reset_lock(where.lock) if reset_lock else None
        mirror = LockMirror.for_output(out_dir)
        kept_ok = _kept_collections(out_dir, run.state)  # read once: planning and writing ask
        step, found = _plan(run, read, files_found, mirror, kept_ok)
        problems = [*lock_problems, *found, *step.problems]
        try:
            written, rewritten = _write(run, step, read, problems, mirror, kept_ok)
            _record(run, step, read.cache, problems, note_stats, written)
        except OSError as exc:
            raise FlashgenError(
                f"cannot write to {out_dir}: {exc.strerror}; the previous decks are untouched"
            ) from exc
        finally:
            NoteFields.forget()
    report = step.report
    if backup is not None:
        report = replace(report, lock_backup=display_path(backup))
    if moved is not None:
        report = replace(report, lock_moved=moved)
    return BuildResult(
        (),
        tuple(problems),
        tuple(written),
        report,
        counts=step.counts,
        rewritten=tuple(rewritten),
    )


@dataclass
class _Run:
    """What every step of one `build_decks` call shares."""

    out_dir: Path
    where: Project
    options: Options
    max_media_bytes: int
    now: int
    prune: bool
    reset_lock: bool
    progress: ProgressFn | None
    state: BuildState
    """What the last build into `out_dir` wrote; `_record` replaces it."""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.options, self.max_media_bytes, self.where.roots)

    @property
    def build_fp(self) -> str:
        """Everything besides the notes, the lock and the packages that decides a build: a
        new look of the note types (CSS, templates) is a change too, though no note changed."""
        scope = [str(p) for p in self.where.scope or ()]
        return (
            f"{self.fingerprint}|{anki.notetype_hash('basic')}|{anki.notetype_hash('cloze')}|"
            f"{scope!r}"
        )


def _check_output(out_dir: Path) -> None:
    """Stop with a clear message unless `out_dir` is (or can be made) a writable folder."""
    if out_dir.exists() and not out_dir.is_dir():
        raise FlashgenError(f"{out_dir}: is a file, not a folder; choose a folder with -o DIR")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # A name of its own: two builds starting at once must not delete each other's probe.
        fd, probe = tempfile.mkstemp(prefix=".flashgen-write-test-", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise FlashgenError(
            f"cannot write to {out_dir}: {exc.strerror}; choose another folder with -o DIR"
        ) from exc


@dataclass
class _Read:
    """The notes of a build as `_read_notes` leaves them for planning."""

    files: list[tuple[Path, Path]]
    cache: NoteCache
    hits: list[CachedNote | None]
    """Each note's cache entry, None for a note parsed now."""
    parsed: dict[int, NoteWork]
    """The works parsed now, by file index (only when the build may plan incrementally)."""
    made: dict[int, NotePart]
    """Each parsed note's part, by file index."""
    incremental: bool
    lazy: bool
    """A large build: its cards' fields stay in the cache's data file."""


def _read_notes(run: _Run, files: list[tuple[Path, Path]]) -> _Read:
    """Every note from the cache, or parsed (across cores when there are many); each parsed
    note's part is made while the pool is still parsing (this process is idle then)."""
    cache = NoteCache.load(run.out_dir, run.fingerprint)
    # Only a rebuild against the lock the cache was saved with can plan the changed notes
    # alone; a whole plan needs no note's cards, only their parts (and a large build leaves
    # the cards' fields in the cache: memory does not grow with every field of a vault).
    incremental = (
        run.where.whole and not (run.prune or run.reset_lock) and bool(cache.lock_identity)
    )
    lazy = len(files) >= LAZY_MIN_NOTES
    made: dict[int, NotePart] = {}

    def prepare(i: int, light: Light, blob: bytes, stored: Stored | None) -> None:
        fields = stored[1] if lazy and stored is not None else _fields_of(blob)
        made[i] = note_part(light, run.now, fields)

    hits, parsed = read_changed(
        files,
        run.options,
        run.max_media_bytes,
        cache,
        run.progress,
        prepare,
        keep=incremental,
        whole=run.where.whole,
    )
    return _Read(files, cache, hits, parsed, made, incremental, lazy)


def _plan(
    run: _Run,
    read: _Read,
    files_found: tuple[list[tuple[Path, Path]], list[Problem]],
    mirror: LockMirror,
    kept_ok: frozenset[str],
) -> tuple[Step, list[Problem]]:
    """The step to write: the changed notes planned alone when the lock and the cache allow
    it (`increment.plan_changed`), else every card against the whole lock. Returns it with
    the folder's and the cache's problems."""
    out_dir, lock_path, cache = run.out_dir, run.where.lock, read.cache
    found = [*files_found[1], *cache.problems]
    step = None
    if read.incremental:
        index = mirror.load_index(lock_path)
        if index is not None and index.identity == cache.lock_identity:
            suspect = frozenset(
                k
                for k, v in run.state.packages.items()
                if stat_key(out_dir / f"{k}.apkg") != [str(out_dir / f"{k}.apkg"), *v[1:]]
            )
            step = plan_changed(
                read.hits,
                read.parsed,
                index,
                mirror,
                run.now,
                suspect,
                frozenset(run.state.packages),
                {i: list(zip(p.keys, p.entries, strict=True)) for i, p in read.made.items()},
                kept_ok,
            )
    if step is None:
        parts = _parts(
            read.hits,
            read.made,
            read.files,
            run.options,
            run.max_media_bytes,
            cache,
            run.now,
            read.lazy,
        )
        lock = Lock() if run.reset_lock else mirror.load(lock_path)
        step = _plan_whole(
            parts,
            lock,
            run.now,
            run.prune,
            mirror,
            run.progress,
            run.reset_lock,
            len(read.files),
            run.where,
            run.state.media,
        )
        read.made.clear()  # the plan holds what it needs of each note
        found = [*files_found[1], *cache.problems]
    return step, found


def _write(
    run: _Run,
    step: Step,
    read: _Read,
    problems: list[Problem],
    mirror: LockMirror,
    kept_ok: frozenset[str],
) -> tuple[list[Path], list[Path]]:
    """Write the step's packages and the lock (the lock replaced only once the packages
    are). Returns the packages of the build and those written again; leaves what the next
    build needs to know of each package in `run.state` (`packages`, `collections`)."""
    out_dir, state, where = run.out_dir, run.state, run.where
    mods = dict(step.notetypes_mod)
    results = _write_packages_and_lock(out_dir, step, state, mods, kept_ok, where.lock)
    assembled = set(step.packages)
    big = {fk for fk, (notes, _) in step.packages.items() if len(notes) >= IN_PLACE_MIN_NOTES}
    # Every card of the plan is written: let them go before the mirror (a large build's peak
    # of memory) is saved; if the lock is as it was, the mirror may still have had to be
    # made anew.
    step.packages.clear()
    read.made.clear()
    mirror.save()
    written: list[Path] = []
    rewritten: list[Path] = []
    packages_state: dict[str, list[object]] = {}
    collections: dict[str, str] = {}
    for fk in sorted({*assembled, *step.kept, *step.updates}):
        target = out_dir / f"{fk}.apkg"
        written.append(target)
        if fk in step.kept:
            packages_state[fk] = state.packages[fk]
            if fk in state.collections:
                collections[fk] = state.collections[fk]
            continue
        digest, wrote, damaged = results[fk]
        if wrote:
            rewritten.append(target)
        if damaged:  # said once, like the cache's other warnings
            warning = unusable(_collection_path(out_dir, fk), damaged)
            problems.append(warning)
            read.cache.problems.append(warning)
        # A partial build puts the cards it did not read after the others: the next whole
        # build writes such a package again, in the notes' order.
        mark = digest if where.whole else f"partial {digest}"
        packages_state[fk] = [mark, *stat_key(target)[1:]]
        kept = _collection_path(out_dir, fk)
        if fk in step.updates or fk in big:
            collections[fk] = file_identity(kept.stat())
    for fk in step.left:  # a partial build's other packages, as they were
        if fk in state.packages:
            packages_state[fk] = state.packages[fk]
        if fk in state.collections:
            collections[fk] = state.collections[fk]
    for fk in sorted(step.stale):
        # Its cards all went to other decks or were pruned: an old copy could only bring
        # them back on a later import.
        (out_dir / f"{fk}.apkg").unlink(missing_ok=True)
    # Only a whole build leaves what `plan_changed` needs (every package in the notes'
    # order); after a partial one, the next build plans whole.
    identity = mirror.identity if where.whole else ""
    if read.cache.lock_identity != identity:
        read.cache.lock_identity = identity
        read.cache.dirty = True
    state.packages = packages_state
    for fk in state.collections.keys() - collections.keys():
        _collection_path(out_dir, fk).unlink(missing_ok=True)
    state.collections = collections
    return written, rewritten


def _write_packages_and_lock(
    out_dir: Path,
    step: Step,
    state: BuildState,
    mods: Mapping[anki.ModelName, int],
    kept_ok: frozenset[str],
    lock_path: Path,
) -> dict[str, tuple[str, bool, str]]:
    """Write the packages, and the lock once they are (a large build's packages partly by a
    forked child, beside the lock: `FORK_SHARE`). Returns `_write_packages`' results."""
    todo = sorted({*step.packages, *step.updates})
    sizes = [len((step.updates.get(k) or step.packages[k])[0]) for k in todo]
    child: Forked[dict[str, tuple[str, bool, str]]] | None = None
    try:
        if sum(sizes) >= FORK_MIN_NOTES and can_fork():
            cut, held = 0, 0
            while cut < len(todo) and held < FORK_SHARE * sum(sizes):
                held += sizes[cut]
                cut += 1
            child = Forked(lambda: _write_packages(out_dir, step, state, mods, todo[:cut], kept_ok))

            def both() -> dict[str, tuple[str, bool, str]]:
                assert child is not None
                mine = _write_packages(out_dir, step, state, mods, todo[cut:], kept_ok)
                return {**child.result(), **mine}

            done = _once(both)
        else:
            done = _once(lambda: _write_packages(out_dir, step, state, mods, todo, kept_ok))
        if step.write_lock is not None:
            step.write_lock(lock_path, done)  # the lock replaced only once packages are
        return done()
    finally:
        if child is not None:
            child.close()


def _record(
    run: _Run,
    step: Step,
    cache: NoteCache,
    problems: Sequence[Problem],
    note_stats: list[list[object]],
    written: Sequence[Path],
) -> None:
    """Save the cache and what this build wrote, for the next build to skip what did not
    change (or, when nothing did, the whole build)."""
    cache.save()
    cache.close()
    state = run.state
    state.media = list(step.media) if run.where.whole else sorted({*state.media, *step.media})
    state.summary = {
        "cards": step.counts[0],
        "decks": step.counts[1],
        "problems": [
            [p.source.path, p.source.line, p.message, p.level]
            for p in problems
            if p not in cache.problems  # said once; the next build does not read it
        ],
    }
    # Image problems depend on files that may appear later: no skipping then.
    state.inputs = (
        ""
        if step.volatile
        else state.digest(run.build_fp, note_stats, run.where.lock, list(written))
    )
    state.save()


def _write_packages(
    out_dir: Path,
    step: Step,
    state: BuildState,
    mods: Mapping[anki.ModelName, int],
    keys: Sequence[str],
    kept_ok: frozenset[str],
) -> dict[str, tuple[str, bool, str]]:
    """Write the step's packages `keys` (whole, or changed in place) unless one is already
    as it would be written (a large one also needs its collection kept: `kept_ok`). Returns each one's digest, whether it was written, and why its
    kept collection could not be used (else "")."""
    out: dict[str, tuple[str, bool, str]] = {}
    for fk in keys:
        target = out_dir / f"{fk}.apkg"
        kept = _collection_path(out_dir, fk)
        if fk in step.updates:
            upserts, live, media, whole = step.updates[fk]
            try:
                anki.update_package(target, kept, upserts, live.__contains__, media, mods)
            except sqlite3.DatabaseError as exc:
                # Only the cache is damaged: the package is assembled and written whole.
                notes, media = whole()
                anki.write_package(target, notes, media, mods, kept)
                out[fk] = (package_digest(notes, media, mods), True, str(exc))
                continue
            # Not a digest of the notes (they were not all assembled): the next build that
            # assembles them all writes the package again.
            digest = hashlib.sha256(
                f"{state.packages[fk][0]}|{package_digest(upserts, media, mods)}".encode()
            ).hexdigest()
            out[fk] = ("in place " + digest, True, "")
            continue
        planned, media = step.packages[fk]
        notes = list(planned)  # made once: the digest and the writer each read every note
        digest = package_digest(notes, media, mods)
        known = state.packages.get(fk)
        big = len(notes) >= IN_PLACE_MIN_NOTES
        stale = (
            known is None
            or known[0] != digest
            or stat_key(target) != [str(target), *known[1:]]
            or (big and fk not in kept_ok)
        )
        if stale:
            anki.write_package(target, notes, media, mods, kept if big else None)
        out[fk] = (digest, stale, "")
    return out


T = TypeVar("T")


def _once(fn: Callable[[], T]) -> Callable[[], T]:
    """`fn`, run on the first call only; later calls return its first value."""
    got: list[T] = []

    def call() -> T:
        if not got:
            got.append(fn())
        return got[0]

    return call


FORK_MIN_NOTES = 2000
"""Packages of this many notes in all are written in a forked child, beside the lock."""
FORK_SHARE = 2 / 3
"""The share of the packages' notes the forked child writes: a package's card costs about
three times what its lock text does (measured: 1.14 s of packages and 0.37 s of lock for
40,820 cards), so both processes finish together when the child takes (1 + 1/3) / 2."""
IN_PLACE_MIN_NOTES = 2000
"""A package of this many notes keeps its collection, and a rebuild changes that in place
instead of writing every row again (a one-edit rebuild of one 40,000-note deck: 1.7 s →
see bench/RESULTS.md)."""


def _collection_path(out_dir: Path, file_key: str) -> Path:
    return out_dir / CACHE_DIR / "collections" / f"{file_key}.anki2"


def _kept_collections(out_dir: Path, state: BuildState) -> frozenset[str]:
    """Packages whose collection is kept exactly as the last build left it."""
    kept = set()
    for fk, identity in state.collections.items():
        try:
            with open(_collection_path(out_dir, fk), "rb") as fh:
                same = file_identity(os.fstat(fh.fileno())) == identity
                if same and fh.read(16) == b"SQLite format 3\x00":
                    kept.add(fk)
        except OSError:
            continue
    return frozenset(kept)


def package_digest(
    notes: Sequence[anki.PackageNote],
    media: Mapping[str, Path],
    mods: Mapping[anki.ModelName, int],
) -> str:
    """What decides a package's bytes (media by content-hash name; note types by mod)."""
    h = hashlib.sha256()
    for n in notes:
        h.update("\x1f".join((n.guid, n.model, n.deck, str(n.mod), *n.fields, *n.tags)).encode())
        h.update(b"\x1e")
    h.update(repr((sorted(media), sorted(mods.items()))).encode())
    return h.hexdigest()


def _unchanged(
    run: _Run,
    files_found: tuple[list[tuple[Path, Path]], list[Problem]],
    note_stats: list[list[object]],
) -> BuildResult | None:
    """The result of a build that finds every input as the last build left it (notes,
    images, lock, packages, settings), from what that build recorded; None otherwise."""
    state = run.state
    packages = [run.out_dir / f"{k}.apkg" for k in sorted(state.packages)]
    if (
        not state.inputs
        or state.digest(run.build_fp, note_stats, run.where.lock, packages) != state.inputs
    ):
        return None
    summary = state.summary
    cached = [
        Problem(
            SourceRef(str(p[0]), int(p[1])), str(p[2]), "error" if p[3] == "error" else "warning"
        )
        for p in summary.get("problems", [])  # type: ignore[attr-defined]
    ]
    counts = (int(summary.get("cards", 0)), int(summary.get("decks", 0)))  # type: ignore[call-overload]
    return BuildResult((), (*files_found[1], *cached), tuple(packages), Report(), counts=counts)


def _old_lock(out_dir: Path, lock_path: Path) -> Path | None:
    """A lock an older flashgen left in the output folder, to move to `lock_path` (once)."""
    old = out_dir / LOCK_NAME
    if old.resolve() == lock_path.resolve() or lock_path.exists() or not old.is_file():
        return None
    return old


def _move_old_lock(old: Path, lock_path: Path) -> str:
    """Move the lock from the output folder to the notes folder; returns what to say."""
    try:
        write_atomic(lock_path, old.read_bytes())
        old.unlink()
    except OSError as exc:
        raise FlashgenError(
            f"cannot move the lock file {display_path(old)} to {display_path(lock_path)}: "
            f"{exc.strerror}"
        ) from exc
    return f"{display_path(old)} → {display_path(lock_path)}"


def _lock_warnings(out_dir: Path, lock_path: Path, moved: str | None) -> list[Problem]:
    """A warning when packages exist but their lock is missing, or an old lock lies beside
    them that this build does not read."""
    if moved is not None:
        return []
    old = out_dir / LOCK_NAME
    if lock_path.exists():
        if old.is_file() and old.resolve() != lock_path.resolve():
            return [
                Problem(
                    SourceRef(display_path(old), 1),
                    f"an older lock file, not read: the lock is {display_path(lock_path)}; "
                    "delete this one",
                )
            ]
        return []
    packages = sorted(out_dir.glob("*.apkg"))
    if not packages:
        return []
    return [
        Problem(
            SourceRef(display_path(lock_path), 1),
            f"no lock file, but {display_path(out_dir)} holds {len(packages)} package"
            f"{'s' * (len(packages) != 1)} from an earlier build: cards renamed or removed "
            "since then come back as new cards; restore the lock from version control if "
            "you have it",
        )
    ]


def _reset_lock(lock_path: Path) -> Path | None:
    """Copy the current lock file, if any, to `<name>.bak` before a new one is started."""
    if not lock_path.exists():
        return None
    backup = lock_path.with_name(lock_path.name + ".bak")
    try:
        write_atomic(backup, lock_path.read_bytes())
    except OSError as exc:
        raise FlashgenError(f"cannot keep the old lock file as {backup}: {exc.strerror}") from exc
    return backup
