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
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from flashgen.identity import _FILE_MODE, card_id, deck_id, note_id

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
    fields: tuple[str, ...]
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


def _all_decks(names: Sequence[str]) -> list[str]:
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
) -> None:
    """Write an .apkg atomically: same inputs, same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd_db, db_path = tempfile.mkstemp(prefix=".flashgen-", suffix=".anki2", dir=path.parent)
    os.close(fd_db)
    fd_zip, zip_path = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd_zip)
    try:
        Path(db_path).unlink()
        _write_collection(Path(db_path), notes, notetype_mods)
        _write_zip(Path(zip_path), Path(db_path), media)
        os.chmod(zip_path, _FILE_MODE)
        os.replace(zip_path, path)
    finally:
        Path(db_path).unlink(missing_ok=True)
        Path(zip_path).unlink(missing_ok=True)


def _write_collection(
    db_path: Path, notes: Sequence[PackageNote], notetype_mods: Mapping[ModelName, int]
) -> None:
    conn = sqlite3.connect(db_path)
    try:
        cur = conn.cursor()
        # A scratch file, zipped and fsynced as a whole afterwards: no journal, no syncs.
        cur.execute("PRAGMA journal_mode = OFF")
        cur.execute("PRAGMA synchronous = OFF")
        cur.executescript(_TABLES)
        cur.executescript(APKG_COL)
        decks = json.loads(cur.execute("SELECT decks FROM col").fetchone()[0])
        for name in _all_decks([n.deck for n in notes]):
            deck = genanki.Deck(deck_id(name), name)
            decks[str(deck.deck_id)] = deck.to_json()
        models = {
            str(MODEL_IDS[model]): _model_json(model, notetype_mods.get(model, 0))
            for model in sorted({n.model for n in notes})
        }
        cur.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks), json.dumps(models)))
        note_rows = []
        card_rows = []
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
        # In id order: each table's B-tree grows at its end instead of splitting pages all
        # over a large deck (the rows, and so the package, are the same either way).
        note_rows.sort()
        card_rows.sort()
        cur.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        cur.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
        cur.executescript(_INDEXES)  # built from the rows at once: faster than row by row
        conn.commit()
    finally:
        conn.close()


_TABLES, _INDEXES = (
    ";".join(part for part in APKG_SCHEMA.split(";") if "CREATE INDEX" not in part),
    ";".join(part for part in APKG_SCHEMA.split(";") if "CREATE INDEX" in part) + ";",
)
"""genanki's schema, its indexes apart (made after the rows are in)."""
assert _INDEXES.count("CREATE INDEX") == APKG_SCHEMA.count("CREATE INDEX")

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
