"""One note's work — read, extract, render — in a plain form that crosses processes and caches.

A cold build of many notes spreads this work over the machine's cores; the order of the
results is the order of the files, whatever the pool does.
"""

from __future__ import annotations

import marshal
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flashgen.cards import Card, Problem, SourceRef
from flashgen.errors import FlashgenError
from flashgen.extract import Options, extract
from flashgen.forked import release_sigint, sigint_held
from flashgen.identity import card_entry
from flashgen.media import Media, MediaFiles
from flashgen.notes import read_note
from flashgen.render import Rendered, render

PARALLEL_MIN_NOTES = 64
"""Below this many notes to parse, a process pool costs more than it saves."""

Plain = tuple[object, ...]
"""A NoteWork as nested tuples of str/int/bool: what marshal and pickle carry cheaply."""


@dataclass(frozen=True, slots=True)
class NoteWork:
    """Everything one note gives a build."""

    cards: tuple[Card, ...]
    rendered: tuple[Rendered, ...]
    """One per card, same order."""
    problems: tuple[Problem, ...]
    """Reading and extraction problems (render problems are in `rendered`)."""
    content_hash: str = ""
    """sha256 of the file's bytes; empty when the file could not be read."""


def process_note(path: Path, root: Path, options: Options, files: MediaFiles) -> NoteWork:
    """Read, extract and render one note."""
    note, problems = read_note(path, root)
    if note is None:
        return NoteWork((), (), tuple(problems))
    ex = extract(note, options)
    rendered = tuple(render(card, note, files) for card in ex.cards)
    return NoteWork(ex.cards, rendered, (*problems, *ex.problems), note.content_hash)


def problem_plain(p: Problem) -> Plain:
    return (p.source.path, p.source.line, p.message, p.level)


def problem_from_plain(t: Sequence[Any]) -> Problem:
    path, line, message, level = t
    return Problem(
        SourceRef(str(path), int(line)), str(message), "error" if level == "error" else "warning"
    )


def to_plain(w: NoteWork) -> Plain:
    """NoteWork → nested tuples (for the cache and for crossing a process boundary)."""
    cards = tuple(
        (
            c.kind,
            c.deck,
            c.front,
            c.back,
            c.items,
            c.extra,
            c.context,
            c.source.path,
            c.source.line,
            c.tags,
            c.note_key,
            c.term,
            c.occurrence,
            c.reverse,
        )
        for c in w.cards
    )
    rendered = tuple(
        (
            r.model,
            r.fields,
            tuple((m.name, str(m.path)) for m in r.media),
            tuple(problem_plain(p) for p in r.problems),
        )
        for r in w.rendered
    )
    return (cards, rendered, tuple(problem_plain(p) for p in w.problems), w.content_hash)


def from_plain(t: Plain) -> NoteWork:
    """The inverse of `to_plain`."""
    cards_t, rendered_t, problems_t, content_hash = cast(tuple[Any, Any, Any, Any], t)
    cards = tuple(
        Card(
            kind=c[0],
            deck=c[1],
            front=c[2],
            back=c[3],
            items=tuple(c[4]),
            extra=c[5],
            context=tuple(c[6]),
            source=SourceRef(c[7], c[8]),
            tags=tuple(c[9]),
            note_key=c[10],
            term=c[11],
            occurrence=c[12],
            reverse=c[13],
        )
        for c in cards_t
    )
    rendered = tuple(
        Rendered(
            card,
            r[0],
            tuple(r[1]),
            tuple(Media(name, Path(path)) for name, path in r[2]),
            tuple(problem_from_plain(p) for p in r[3]),
        )
        for card, r in zip(cards, rendered_t, strict=True)
    )
    problems = tuple(problem_from_plain(p) for p in problems_t)
    return NoteWork(cards, rendered, problems, str(content_hash))


CardOutput = tuple[str, str, tuple[str, ...], tuple[str, ...]]
"""What one card puts in a package: deck, note type, rendered fields, tags."""


def card_outputs(t: Plain) -> list[CardOutput]:
    """Each card's `CardOutput`, read straight from a `to_plain` form."""
    cards_t, rendered_t = cast(tuple[Any, Any], t[:2])
    return [
        (str(c[1]), str(r[0]), tuple(r[1]), tuple(c[9]))
        for c, r in zip(cards_t, rendered_t, strict=True)
    ]


Light = tuple[Any, ...]
"""What planning a whole build needs of a note, without its cards' fields (plain values):
its cards' keys; each card's (GUID, note type, deck, source, content hash, front, tags);
its problems; its images' problems; (card, name, path) of each image; its content hash.
A worker process makes it beside the marshalled work, so the build's process never
decodes the cards of a note it only plans."""


def light_work(w: NoteWork) -> tuple[bytes, Light]:
    """A work marshalled (`to_plain`), and its `Light` form."""
    plain = to_plain(w)
    return marshal.dumps(plain), light_plain(plain, [c.key for c in w.cards])  # type: ignore[arg-type]


def light_plain(t: Plain, keys: Sequence[str]) -> Light:
    """The `Light` form of a note's `to_plain` form `t` (`keys`: its cards' keys)."""
    cards_t, rendered_t, problems_t, content_hash = cast(tuple[Any, Any, Any, Any], t)
    cards = []
    for k, c, r in zip(keys, cards_t, rendered_t, strict=True):
        e = card_entry(
            k,
            model=r[0],
            deck=c[1],
            fields=r[1],
            tags=c[9],
            source=f"{c[7]}:{c[8]}",
            front=c[2],
            now=0,
        )
        cards.append((e.guid, e.model, e.deck, e.source, e.hash, e.front, tuple(e.tags)))
    image_problems = tuple(p for r in rendered_t for p in r[3])
    used = tuple((i, name, path) for i, r in enumerate(rendered_t) for name, path in r[2])
    return (tuple(keys), tuple(cards), tuple(problems_t), image_problems, used, content_hash)


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


def _work_blob(job: tuple[str, str]) -> tuple[bytes, bytes]:
    assert _worker is not None
    options, files = _worker
    # Marshalled here: cheaper to send than nested tuples, and what the cache keeps as is.
    blob, light = light_work(process_note(Path(job[0]), Path(job[1]), options, files))
    return blob, marshal.dumps(light)


def process_notes(
    jobs: Sequence[tuple[Path, Path]],
    options: Options,
    files: MediaFiles,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    *,
    decode: bool = True,
) -> Iterator[tuple[NoteWork | None, bytes, Light]]:
    """Process (path, root) jobs in order; in a process pool when there are enough of them.

    Each note comes as its work (None when a worker made it and not `decode`), the work
    marshalled (`to_plain`) and its `Light` form. Stopped early (Ctrl-C, an error, the
    iterator closed), it does not wait for the notes not yet parsed: the pool's workers
    finish the chunk in hand and leave.
    """
    cpus = workers if workers is not None else (os.cpu_count() or 1)
    if cpus < 2 or len(jobs) < PARALLEL_MIN_NOTES:
        for done, (path, root) in enumerate(jobs):
            w = process_note(path, root, options, files)
            yield w, *light_work(w)
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
        for done, (blob, packed) in enumerate(results):
            yield from_plain(marshal.loads(blob)) if decode else None, blob, marshal.loads(packed)
            if progress is not None:
                progress(done + 1)
        finished = True
    except BrokenProcessPool as exc:
        raise FlashgenError(
            f"a process parsing notes ended unexpectedly ({exc}); run the build again"
        ) from exc
    finally:
        pool.shutdown(wait=finished, cancel_futures=not finished)
