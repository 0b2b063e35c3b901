"""The pipeline: paths → notes → results → plan → packages + lock.

`build_decks` is the one place that writes files: it finds the notes (and skips everything
when nothing changed since the last build), reads them (`gather`), plans every card
against the lock (`plan`), writes the packages that changed (`packages`, `anki`) and then
the lock (`lockfile`), and records what it wrote for the next build (`cache`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from flashgen import anki, lockfile, packages
from flashgen.cache import BuildState, NoteCache, fingerprint, stat_key
from flashgen.cards import Card, Extraction, Problem, SourceRef
from flashgen.errors import ConfigError, FlashgenError
from flashgen.extract import Options, extract
from flashgen.gather import Planned, ProgressFn, Read, plan_build, read_notes, results
from flashgen.guard import build_guard, gc_paused, remove_leftovers
from flashgen.identity import Lock, Target
from flashgen.lockfile import (
    lock_warnings,
    move_old_lock,
    old_lock,
    parse_lock,
    read_lock_file,
    write_lock,
)
from flashgen.media import MAX_MEDIA_BYTES
from flashgen.notes import display_path, read_note
from flashgen.plan import Plan
from flashgen.project import Project, check_paths, find_notes, find_project, lock_to_read
from flashgen.report import Report

__all__ = [
    "BuildResult",
    "ProgressFn",
    "build_decks",
    "collect_cards",
    "diff_decks",
]


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
    lock: Lock | None = None
    """`diff_decks`: the lock the build would write."""
    media: tuple[str, ...] = ()
    """`diff_decks`: every image file the cards use."""

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
    opts = options or Options()
    cache = NoteCache.load(out_dir, fingerprint(opts, max_media_bytes, where.roots), writable=False)
    files, found = find_notes(paths, where)
    read = read_notes(files, opts, max_media_bytes, cache, whole=False)
    lock_path = lock_to_read(where, out_dir)
    raw = read_lock_file(lock_path)
    with gc_paused():
        lock = Lock() if raw is None else parse_lock(raw[0], lock_path)
    trusted = raw is not None and raw[1] == cache.lock_identity and where.whole
    notes = results(read, files, lock, trusted, opts, max_media_bytes, cache)
    with gc_paused():
        plan, planned = plan_build(notes, lock, int(time.time()), prune, project=where)
    return BuildResult(
        (),
        (*found, *cache.problems, *planned.problems),
        report=plan.report,
        lock=Lock(plan.cards, lock.notetypes, lock.targets),
        media=planned.media_paths,
    )


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
    part of it this build covers.
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
    files, found = find_notes(paths, where)
    older = old_lock(out_dir, where.lock)
    # Taken before any note is read: a note edited during the build is built again next time.
    note_stats = [stat_key(path) for path, _ in files]
    same = None if prune or reset_lock or older else _unchanged(run, found, note_stats)
    if same is not None:
        return same
    # Parsing runs before the guard is taken: the pool's worker processes must not inherit
    # (and, if the build is killed, keep holding) the guard's lock.
    cache = NoteCache.load(out_dir, run.fingerprint)
    read = read_notes(files, run.options, max_media_bytes, cache, progress, whole=where.whole)
    with build_guard(out_dir, where.lock.parent), gc_paused():
        remove_leftovers(out_dir, where.lock)
        moved = move_old_lock(older, where.lock) if older is not None else None
        problems = lock_warnings(out_dir, where.lock, moved)
        backup = lockfile.reset_lock(where.lock) if reset_lock else None
        step = _plan(run, cache, read, files)
        problems += [*found, *cache.problems, *step.planned.problems]
        try:
            written, rewritten = _write(run, step, cache)
            _record(run, step, cache, problems, note_stats, written)
        except OSError as exc:
            raise FlashgenError(
                f"cannot write to {out_dir}: {exc.strerror}; the previous decks are untouched"
            ) from exc
    report = step.plan.report
    if backup is not None:
        report = replace(report, lock_backup=display_path(backup))
    if moved is not None:
        report = replace(report, lock_moved=moved)
    return BuildResult(
        (),
        tuple(problems),
        tuple(written),
        report,
        counts=step.planned.counts,
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


@dataclass(frozen=True, slots=True)
class _Step:
    """What a build writes: the plan, the packages it gives, and the new lock."""

    plan: Plan
    planned: Planned
    packages: dict[str, packages.Package]
    """Every package with a card planned now, by file key."""
    stale: frozenset[str]
    """Packages whose cards all went elsewhere (or were pruned): deleted."""
    left: frozenset[str]
    """A partial build's other packages, left as they are."""
    lock: Lock
    """The new lock."""
    rewrite_lock: bool
    mods: dict[anki.ModelName, int]
    """Each note type's mod time."""


def _plan(run: _Run, cache: NoteCache, read: list[Read], files: list[tuple[Path, Path]]) -> _Step:
    """Plan every card against the lock and assemble the packages."""
    raw = None if run.reset_lock else read_lock_file(run.where.lock)
    old = Lock() if raw is None else parse_lock(raw[0], run.where.lock)
    trusted = raw is not None and raw[1] == cache.lock_identity and run.where.whole
    notes = results(read, files, old, trusted, run.options, run.max_media_bytes, cache)
    plan, planned = plan_build(
        notes,
        old,
        run.now,
        run.prune,
        progress=run.progress,
        total=len(files),
        project=run.where,
    )
    kinds, mods = packages.notetypes(old.notetypes, run.now)
    built = packages.assemble(
        plan.written, planned.outside.values(), planned.media, run.state.media
    )
    touched = {packages.file_key(e.deck) for e in planned.inside.values()} | set(built)
    left = {packages.file_key(e.deck) for e in planned.outside.values()} - touched
    # What sync targets hold: kept as it is (a new lock too: Anki still holds those notes).
    lock = Lock(plan.cards, kinds, _kept_targets(run.where.lock) if run.reset_lock else old.targets)
    # A lock as it was is left alone: the cache's trust in it stays.
    rewrite = run.reset_lock or raw is None or lock != old
    if not rewrite and raw is not None and run.where.whole:
        cache.lock_identity = raw[1]
    return _Step(
        plan,
        planned,
        built,
        frozenset(touched - set(built)),
        frozenset(left),
        lock,
        rewrite,
        mods,
    )


def _kept_targets(lock_path: Path) -> Mapping[str, Target]:
    """The sync targets of the lock `--reset-lock` replaces; none when it is unreadable."""
    try:
        return lockfile.load_lock(lock_path).targets
    except FlashgenError:
        return {}


def _write(run: _Run, step: _Step, cache: NoteCache) -> tuple[list[Path], list[Path]]:
    """Write the packages that changed, then the lock (replaced only once the packages
    are). Returns the packages of the build and those written again; leaves what the next
    build needs to know of each package in `run.state.packages`."""
    out_dir, state, where = run.out_dir, run.state, run.where
    written: list[Path] = []
    recorded: dict[str, list[object]] = {}
    todo: list[tuple[Path, packages.Package]] = []
    digests: dict[str, str] = {}
    for fk, package in sorted(step.packages.items()):
        target = out_dir / f"{fk}.apkg"
        digests[fk] = digest = package.digest(step.mods)
        known = state.packages.get(fk)
        if known is None or known[0] != digest or stat_key(target) != [str(target), *known[1:]]:
            todo.append((target, package))
    packages.write_all(todo, step.mods)
    rewritten = [target for target, _ in todo]
    for fk, digest in digests.items():
        target = out_dir / f"{fk}.apkg"
        written.append(target)
        # A partial build puts the cards it did not read after the others: the next whole
        # build writes such a package again, in the notes' order.
        mark = digest if where.whole else f"partial {digest}"
        recorded[fk] = [mark, *stat_key(target)[1:]]
    for fk in step.left:  # a partial build's other packages, as they were
        if fk in state.packages:
            recorded[fk] = state.packages[fk]
    for fk in sorted(step.stale):
        # Its cards all went to other decks or were pruned: an old copy could only bring
        # them back on a later import.
        (out_dir / f"{fk}.apkg").unlink(missing_ok=True)
    if step.rewrite_lock:
        identity = write_lock(where.lock, step.lock)
        # Only a whole build's lock stands in for the cached notes' cards next time.
        cache.lock_identity = identity if where.whole else ""
        cache.dirty = True
    state.packages = recorded
    return written, rewritten


def _record(
    run: _Run,
    step: _Step,
    cache: NoteCache,
    problems: Sequence[Problem],
    note_stats: list[list[object]],
    written: Sequence[Path],
) -> None:
    """Save the cache and what this build wrote, for the next build to skip what did not
    change (or, when nothing did, the whole build)."""
    cache.save()
    state = run.state
    media = step.planned.media_paths
    state.media = list(media) if run.where.whole else sorted({*state.media, *media})
    state.summary = {
        "cards": step.planned.counts[0],
        "decks": step.planned.counts[1],
        "problems": [
            [p.source.path, p.source.line, p.message, p.level]
            for p in problems
            if p not in cache.problems  # said once; the next build does not read it
        ],
    }
    # Image problems depend on files that may appear later: no skipping then.
    state.inputs = (
        ""
        if step.planned.volatile
        else state.digest(run.build_fp, note_stats, run.where.lock, list(written))
    )
    state.save()


def _unchanged(
    run: _Run,
    found: list[Problem],
    note_stats: list[list[object]],
) -> BuildResult | None:
    """The result of a build that finds every input as the last build left it (notes,
    images, lock, packages, settings), from what that build recorded; None otherwise."""
    state = run.state
    apkgs = [run.out_dir / f"{k}.apkg" for k in sorted(state.packages)]
    if (
        not state.inputs
        or state.digest(run.build_fp, note_stats, run.where.lock, apkgs) != state.inputs
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
    return BuildResult((), (*found, *cached), tuple(apkgs), Report(), counts=counts)
