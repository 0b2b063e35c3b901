"""Every note's `NoteResult` — parsed now, from the cache, or as the lock keeps it — and
the plan made from them.

A note parsed now gives its result. An unchanged note (a cache hit) gives the cards the
lock has for its keys when the lock is still the file the build that cached the note wrote
(`NoteCache.lock_identity`): planning those cards again would give them back as they are,
so neither the note nor its cached result is decoded. Otherwise its cached result is
decoded. Either way, planning is the one `plan.plan_lock` over every card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from flashgen.cache import CachedNote, CacheError, NoteCache
from flashgen.cards import Problem
from flashgen.extract import Options
from flashgen.identity import Lock, LockEntry
from flashgen.media import MediaFiles
from flashgen.packages import file_key
from flashgen.plan import Plan, plan_lock
from flashgen.project import Project
from flashgen.work import NoteResult, dumps, process_note, process_notes

ProgressFn = Callable[[str, int, int], None]
"""Told (stage, done, total) as a long stage advances; the command line draws a bar."""

Read = NoteResult | CachedNote
"""A note as reading leaves it: parsed now, or a cache hit not yet decoded."""


def read_notes(
    files: Sequence[tuple[Path, Path]],
    options: Options,
    max_media_bytes: int,
    cache: NoteCache,
    progress: ProgressFn | None = None,
    *,
    whole: bool = True,
) -> list[Read]:
    """Look every note up in the cache; parse the others (across cores when there are
    many) and cache them. Only a `whole` build (every note of the notes folders) forgets
    the cached notes it did not find."""
    read: list[Read | None] = [cache.lookup(path) for path, _ in files]
    todo = [i for i, hit in enumerate(read) if hit is None]

    def tick(done: int) -> None:
        if progress is not None:
            progress("Reading notes", done, len(todo))

    jobs = [files[i] for i in todo]
    parsed = process_notes(jobs, options, MediaFiles(max_media_bytes), tick)
    for i, (result, blob) in zip(todo, parsed, strict=True):
        read[i] = result
        if cache.writable:
            cache.put(files[i][0], result, blob)
    if whole:
        cache.keep_only({str(path) for path, _ in files})
    return [r for r in read if r is not None]


def results(
    read: Sequence[Read],
    files: Sequence[tuple[Path, Path]],
    lock: Lock,
    trusted: bool,
    options: Options,
    max_media_bytes: int,
    cache: NoteCache,
) -> Iterator[NoteResult]:
    """Every note's result in file order (see the module's docstring); `trusted`: the lock
    is the one the cache was saved with. A cached result whose bytes are damaged is parsed
    again (and the cache warns once)."""
    cards = lock.cards
    for (path, root), item in zip(files, read, strict=True):
        if isinstance(item, NoteResult):
            yield item
            continue
        if trusted:
            kept = [cards.get(k) for k in item.keys]
            if all(e is not None and e.state == "live" for e in kept):
                yield NoteResult(
                    item.keys,
                    tuple(e for e in kept if e is not None),
                    item.problems,
                    (),
                    item.media,
                    item.content_hash,
                )
                continue
        try:
            yield cache.result(item)
        except CacheError as exc:
            result = process_note(path, root, options, MediaFiles(max_media_bytes))
            cache.damaged(str(exc))
            if cache.writable:
                cache.put(path, result, dumps(result))
            yield result


@dataclass(frozen=True, slots=True)
class Planned:
    """What a plan found besides the plan itself."""

    media: dict[str, dict[str, Path]]
    """Each package's images (by file key), by name."""
    media_paths: tuple[str, ...]
    """Every image file the cards use."""
    problems: tuple[Problem, ...]
    """The notes' problems, then their images', then the plan's (ambiguous renames)."""
    counts: tuple[int, int]
    """Cards and decks."""
    volatile: bool
    """Some card has an image problem, or a rename was ambiguous: never skip the next build."""
    inside: Mapping[str, LockEntry] = field(default_factory=dict)
    """The old lock's cards that this build planned."""
    outside: Mapping[str, LockEntry] = field(default_factory=dict)
    """The old lock's cards a partial build leaves as they are (see `split_lock`)."""


def plan_build(
    notes: Iterable[NoteResult],
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
    held: list[NoteResult] = []
    media: dict[str, dict[str, Path]] = {}
    problems: list[Problem] = []
    image_problems: list[Problem] = []
    decks: set[str] = set()
    paths: set[str] = set()
    for done, note in enumerate(notes):
        if progress is not None and done % 16 == 0:
            progress("Planning notes", done, total)
        held.append(note)
        problems.extend(note.problems)
        image_problems.extend(note.image_problems)
        decks.update(e.deck for e in note.entries)
        for i, m in note.media:
            media.setdefault(file_key(note.entries[i].deck), {})[m.name] = m.path
            paths.add(str(m.path))
    inside, outside = split_lock(lock.cards, held, project)
    built = [(k, e) for note in held for k, e in zip(note.keys, note.entries, strict=True)]
    plan = plan_lock(built, inside, now, prune, (e.guid for e in outside.values()))
    if outside:
        plan = replace(plan, cards={**plan.cards, **outside})
    problems.extend(image_problems)
    problems.extend(plan.problems)
    return plan, Planned(
        media,
        tuple(sorted(paths)),
        tuple(problems),
        (len(built), len(decks)),
        bool(image_problems or plan.problems),
        inside,
        outside,
    )


def split_lock(
    cards: Mapping[str, LockEntry], held: Sequence[NoteResult], project: Project | None
) -> tuple[Mapping[str, LockEntry], dict[str, LockEntry]]:
    """The lock's cards a build plans, and those a partial build leaves as they are: cards
    of notes it does not cover (`Project.covers_source`) that none of its notes built."""
    if project is None or project.whole or not cards:
        return cards, {}
    built = {k for note in held for k in note.keys}
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
