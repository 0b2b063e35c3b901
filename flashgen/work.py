"""One note's work — read, extract, render — as the one `NoteResult` a build plans with.

A cold build of many notes spreads this work over the machine's cores with
`concurrent.futures`; the order of the results is the order of the files, whatever the
pool does. A result crosses the process boundary, and lives in the cache, pickled.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flashgen.cards import Problem
from flashgen.extract import Options, extract
from flashgen.identity import LockEntry, card_entry
from flashgen.media import Media, MediaFiles
from flashgen.notes import read_note
from flashgen.pool import in_pool
from flashgen.render import render

PARALLEL_MIN_NOTES = 64
"""Below this many notes to parse, a process pool costs more than it saves."""


@dataclass(frozen=True, slots=True)
class NoteResult:
    """Everything one note gives a build: its cards as the lock would keep them (before
    planning settles their GUIDs and mod times), its problems and its images."""

    keys: tuple[str, ...]
    """Each card's key (`Card.key`), in the note's order."""
    entries: tuple[LockEntry, ...]
    """Each card as built now: its key's GUID, mod time 0 (planning sets both)."""
    problems: tuple[Problem, ...] = ()
    """Reading and extraction problems."""
    image_problems: tuple[Problem, ...] = ()
    """Images not found, refused, too large or remote: the cards are built anyway."""
    media: tuple[tuple[int, Media], ...] = ()
    """(card index, image) for every image a card shows."""
    content_hash: str = ""
    """sha256 of the file's bytes; empty when the file could not be read."""

    @property
    def decks(self) -> frozenset[str]:
        return frozenset(e.deck for e in self.entries)


def process_note(path: Path, root: Path, options: Options, files: MediaFiles) -> NoteResult:
    """Read, extract and render one note."""
    note, problems = read_note(path, root)
    if note is None:
        return NoteResult((), (), tuple(problems))
    ex = extract(note, options)
    entries: list[LockEntry] = []
    image_problems: list[Problem] = []
    media: list[tuple[int, Media]] = []
    for i, card in enumerate(ex.cards):
        r = render(card, note, files)
        entries.append(
            card_entry(
                card.key,
                model=r.model,
                deck=card.deck,
                fields=r.fields,
                tags=card.tags,
                source=str(card.source),
                front=card.front,
                now=0,
            )
        )
        image_problems.extend(r.problems)
        media.extend((i, m) for m in r.media)
    return NoteResult(
        tuple(c.key for c in ex.cards),
        tuple(entries),
        (*problems, *ex.problems),
        tuple(image_problems),
        tuple(media),
        note.content_hash,
    )


UNPICKLE_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    MemoryError,
)
"""What damaged pickled bytes raise."""


def dumps(result: NoteResult) -> bytes:
    """A result as it crosses processes and as the cache keeps it."""
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> NoteResult:
    """The inverse of `dumps` (ValueError if the bytes are not a result)."""
    try:
        value = pickle.loads(blob)
    except UNPICKLE_ERRORS as exc:
        raise ValueError(f"not a note's result ({type(exc).__name__}: {exc})") from exc
    if not isinstance(value, NoteResult):
        raise ValueError("not a note's result")  # noqa: TRY004 - damaged bytes, not a bug
    return value


_worker: tuple[Options, MediaFiles] | None = None


def _init_worker(options: Options, max_media_bytes: int) -> None:
    global _worker
    _worker = (options, MediaFiles(max_media_bytes))


def _work_blob(job: tuple[str, str]) -> bytes:
    assert _worker is not None
    options, files = _worker
    # Pickled here, once: what the pool sends and what the cache keeps are the same bytes.
    return dumps(process_note(Path(job[0]), Path(job[1]), options, files))


def process_notes(
    jobs: Sequence[tuple[Path, Path]],
    options: Options,
    files: MediaFiles,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Iterator[tuple[NoteResult, bytes]]:
    """Process (path, root) jobs in order; in a process pool when there are enough of them.

    Each note comes as its result and the result pickled (`dumps`). Stopped early (Ctrl-C,
    an error, the iterator closed), it does not wait for the notes not yet parsed: the
    pool's workers finish the chunk in hand and leave.
    """
    cpus = workers if workers is not None else (os.cpu_count() or 1)
    if cpus < 2 or len(jobs) < PARALLEL_MIN_NOTES:
        for done, (path, root) in enumerate(jobs):
            result = process_note(path, root, options, files)
            yield result, dumps(result)
            if progress is not None:
                progress(done + 1)
        return
    plain_jobs = [(str(p), str(r)) for p, r in jobs]
    chunk = max(1, min(32, len(jobs) // (cpus * 8)))
    results = in_pool(
        _work_blob,
        plain_jobs,
        cpus,
        chunk,
        "parsing notes",
        _init_worker,
        (options, files.max_bytes),
    )
    for done, blob in enumerate(results):
        yield loads(blob), blob
        if progress is not None:
            progress(done + 1)
