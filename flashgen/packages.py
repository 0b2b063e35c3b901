"""What goes into each .apkg, whether it changed, and writing the ones that did.

A package holds one top-level deck (with its sub-decks): the planned cards whose deck is
under it, in the notes' order, then its removed cards by key. A package is written again
only when its digest (each card's GUID, content hash, mod time and source, its images and
the note types' mod times) differs from the one the last build recorded, or the file on
disk is not the one that build wrote.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from flashgen import anki
from flashgen.decks import slug, top_level
from flashgen.identity import LockEntry
from flashgen.media import MediaFiles
from flashgen.pool import in_pool

MODELS: tuple[anki.ModelName, ...] = ("basic", "cloze")


def file_key(deck: str) -> str:
    """The package (file name without `.apkg`) a deck's cards go to."""
    return slug(top_level(deck))


@dataclass(frozen=True, slots=True)
class Package:
    """One .apkg as a build would write it."""

    key: str
    """File name without `.apkg`."""
    entries: tuple[LockEntry, ...]
    """Its cards, in the order they are written (Anki's new-card order)."""
    media: Mapping[str, Path]
    """Its images, by media name."""

    def digest(self, mods: Mapping[anki.ModelName, int]) -> str:
        """What decides the package's bytes: the fields are decided by the content hash
        and the source (the hash leaves out the Source field's line)."""
        h = hashlib.sha256()
        for e in self.entries:
            h.update(f"{e.guid}\x1f{e.hash}\x1f{e.mod}\x1f{e.source}\x1f{e.state}\x1e".encode())
        h.update(repr((sorted(self.media), sorted(mods.items()))).encode())
        return h.hexdigest()

    def notes(self) -> list[anki.PackageNote]:
        return [
            anki.PackageNote(e.guid, _model(e.model), e.deck, e.fields, e.tags, e.mod)
            for e in self.entries
        ]


def _model(name: str) -> anki.ModelName:
    return "cloze" if name == "cloze" else "basic"


def notetypes(
    old: Mapping[str, tuple[str, int]], now: int
) -> tuple[dict[str, tuple[str, int]], dict[anki.ModelName, int]]:
    """The lock's note types (id → (hash of CSS and templates, mod time)), a note type whose
    look changed with a newer mod time; and each model's mod time, for the packages."""
    kinds = dict(old)
    for model in MODELS:
        h = anki.notetype_hash(model)
        known = kinds.get(str(anki.MODEL_IDS[model]))
        if known is None or known[0] != h:
            kinds[str(anki.MODEL_IDS[model])] = (h, max(now, (known[1] + 1) if known else 0))
    return kinds, {m: kinds[str(anki.MODEL_IDS[m])][1] for m in MODELS}


def assemble(
    written: Iterable[LockEntry],
    outside: Iterable[LockEntry],
    media: Mapping[str, Mapping[str, Path]],
    known_media: Sequence[str] = (),
) -> dict[str, Package]:
    """The packages of a plan's `written` cards; a partial build's packages also hold the
    cards it did not plan (`outside`), with their images found among `known_media` (the
    image files the last build used)."""
    by_file: dict[str, list[LockEntry]] = {}
    for entry in written:
        # A card removed before the lock kept fields (format 1) cannot be written again.
        if entry.fields:
            by_file.setdefault(file_key(entry.deck), []).append(entry)
    found = {fk: dict(media.get(fk, {})) for fk in by_file}
    for entry in outside:
        fk = file_key(entry.deck)
        if fk in by_file and entry.fields:
            by_file[fk].append(entry)
            _add_known_media(entry, found[fk], known_media)
    return {fk: Package(fk, tuple(entries), found[fk]) for fk, entries in by_file.items()}


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


def write(target: Path, package: Package, mods: Mapping[anki.ModelName, int]) -> None:
    """Write one package (atomically, through `anki`)."""
    anki.write_package(target, package.notes(), package.media, mods)


PARALLEL_MIN_NOTES = 2000
"""Packages of this many notes in all are written across the cores (measured: the 100
packages of the 2,000-note bench corpus, 40,820 notes, take 2.2 s in one process)."""

_pending: list[tuple[Path, Package, Mapping[anki.ModelName, int]]] = []
"""The packages being written across the cores: the forked workers find them here."""


def _write_pending(i: int) -> None:
    write(*_pending[i])


def write_all(
    jobs: Sequence[tuple[Path, Package]],
    mods: Mapping[anki.ModelName, int],
    workers: int | None = None,
) -> None:
    """Write each (target, package), across the cores when they hold many notes; an error
    writing any of them (a full disk) stops the rest and is raised here."""
    cpus = workers if workers is not None else (os.cpu_count() or 1)
    if cpus < 2 or len(jobs) < 2 or sum(len(p.entries) for _, p in jobs) < PARALLEL_MIN_NOTES:
        for target, package in jobs:
            write(target, package, mods)
        return
    # Largest first, one package per task: the workers end together.
    order = sorted(jobs, key=lambda job: -len(job[1].entries))
    _pending[:] = [(target, package, mods) for target, package in order]
    try:
        for _ in in_pool(_write_pending, range(len(order)), cpus, 1, "writing packages"):
            pass
    finally:
        _pending.clear()
