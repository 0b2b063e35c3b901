"""Decks checked the way a student uses them: imported into a real Anki collection."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from flashgen.cli import main
from tests.conftest import FIXTURES, REPO, AnkiCollection


def _build(notes: Path, out: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(notes), "-o", str(out)])
    assert result.exit_code == 0, result.output


def _list(notes: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["list", str(notes), "--format", "json"])
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


def _import_all(col: AnkiCollection, out: Path) -> tuple[int, int, int, int]:
    totals = [0, 0, 0, 0]
    for apkg in sorted(out.glob("*.apkg")):
        log = col.import_apkg(apkg)
        for k, v in enumerate((log.new, log.updated, log.duplicate, log.conflicting)):
            totals[k] += v
    return totals[0], totals[1], totals[2], totals[3]


def test_shipped_notes_import_into_real_anki(tmp_path: Path, anki_col: AnkiCollection) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(REPO / "notes", notes)
    out = tmp_path / "decks"
    _build(notes, out)
    listed = _list(notes)
    assert len(listed) >= 20
    new, updated, dupes, conflicts = _import_all(anki_col, out)
    assert (new, updated, dupes, conflicts) == (len(listed), 0, 0, 0)
    assert len(anki_col.notes()) == len(listed)
    names = anki_col.model_names()
    assert (names.count("flashgen Basic"), names.count("flashgen Cloze")) == (1, 1)
    assert not [m for m in anki_col.model_names() if m.endswith("+")]
    decks = anki_col.deck_names()
    for card in listed:
        assert card["deck"] in decks
    for card in listed:
        note = anki_col.note_by_guid(str(card["guid"]))
        assert note.note_type()["name"] == (
            "flashgen Cloze" if card["kind"] == "cloze" else "flashgen Basic"
        )
        assert sorted(note.tags) == sorted(card["tags"])  # type: ignore[arg-type]
        source = card["source"]
        assert isinstance(source, dict)
        assert note["Source"] == f"{source['path']}:{source['line']}"


def test_loose_note_fields_and_edit_updates_in_place(
    tmp_path: Path, anki_col: AnkiCollection
) -> None:
    notes = tmp_path / "notes" / "networking"
    notes.mkdir(parents=True)
    note_file = notes / "week-03.md"
    shutil.copy(FIXTURES / "loose" / "week-03.md", note_file)
    out = tmp_path / "decks"
    _build(tmp_path / "notes", out)
    listed = _list(tmp_path / "notes")
    by_front = {c["front"]: c for c in listed}
    assert {
        "TCP",
        "Well-known ports",
        "Ephemeral ports",
        "Congestion control",
        "Flow control",
    } <= set(by_front)
    assert (tmp_path / "decks" / "networking.apkg").exists()

    assert _import_all(anki_col, out) == (len(listed), 0, 0, 0)
    tcp = anki_col.note_by_guid(str(by_front["TCP"]["guid"]))
    assert tcp.note_type()["name"] == "flashgen Basic"
    assert [f["name"] for f in tcp.note_type()["flds"]] == [
        "Front",
        "Back",
        "Extra",
        "Context",
        "Source",
        "Reverse",
    ]
    assert tcp["Front"] == "TCP"
    assert tcp["Back"].startswith("<p>A connection-oriented transport protocol")
    assert tcp["Context"] == "Networking notes › Week 3: Transport Layer"
    assert tcp["Source"] == f"{by_front['TCP']['source']['path']}:6"  # type: ignore[index]
    assert "flashgen::source::networking::week-03" in tcp.tags
    assert anki_col.deck_names().count("networking::Networking notes") == 1
    assert anki_col.answer_all() == len(listed)
    card_before = anki_col.col.get_card(tcp.cards()[0].id)
    assert card_before.reps == 1

    text = note_file.read_text(encoding="utf-8")
    note_file.write_text(
        text.replace("reliable, ordered byte stream", "reliable byte stream"), encoding="utf-8"
    )
    _build(tmp_path / "notes", out)
    assert _import_all(anki_col, out) == (0, 1, len(listed) - 1, 0)
    after = anki_col.note_by_guid(str(by_front["TCP"]["guid"]))
    assert after.id == tcp.id
    assert "reliable byte stream" in after["Back"]
    card_after = anki_col.col.get_card(after.cards()[0].id)
    assert card_after.reps == 1
    assert card_after.id == card_before.id
    assert len(anki_col.notes()) == len(listed)
