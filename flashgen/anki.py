"""The only module that knows genanki and the .apkg format: note types, decks, packages.

The note types' ids, field names and template names are a one-way door: changing any of
them makes Anki duplicate the note type ("flashgen Basic+") in every user's collection.
CSS and template HTML may change; the lock gives the note type a new mod time when they do.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from flashgen.identity import card_id, deck_id, note_id
from flashgen.lockfile import FILE_MODE as _FILE_MODE

ModelName = Literal["basic", "cloze"]

BASIC_MODEL_ID = 1579730105
"""Generated once at random; never change it."""
CLOZE_MODEL_ID = 1276491904
"""Generated once at random; never change it."""

BASIC_FIELDS = ("Front", "Back", "Extra", "Context", "Source", "Reverse")
CLOZE_FIELDS = ("Text", "Extra", "Context", "Source")
BASIC_TEMPLATES = ("Forward", "Reverse")
CLOZE_TEMPLATES = ("Cloze",)

_META = (
    '<div class="fg-meta">{{#Context}}<div class="fg-context">{{Context}}</div>{{/Context}}'
    '<div class="fg-source">{{Source}}</div></div>'
)
_EXTRA = '{{#Extra}}<div class="fg-extra">{{Extra}}</div>{{/Extra}}'

_BASIC_TMPLS = (
    {
        "name": "Forward",
        "qfmt": '<div class="fg-card fg-front">{{Front}}</div>',
        "afmt": '<div class="fg-card fg-front">{{Front}}</div>\n<hr id="answer">\n'
        '<div class="fg-card fg-back">{{Back}}</div>\n' + _EXTRA + "\n" + _META,
    },
    {
        "name": "Reverse",
        "qfmt": '{{#Reverse}}<div class="fg-card fg-back">{{Back}}</div>{{/Reverse}}',
        "afmt": '<div class="fg-card fg-back">{{Back}}</div>\n<hr id="answer">\n'
        '<div class="fg-card fg-front">{{Front}}</div>\n' + _EXTRA + "\n" + _META,
    },
)
_CLOZE_TMPLS = (
    {
        "name": "Cloze",
        "qfmt": '<div class="fg-card fg-cloze">{{cloze:Text}}</div>',
        "afmt": '<div class="fg-card fg-cloze">{{cloze:Text}}</div>\n' + _EXTRA + "\n" + _META,
    },
)


@lru_cache(maxsize=1)
def css() -> str:
    """The note types' stylesheet (shared by both)."""
    return (Path(__file__).parent / "assets" / "card.css").read_text(encoding="utf-8")


def notetype_hash(model: ModelName) -> str:
    """Hash of what may change in a note type (CSS, template HTML): a change needs a new mod."""
    tmpls = _BASIC_TMPLS if model == "basic" else _CLOZE_TMPLS
    return hashlib.sha256((css() + json.dumps(tmpls, sort_keys=True)).encode()).hexdigest()[:16]


MODEL_IDS: Mapping[ModelName, int] = {"basic": BASIC_MODEL_ID, "cloze": CLOZE_MODEL_ID}
MODEL_NAMES: Mapping[ModelName, str] = {"basic": "flashgen Basic", "cloze": "flashgen Cloze"}


@dataclass(frozen=True, slots=True)
class NotetypeSpec:
    """A note type as a sync installs it into a collection (`flashgen.sync`)."""

    name: str
    fields: tuple[str, ...]
    templates: tuple[Mapping[str, str], ...]
    """Each with `name`, `qfmt` (front) and `afmt` (back)."""
    css: str
    cloze: bool


def notetype_spec(model: ModelName) -> NotetypeSpec:
    basic = model == "basic"
    return NotetypeSpec(
        MODEL_NAMES[model],
        BASIC_FIELDS if basic else CLOZE_FIELDS,
        _BASIC_TMPLS if basic else _CLOZE_TMPLS,
        css(),
        not basic,
    )


@dataclass(frozen=True, slots=True)
class PackageNote:
    """One Anki note as it goes into a package."""

    guid: str
    model: ModelName
    deck: str
    fields: Sequence[str]
    """The rendered fields, in the note type's order."""
    tags: tuple[str, ...]
    mod: int
    """Modification time: Anki updates an existing note only when this differs (is newer)."""


_TAG_RE = re.compile(r"<[^>]*>")
_CLOZE_RE = re.compile(r"\{\{c(\d+)::")


def _plain(field: str) -> str:
    return _TAG_RE.sub("", field).strip()


def _ords(note: PackageNote) -> list[int]:
    if note.model == "cloze":
        nums = sorted({int(n) - 1 for n in _CLOZE_RE.findall(note.fields[0]) if int(n) > 0})
        return nums or [0]
    return [0, 1] if note.fields[5] else [0]


def _all_decks(names: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for name in set(names):
        parts = name.split("::")
        for k in range(1, len(parts) + 1):
            out.add("::".join(parts[:k]))
    return sorted(out)


@lru_cache(maxsize=1)
def _classes() -> tuple[Any, Any]:
    """flashgen's note type and note: genanki's, told what genanki would otherwise choose
    (ids, mod times, which cards). Made when a package is first written: importing genanki
    takes 40 ms (its `cached_property` imports asyncio), which a build that finds nothing
    changed does not need."""
    import genanki

    class NoteType(genanki.Model):  # type: ignore[misc]
        def __init__(self, model: ModelName, mod: int) -> None:
            basic = model == "basic"
            super().__init__(
                # A str, not an int: genanki keys the collection's note types by it, and a
                # second deck holding this type's notes would add an int key beside the str
                # one read back from the collection ("1579730105" twice in its JSON). The
                # notes' `mid` column is an integer column: SQLite stores it as 1579730105.
                str(MODEL_IDS[model]),
                "flashgen Basic" if basic else "flashgen Cloze",
                fields=[{"name": f} for f in (BASIC_FIELDS if basic else CLOZE_FIELDS)],
                templates=[dict(t) for t in (_BASIC_TMPLS if basic else _CLOZE_TMPLS)],
                css=css(),
                model_type=genanki.Model.FRONT_BACK if basic else genanki.Model.CLOZE,
            )
            self.mod = mod

        def to_json(self, timestamp: float, deck_id: int) -> Any:
            # Its own mod, not the package's time: Anki updates a note type only when it
            # differs. `did` (the deck last added to) stays the Default deck.
            return super().to_json(self.mod, 1)

    class Card(genanki.Card):  # type: ignore[misc]
        def __init__(self, ord_: int, id_: int, due: int) -> None:
            super().__init__(ord_)
            self.id = id_
            self.due = due

        def write_to_db(
            self,
            cursor: Any,
            timestamp: float,
            deck_id: int,
            note_id: int,
            id_gen: Any,
            due: int = 0,
        ) -> None:
            # Its own id and its own place in the new-card order (genanki gives every card
            # of a note the note's `due`).
            super().write_to_db(cursor, timestamp, deck_id, note_id, iter((self.id,)), self.due)

    class Note(genanki.Note):  # type: ignore[misc]
        def __init__(self, note: PackageNote, note_type: Any, dues: Iterator[int]) -> None:
            super().__init__(note_type, note.fields, tags=note.tags, guid=note.guid)
            self.note = note
            self.dues = dues

        @property
        def sort_field(self) -> str:
            # The first field without its tags, as flashgen always wrote it (genanki would
            # write it whole; Anki computes its own when it imports the note).
            return _plain(self.fields[0])

        @sort_field.setter
        def sort_field(self, value: object) -> None:
            pass

        @cached_property
        def cards(self) -> list[Any]:
            # flashgen's cards, not those genanki finds from the templates: a cloze note's
            # numbers, a basic note's Reverse card when its Reverse field is set.
            guid = self.note.guid
            return [Card(o, card_id(guid, o), next(self.dues)) for o in _ords(self.note)]

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            # The note's own id, and its own mod: Anki updates a note only when it is newer.
            ids = iter((note_id(self.note.guid),))
            super().write_to_db(cursor, self.note.mod, deck_id, ids)

        def _format_tags(self) -> str:
            return super()._format_tags() if self.tags else ""  # not genanki's "  "

    return NoteType, Note


@lru_cache(maxsize=8)
def _note_type(model: ModelName, mod: int) -> Any:
    """The note type, made once per build: genanki renders every template to find each
    card's required fields."""
    return _classes()[0](model, mod)


def _model_json(model: ModelName, mod: int) -> Any:
    """The note type as the collection stores it."""
    return _note_type(model, mod).to_json(mod, 1)


def _genanki_package(notes: Sequence[PackageNote], notetype_mods: Mapping[ModelName, int]) -> Any:
    """The notes as a genanki package, each note in its deck (a `genanki.Deck`).

    genanki writes a deck's notes when it writes the deck, and the cards are numbered
    (`due`) as they are written: each run of notes in one deck goes in a deck of its own,
    in the notes' order (a deck met again is written again, the same). Every deck the notes
    are in and every parent deck is there, first met in name order, the first one holding
    the note types used: the collection's decks and note types are listed in that order."""
    import genanki

    note_class = _classes()[1]
    kinds = {m: _note_type(m, notetype_mods.get(m, 0)) for m in sorted({n.model for n in notes})}
    names = _all_decks(n.deck for n in notes)
    place = {name: i for i, name in enumerate(names)}
    decks: list[Any] = []
    met = 0  # names[:met] have a deck in `decks`
    dues = itertools.count(1)
    for name, run in itertools.groupby(notes, key=lambda n: n.deck):
        if place[name] >= met:
            decks += [genanki.Deck(deck_id(d), d) for d in names[met : place[name]]]
            met = place[name] + 1
        deck = genanki.Deck(deck_id(name), name)
        for n in run:
            deck.add_note(note_class(n, kinds[n.model], dues))
        decks.append(deck)
    decks += [genanki.Deck(deck_id(d), d) for d in names[met:]]
    for kind in kinds.values():
        decks[0].add_model(kind)
    return genanki.Package(decks)


def _write_collection(
    db_path: Path, notes: Sequence[PackageNote], notetype_mods: Mapping[ModelName, int]
) -> None:
    """The notes' collection, written by genanki into a database with genanki's schema."""
    conn = _connect(db_path)
    try:
        # Every id and mod is the note's, note type's or deck's own: genanki draws none from
        # the package's id generator (empty) and uses no package time.
        _genanki_package(notes, notetype_mods).write_to_db(conn.cursor(), 0, iter(()))
        conn.commit()
    finally:
        conn.close()


PLACEHOLDER_GUID = "flashgen-note-type"
"""The GUID of the one note of `write_notetype_package`, deleted once it is imported."""
PLACEHOLDER_TEXT = "flashgennotetypeplaceholder"
"""Its text: what finds it where a GUID cannot be searched (AnkiConnect)."""


def write_notetype_package(path: Path, model: ModelName) -> None:
    """A package that carries the note type with flashgen's id and name: importing it is
    the one way to give a collection a note type with a chosen id (the `anki` package's
    API, and AnkiConnect's `createModel`, choose their own). Its only note, in the Default
    deck, has the GUID `PLACEHOLDER_GUID`; delete it after the import."""
    fields = [PLACEHOLDER_TEXT] + [""] * (len(notetype_spec(model).fields) - 1)
    if model == "cloze":
        fields[0] = "{{c1::" + PLACEHOLDER_TEXT + "}}"
    note = PackageNote(PLACEHOLDER_GUID, model, "Default", fields, (), 0)
    write_package(path, [note], {}, {model: 0})


def write_package(
    path: Path,
    notes: Sequence[PackageNote],
    media: Mapping[str, Path],
    notetype_mods: Mapping[ModelName, int],
) -> None:
    """Write an .apkg atomically: same inputs, same bytes."""
    _package(path, lambda db: _write_collection(db, notes, notetype_mods), media)


def _package(path: Path, fill: Callable[[Path], None], media: Mapping[str, Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd_db, db_path = tempfile.mkstemp(prefix=".flashgen-", suffix=".anki2", dir=path.parent)
    os.close(fd_db)
    fd_zip, zip_path = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd_zip)
    try:
        Path(db_path).unlink()
        fill(Path(db_path))
        _write_zip(Path(zip_path), Path(db_path), media)
        os.chmod(zip_path, _FILE_MODE)
        os.replace(zip_path, path)
    finally:
        Path(db_path).unlink(missing_ok=True)
        Path(zip_path).unlink(missing_ok=True)


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path)
    # A scratch file, zipped and fsynced as a whole afterwards: no journal, no syncs.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


_EPOCH = (1980, 1, 1, 0, 0, 0)


def _zip_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # Level 1: a third of level 6's time on a large collection, about 13 % larger.
    zf.writestr(info, data, compresslevel=1)


def _write_zip(zip_path: Path, db_path: Path, media: Mapping[str, Path]) -> None:
    names = sorted(media)
    with zipfile.ZipFile(zip_path, "w") as zf:
        _zip_entry(zf, "collection.anki2", db_path.read_bytes())
        _zip_entry(zf, "media", json.dumps({str(i): n for i, n in enumerate(names)}).encode())
        for i, name in enumerate(names):
            _zip_entry(zf, str(i), media[name].read_bytes())
    with open(zip_path, "rb+") as fh:
        os.fsync(fh.fileno())
