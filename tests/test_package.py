"""An .apkg as `anki.write_package` writes it: its rows, its bytes, and no debris."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from flashgen import anki
from flashgen.identity import card_id, deck_id, note_id
from tests.images import png

NOTES = [
    anki.PackageNote(
        "g-basic", "basic", "Bio::Cells", ("<b>Osmosis</b>", "water", "", "", "s", ""), ("a",), 7
    ),
    anki.PackageNote(
        "g-cloze", "cloze", "Ünï::日本", ["{{c3::x}} {{c1::y}} {{c3::z}}", "", "", "s"], (), 9
    ),
    anki.PackageNote(
        "g-rev", "basic", "Bio::Cells", ("Front", "Back", "", "", "s", "y"), ("b", "c::d"), 8
    ),
]
MODS: dict[anki.ModelName, int] = {"basic": 100, "cloze": 200}


def collection(apkg: Path, tmp: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as zf:
        zf.extract("collection.anki2", tmp)
    return sqlite3.connect(tmp / "collection.anki2")


def test_the_rows_are_flashgens(tmp_path: Path) -> None:
    anki.write_package(tmp_path / "p.apkg", NOTES, {}, MODS)
    conn = collection(tmp_path / "p.apkg", tmp_path)
    try:
        notes = list(conn.execute("SELECT id, guid, mid, mod, tags, flds, sfld FROM notes"))
        cards = list(conn.execute("SELECT id, nid, did, ord, mod, due FROM cards ORDER BY due"))
        decks, models = conn.execute("SELECT decks, models FROM col").fetchone()
    finally:
        conn.close()
    assert sorted(notes) == sorted(
        [
            (note_id("g-basic"), "g-basic", anki.BASIC_MODEL_ID, 7, " a ",
             "<b>Osmosis</b>\x1fwater\x1f\x1f\x1fs\x1f", "Osmosis"),
            (note_id("g-cloze"), "g-cloze", anki.CLOZE_MODEL_ID, 9, "",
             "{{c3::x}} {{c1::y}} {{c3::z}}\x1f\x1f\x1fs", "{{c3::x}} {{c1::y}} {{c3::z}}"),
            (note_id("g-rev"), "g-rev", anki.BASIC_MODEL_ID, 8, " b c::d ",
             "Front\x1fBack\x1f\x1f\x1fs\x1fy", "Front"),
        ]
    )  # fmt: skip
    cells, jp = deck_id("Bio::Cells"), deck_id("Ünï::日本")
    assert cards == [
        (card_id("g-basic", 0), note_id("g-basic"), cells, 0, 7, 1),
        (card_id("g-cloze", 0), note_id("g-cloze"), jp, 0, 9, 2),
        (card_id("g-cloze", 2), note_id("g-cloze"), jp, 2, 9, 3),
        (card_id("g-rev", 0), note_id("g-rev"), cells, 0, 8, 4),
        (card_id("g-rev", 1), note_id("g-rev"), cells, 1, 8, 5),
    ]
    names = ["Default", "Bio", "Bio::Cells", "Ünï", "Ünï::日本"]
    assert [d["name"] for d in json.loads(decks).values()] == names
    assert all(int(k) == d["id"] for k, d in json.loads(decks).items())
    kinds = json.loads(models)
    assert list(kinds) == [str(anki.BASIC_MODEL_ID), str(anki.CLOZE_MODEL_ID)]
    assert [(m["name"], m["mod"], m["did"]) for m in kinds.values()] == [
        ("flashgen Basic", 100, 1),
        ("flashgen Cloze", 200, 1),
    ]
    assert [f["name"] for f in kinds[str(anki.BASIC_MODEL_ID)]["flds"]] == list(anki.BASIC_FIELDS)
    assert [t["name"] for t in kinds[str(anki.CLOZE_MODEL_ID)]["tmpls"]] == ["Cloze"]


def test_two_writes_of_the_same_notes_are_the_same_bytes(tmp_path: Path) -> None:
    image = tmp_path / "pic.png"
    image.write_bytes(png(3, 3, (10, 20, 30)))
    many = [
        anki.PackageNote(
            f"{n.guid}-{i}", n.model, f"{n.deck}::{i % 3}", n.fields, n.tags, n.mod + i
        )
        for i in range(60)
        for n in NOTES
    ]
    anki.write_package(tmp_path / "a.apkg", many, {"fg-pic.png": image}, MODS)
    anki.write_package(tmp_path / "b.apkg", many, {"fg-pic.png": image}, MODS)
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()


class Unreadable(Sequence[str]):
    """A note's fields that cannot be read back (as a changed content cache)."""

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        raise OSError(5, "Input/output error")

    def __len__(self) -> int:
        return 6


def test_a_failed_write_leaves_the_previous_package_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "decks"
    anki.write_package(out / "p.apkg", NOTES, {}, MODS)
    before = (out / "p.apkg").read_bytes()
    broken = anki.PackageNote("g-bad", "basic", "Bio", Unreadable(), (), 1)
    with pytest.raises(OSError, match="Input/output error"):
        anki.write_package(out / "p.apkg", [*NOTES, broken], {}, MODS)
    assert sorted(p.name for p in out.iterdir()) == ["p.apkg"]
    assert (out / "p.apkg").read_bytes() == before
