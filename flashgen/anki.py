"""The only module that knows genanki and the .apkg format: note types, decks, packages.

The note types' ids, field names and template names are a one-way door: changing any of
them makes Anki duplicate the note type ("flashgen Basic+") in every user's collection.
CSS and template HTML may change; the lock gives the note type a new mod time when they do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
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


@lru_cache(maxsize=8)
def _model_json(model: ModelName, mod: int) -> Any:
    """The note type as the collection stores it (made once per build: genanki renders
    every template to find each card's required fields)."""
    return _model(model).to_json(mod, 1)


def _model(model: ModelName) -> Any:
    import genanki  # only to write a package: a build that finds nothing changed never does

    if model == "basic":
        return genanki.Model(
            BASIC_MODEL_ID,
            "flashgen Basic",
            fields=[{"name": f} for f in BASIC_FIELDS],
            templates=[dict(t) for t in _BASIC_TMPLS],
            css=css(),
        )
    return genanki.Model(
        CLOZE_MODEL_ID,
        "flashgen Cloze",
        fields=[{"name": f} for f in CLOZE_FIELDS],
        templates=[dict(t) for t in _CLOZE_TMPLS],
        css=css(),
        model_type=genanki.Model.CLOZE,
    )


MODEL_IDS: Mapping[ModelName, int] = {"basic": BASIC_MODEL_ID, "cloze": CLOZE_MODEL_ID}


@dataclass(frozen=True, slots=True)
class PackageNote:
    """One Anki note as it goes into a package."""

    guid: str
    model: ModelName
    deck: str
    fields: Sequence[str]
    """A tuple, or a `fields.FieldsRef` (read from the content cache when written)."""
    tags: tuple[str, ...]
    mod: int
    """Modification time: Anki updates an existing note only when this differs (is newer)."""


_TAG_RE = re.compile(r"<[^>]*>")
_CLOZE_RE = re.compile(r"\{\{c(\d+)::")


def _plain(field: str) -> str:
    return _TAG_RE.sub("", field).strip()


def _csum(field: str) -> int:
    return int(hashlib.sha1(_plain(field).encode("utf-8")).hexdigest()[:8], 16)


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


def write_package(
    path: Path,
    notes: Sequence[PackageNote],
    media: Mapping[str, Path],
    notetype_mods: Mapping[ModelName, int],
    keep: Path | None = None,
) -> None:
    """Write an .apkg atomically: same inputs, same bytes. With `keep`, its collection is
    kept there too, for `update_package` to start from next time."""
    _package(path, lambda db: _write_collection(db, notes, notetype_mods), media, keep)


def update_package(
    path: Path,
    base: Path,
    upserts: Sequence[PackageNote],
    live: Callable[[str], bool],
    media: Mapping[str, Path],
    notetype_mods: Mapping[ModelName, int],
) -> None:
    """Write an .apkg atomically from `base`, the collection kept when it was last written:
    `upserts` are written over (new notes, or the same GUIDs with new content) and every
    note whose GUID is not `live` is deleted. `base` then holds the new collection.

    The notes and cards are those `write_package` would write, except that cards already
    there keep their place in the new-card order (`due`) and new ones go after them; the
    bytes differ (pages are reused). It saves rewriting every row of a large deck."""

    def update(db: Path) -> None:
        shutil.copyfile(base, db)
        _update_collection(db, upserts, live, notetype_mods)

    _package(path, update, media, base)


def _package(
    path: Path, fill: Callable[[Path], None], media: Mapping[str, Path], keep: Path | None
) -> None:
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
        if keep is not None:
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.replace(db_path, keep)
    finally:
        Path(db_path).unlink(missing_ok=True)
        Path(zip_path).unlink(missing_ok=True)


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path)
    # A scratch file, zipped and fsynced as a whole afterwards: no journal, no syncs.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn


NoteRow = tuple[int, str, int, int, int, str, str, str, int, int, str]
CardRow = tuple[
    int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, str
]


def _rows(notes: Sequence[PackageNote]) -> tuple[list[NoteRow], list[CardRow]]:
    """The notes' rows and their cards' rows, cards numbered (`due`) in the notes' order."""
    note_rows: list[NoteRow] = []
    card_rows: list[CardRow] = []
    due = 0
    for n in notes:
        nid = note_id(n.guid)
        note_rows.append(
            (
                nid,
                n.guid,
                MODEL_IDS[n.model],
                n.mod,
                -1,
                " " + " ".join(n.tags) + " " if n.tags else "",
                "\x1f".join(n.fields),
                _plain(n.fields[0]),
                _csum(n.fields[0]),
                0,
                "",
            )
        )
        did = deck_id(n.deck)
        for ord_ in _ords(n):
            due += 1
            card_rows.append(
                (
                    card_id(n.guid, ord_),
                    nid,
                    did,
                    ord_,
                    n.mod,
                    -1,
                    0,
                    0,
                    due,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )
            )
    return note_rows, card_rows


@lru_cache(maxsize=1)
def _default_decks() -> str:
    """The `decks` JSON of genanki's empty collection (its Default deck)."""
    tables, _, col = _schema()
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(tables)
        conn.executescript(col)
        return str(conn.execute("SELECT decks FROM col").fetchone()[0])
    finally:
        conn.close()


def _set_decks_and_models(
    cur: sqlite3.Cursor,
    deck_names: Iterable[str],
    models: Iterable[ModelName],
    notetype_mods: Mapping[ModelName, int],
) -> None:
    import genanki

    decks = json.loads(_default_decks())
    for name in _all_decks(deck_names):
        deck = genanki.Deck(deck_id(name), name)
        decks[str(deck.deck_id)] = deck.to_json()
    kinds = {
        str(MODEL_IDS[model]): _model_json(model, notetype_mods.get(model, 0))
        for model in sorted(set(models))
    }
    cur.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks), json.dumps(kinds)))


_INSERT_NOTES = "INSERT OR REPLACE INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_CARDS = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"


def _write_collection(
    db_path: Path, notes: Sequence[PackageNote], notetype_mods: Mapping[ModelName, int]
) -> None:
    conn = _connect(db_path)
    try:
        cur = conn.cursor()
        tables, indexes, col = _schema()
        cur.executescript(tables)
        cur.executescript(col)
        _set_decks_and_models(cur, (n.deck for n in notes), (n.model for n in notes), notetype_mods)
        note_rows, card_rows = _rows(notes)
        # In id order: each table's B-tree grows at its end instead of splitting pages all
        # over a large deck (the rows, and so the package, are the same either way).
        note_rows.sort()
        card_rows.sort()
        cur.executemany(_INSERT_NOTES.replace(" OR REPLACE", ""), note_rows)
        cur.executemany(_INSERT_CARDS, card_rows)
        cur.executescript(indexes)  # built from the rows at once: faster than row by row
        conn.commit()
    finally:
        conn.close()


def _update_collection(
    db_path: Path,
    upserts: Sequence[PackageNote],
    live: Callable[[str], bool],
    notetype_mods: Mapping[ModelName, int],
) -> None:
    conn = _connect(db_path)
    try:
        cur = conn.cursor()
        gone = [(nid,) for guid, nid in cur.execute("SELECT guid, id FROM notes") if not live(guid)]
        note_rows, card_rows = _rows(upserts)
        changed = [(row[0],) for row in note_rows]
        dues = dict(
            cur.execute(
                "SELECT id, due FROM cards WHERE nid IN (SELECT value FROM json_each(?))",
                (json.dumps([row[0] for row in note_rows]),),
            )
        )
        (last,) = cur.execute("SELECT coalesce(max(due), 0) FROM cards").fetchone()
        for stale in (gone, changed):
            cur.executemany("DELETE FROM cards WHERE nid = ?", stale)
        cur.executemany("DELETE FROM notes WHERE id = ?", gone)
        cur.executemany(_INSERT_NOTES, note_rows)
        placed = []
        for row in card_rows:
            due = dues.get(row[0])
            if due is None:
                last += 1
                due = last
            placed.append((*row[:8], due, *row[9:]))
        cur.executemany(_INSERT_CARDS, placed)
        names = {deck_id(n.deck): n.deck for n in upserts}
        old = json.loads(cur.execute("SELECT decks FROM col").fetchone()[0])
        names.update((int(k), str(v["name"])) for k, v in old.items() if int(k) not in names)
        used = [names[did] for (did,) in cur.execute("SELECT DISTINCT did FROM cards")]
        ids = {v: k for k, v in MODEL_IDS.items()}
        models = [ids[mid] for (mid,) in cur.execute("SELECT DISTINCT mid FROM notes")]
        _set_decks_and_models(cur, used, models, notetype_mods)
        conn.commit()
    finally:
        conn.close()


@lru_cache(maxsize=1)
def _schema() -> tuple[str, str, str]:
    """genanki's schema, its tables and its indexes apart (made after the rows are in), and
    its empty collection row. genanki is imported when a package is first written: its
    import takes 35 ms (its `cached_property` imports asyncio), which a build that finds
    nothing changed does not need."""
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    parts = APKG_SCHEMA.split(";")
    tables = ";".join(part for part in parts if "CREATE INDEX" not in part)
    indexes = ";".join(part for part in parts if "CREATE INDEX" in part) + ";"
    if indexes.count("CREATE INDEX") != APKG_SCHEMA.count("CREATE INDEX"):
        raise AssertionError("genanki's schema is not split where flashgen expects")
    return tables, indexes, str(APKG_COL)


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
