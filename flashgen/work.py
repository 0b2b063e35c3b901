"""One note's work — read, extract, render — as the one `NoteResult` a build plans with.

A cold build of many notes spreads this work over the machine's cores with
`concurrent.futures`; the order of the results is the order of the files, whatever the
pool does. A result crosses the process boundary, and lives in the cache, pickled.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flashgen.cards import Problem
from flashgen.errors import FlashgenError
from flashgen.extract import Options, extract
from flashgen.identity import LockEntry, card_entry
from flashgen.media import Media, MediaFiles
from flashgen.notes import read_note
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


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """SIGINT (Ctrl-C) blocked in this thread meanwhile, so a process forked here starts
    with it blocked: one that comes meanwhile is delivered when it is unblocked (here, a
    KeyboardInterrupt on leaving; in the child, `release_sigint` or ignoring it)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - POSIX has it
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def release_sigint() -> None:
    """Unblock SIGINT in a process started under `sigint_held`."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


_worker: tuple[Options, MediaFiles] | None = None


def _init_worker(options: Options, max_media_bytes: int, parent: int) -> None:
    global _worker
    # Ctrl-C is the build's to handle: a terminal sends SIGINT to every process of the
    # group, and a worker stopped by it at a random point would leave its pipe half
    # written, and the pool waiting for ever. A SIGINT that came while the worker started
    # was held back (`sigint_held`): ignored, it is dropped.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    release_sigint()
    _worker = (options, MediaFiles(max_media_bytes))
    # The build's pid comes from the build: a worker whose build was killed before this ran
    # has another parent already, and watching that one would keep it waiting for ever.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose build was killed (SIGKILL) would wait forever on a pipe its siblings
    keep open: it leaves as soon as its parent is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


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
    # Only for a pool's worth of notes.
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    plain_jobs = [(str(p), str(r)) for p, r in jobs]
    chunk = max(1, min(32, len(jobs) // (cpus * 8)))
    pool = ProcessPoolExecutor(
        max_workers=cpus,
        initializer=_init_worker,
        initargs=(options, files.max_bytes, os.getpid()),
    )
    finished = False
    try:
        # The workers are forked by the first submission (map submits every chunk at once):
        # with Ctrl-C held back, so that each starts with it blocked and then ignores it.
        with sigint_held():
            results = pool.map(_work_blob, plain_jobs, chunksize=chunk)
        for done, blob in enumerate(results):
            yield loads(blob), blob
            if progress is not None:
                progress(done + 1)
        finished = True
    except BrokenProcessPool as exc:
        raise FlashgenError(
            f"a process parsing notes ended unexpectedly ({exc}); run the build again"
        ) from exc
    finally:
        pool.shutdown(wait=finished, cancel_futures=not finished)
