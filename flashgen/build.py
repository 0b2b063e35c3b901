"""The pipeline: paths → notes → cards → rendered fields → identities → packages + lock.

`build_decks` is the one place that writes files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flashgen import anki
from flashgen.cards import Card, Extraction, Problem, SourceRef
from flashgen.decks import slug, top_level
from flashgen.errors import FlashgenError, LockError
from flashgen.extract import Options, extract
from flashgen.identity import (
    LOCK_NAME,
    Lock,
    LockEntry,
    content_hash,
    dump_lock,
    guid_for,
    load_lock,
    next_mod,
    write_atomic,
)
from flashgen.media import MAX_MEDIA_BYTES, MediaFiles
from flashgen.notes import display_path, read_note
from flashgen.render import Rendered, render

NOTE_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build (or a dry run) produced."""

    cards: tuple[Card, ...]
    problems: tuple[Problem, ...]
    written: tuple[Path, ...] = ()
    """Package files written, in deck order."""


def find_notes(paths: Sequence[Path]) -> tuple[list[tuple[Path, Path]], list[Problem]]:
    """Each note file with its notes root; folders are walked in sorted order."""
    found: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    for given in paths:
        if not given.exists():
            raise FlashgenError(
                f"{given}: no such file or folder; pass a notes folder or .md file "
                "(default: notes/)"
            )
        if given.is_file():
            if not given.name.lower().endswith(NOTE_SUFFIXES):
                raise FlashgenError(
                    f"{given}: not a folder or a .md file; pass a notes folder or .md file"
                )
            found.append((given.resolve(), given.resolve().parent))
            continue
        root = given.resolve()
        try:
            os.listdir(root)
        except OSError as exc:
            raise FlashgenError(f"{given}: cannot read this folder: {exc.strerror}") from exc

        def unreadable(exc: OSError, given: Path = given) -> None:
            where = display_path(Path(exc.filename)) if exc.filename else str(given)
            problems.append(Problem(SourceRef(where, 1), f"cannot read folder: {exc.strerror}"))

        # Symlinked folders are not followed: no loops, nothing outside the root.
        for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or not name.lower().endswith(NOTE_SUFFIXES):
                    continue
                path = Path(dirpath) / name
                if path.is_symlink():
                    target = path.resolve()
                    if not target.is_relative_to(root):
                        problems.append(
                            Problem(
                                SourceRef(display_path(path), 1),
                                "symlink points outside the notes folder; skipped",
                            )
                        )
                        continue
                found.append((path, root))
    return found, problems


def extract_all(paths: Sequence[Path], options: Options | None = None) -> list[Extraction]:
    """Read and extract every note; problems stay with their note."""
    files, problems = find_notes(paths)
    out = [Extraction(None, (), tuple(problems))] if problems else []
    for path, root in files:
        note, read_problems = read_note(path, root)
        if note is None:
            out.append(Extraction(None, (), tuple(read_problems)))
            continue
        ex = extract(note, options)
        out.append(Extraction(note, ex.cards, (*read_problems, *ex.problems)))
    return out


def collect_cards(paths: Sequence[Path], options: Options | None = None) -> BuildResult:
    """Cards and problems, without writing anything."""
    return _collected(extract_all(paths, options))


def _collected(exs: Sequence[Extraction]) -> BuildResult:
    return BuildResult(
        tuple(c for ex in exs for c in ex.cards), tuple(p for ex in exs for p in ex.problems)
    )


def _package_note(r: Rendered, lock: Lock, now: int) -> tuple[anki.PackageNote, LockEntry]:
    card = r.card
    guid = guid_for(card.key)
    previous = lock.cards.get(card.key)
    if previous is not None:
        guid = previous.guid
    h = content_hash((r.model, card.deck, *r.fields, *card.tags))
    mod = next_mod(previous, h, now)
    note = anki.PackageNote(guid, r.model, card.deck, r.fields, card.tags, mod)  # type: ignore[arg-type]
    entry = LockEntry(guid, card.deck, str(card.source), h, mod, "live", card.front)
    return note, entry


@contextlib.contextmanager
def build_guard(out_dir: Path) -> Iterator[None]:
    """One build at a time per output folder: a second one waits briefly, then fails clearly."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    guard = out_dir / ".flashgen.build.lock"
    with open(guard, "a+") as fh:
        deadline = time.monotonic() + 10.0
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise LockError(
                        f"another flashgen build is writing to {out_dir}; wait for it to finish "
                        "and run the build again"
                    ) from exc
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_leftovers(out_dir: Path) -> None:
    """Delete temporary files a killed build left behind (only ever flashgen's own names)."""
    for pattern in (".flashgen-*.anki2", ".*.apkg.*.tmp", f".{LOCK_NAME}.*.tmp"):
        for path in out_dir.glob(pattern):
            path.unlink(missing_ok=True)


def build_decks(
    paths: Sequence[Path],
    out_dir: Path,
    options: Options | None = None,
    now: int | None = None,
    max_media_bytes: int = MAX_MEDIA_BYTES,
) -> BuildResult:
    """Build every deck: one .apkg per top-level deck, plus the lock file."""
    extractions = extract_all(paths, options)
    result = _collected(extractions)
    notes = {ex.note.display: ex.note for ex in extractions if ex.note is not None}
    media_files = MediaFiles(max_media_bytes)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".flashgen-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise FlashgenError(
            f"cannot write to {out_dir}: {exc.strerror}; choose another folder with -o DIR"
        ) from exc
    build_time = int(time.time()) if now is None else now
    with build_guard(out_dir):
        remove_leftovers(out_dir)
        lock_path = out_dir / LOCK_NAME
        lock = load_lock(lock_path)
        by_file: dict[str, list[anki.PackageNote]] = {}
        entries: dict[str, LockEntry] = dict(lock.cards)
        media: dict[str, dict[str, Path]] = {}
        problems = list(result.problems)
        for card in result.cards:
            rendered = render(card, notes.get(card.source.path), media_files)
            problems.extend(rendered.problems)
            note, entry = _package_note(rendered, lock, build_time)
            entries[card.key] = entry
            file_key = slug(top_level(card.deck))
            by_file.setdefault(file_key, []).append(note)
            for m in rendered.media:
                media.setdefault(file_key, {})[m.name] = m.path
        notetypes = dict(lock.notetypes)
        models: tuple[anki.ModelName, ...] = ("basic", "cloze")
        for model in models:
            h = anki.notetype_hash(model)
            old = notetypes.get(str(anki.MODEL_IDS[model]))
            if old is None or old[0] != h:
                notetypes[str(anki.MODEL_IDS[model])] = (
                    h,
                    max(build_time, (old[1] + 1) if old else 0),
                )
        mods = {m: notetypes[str(anki.MODEL_IDS[m])][1] for m in models}
        written = []
        try:
            for file_key in sorted(by_file):
                target = out_dir / f"{file_key}.apkg"
                anki.write_package(target, by_file[file_key], media.get(file_key, {}), mods)
                written.append(target)
            write_atomic(lock_path, dump_lock(Lock(entries, notetypes)).encode("utf-8"))
        except OSError as exc:
            raise FlashgenError(
                f"cannot write to {out_dir}: {exc.strerror}; the previous decks are untouched"
            ) from exc
    return BuildResult(result.cards, tuple(problems), tuple(written))
