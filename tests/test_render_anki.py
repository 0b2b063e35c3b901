"""The note types' CSS and template HTML may change: Anki updates them in place on import."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashgen import anki
from flashgen.build import build_decks
from tests.conftest import AnkiCollection, write


def test_changed_css_and_templates_update_the_same_note_type(
    tmp_path: Path, anki_col: AnkiCollection, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "notes"
    write(notes, "bio/cells.md", "# Cells\n\nOsmosis: water crossing a membrane, $\\Delta p$.\n")
    out = tmp_path / "decks"
    build_decks([notes], out, now=1_700_000_000)
    log = anki_col.import_apkg(out / "bio.apkg")
    assert (log.new, log.conflicting) == (1, 0)
    before = anki_col.col.models.by_name("flashgen Basic")
    assert before is not None
    assert ".fg-meta" in before["css"]
    assert anki_col.answer_all() == 1

    css = anki.css() + "\n.fg-test-marker { color: rebeccapurple; }\n"
    monkeypatch.setattr(anki, "css", lambda: css)
    forward = {**anki._BASIC_TMPLS[0], "afmt": anki._BASIC_TMPLS[0]["afmt"] + "<!-- v2 -->"}
    monkeypatch.setattr(anki, "_BASIC_TMPLS", (forward, anki._BASIC_TMPLS[1]))
    build_decks([notes], out, now=1_700_000_000)
    log = anki_col.import_apkg(out / "bio.apkg")
    assert (log.new, log.updated, log.duplicate, log.conflicting) == (0, 0, 1, 0)
    # The `anki` library caches note types in Python and an import does not refresh that
    # cache (the desktop app clears it when an operation reports changed note types).
    anki_col.col.models._clear_cache()

    assert [m for m in anki_col.model_names() if m.startswith("flashgen")] == ["flashgen Basic"]
    after = anki_col.col.models.by_name("flashgen Basic")
    assert after is not None
    assert after["id"] == before["id"] == anki.BASIC_MODEL_ID
    assert after["css"] == css
    assert after["tmpls"][0]["afmt"].endswith("<!-- v2 -->")
    assert [f["name"] for f in after["flds"]] == list(anki.BASIC_FIELDS)
    assert after["mod"] > before["mod"]
    (note,) = anki_col.notes()
    assert note.note_type()["id"] == anki.BASIC_MODEL_ID
    assert anki_col.col.get_card(note.cards()[0].id).reps == 1
