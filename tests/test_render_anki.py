"""The note types' CSS and template HTML may change: Anki updates them in place on import;
and nothing in the CSS reads to Anki as a media file the collection would then miss."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flashgen import anki
from flashgen.build import build_decks
from tests.conftest import AnkiCollection, write
from tests.images import png

ANKI_STATIC_MEDIA = re.compile(
    r"""(?xi)
        (?:@import\s+"(_[^"]*.css)" | '(_[^']*.css)')
      | url\(\s*"(_[^"]+)"
      | '(_[^']+)'
      | (_.+?)\s*\)
    """
)
"""The file names Anki reads in a note type's CSS (`extract_static_media_files`: the
`UNDERSCORED_CSS_IMPORTS` regex of rslib/src/text.rs, as it behaves): its alternatives are not
grouped under `url(`, so `'_x'`, and any `_` with a `)` after it on the same line, name a file
too, in comments as anywhere else."""
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def static_media(css: str) -> list[str]:
    """The names `ANKI_STATIC_MEDIA` finds, in the order they appear."""
    return [next(g for g in m.groups() if g) for m in ANKI_STATIC_MEDIA.finditer(css)]


def ankis_static_media(col: AnkiCollection, css: str) -> list[str]:
    """The names Anki itself finds in `css`, the stylesheet of a note type."""
    model = col.col.models.by_name("Basic")
    assert model is not None
    model["css"] = css
    col.col.models.update_dict(model)
    # Sorted: Anki gathers the names in a hash set.
    return sorted(col.col.media.extract_static_media_files(model["id"]))


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


@pytest.mark.parametrize(
    "css",
    [
        "/* Anki puts `card` (and `nightMode` or `night_mode` in night mode) on the body. */",
        "p { background: url(_paper.png); }",
        'p { background: url( "_paper.png" ); }',
        "@import '_fonts.css';\n@import \"_more.css\";",
        "/* see '_x' and \"_y\" */",
        ".night_mode a { color: red; }\n.night_mode img { filter: invert(1); }",
        ".a { color: red } /* (a_b */\n/* c) */",
        "",
    ],
)
def test_the_static_media_pattern_is_ankis(anki_col: AnkiCollection, css: str) -> None:
    assert sorted(static_media(css)) == ankis_static_media(anki_col, css)


def test_no_css_comment_looks_like_a_media_file(anki_col: AnkiCollection) -> None:
    sheets = sorted((Path(anki.__file__).parent / "assets").glob("*.css"))
    assert sheets
    for sheet in sheets:
        css = sheet.read_text(encoding="utf-8")
        comments = CSS_COMMENT.findall(css)
        assert comments
        assert [c for c in comments if static_media(c)] == []
        assert ankis_static_media(anki_col, "\n".join(comments)) == []
        # Nor does the whole sheet, comments and rules on one line together.
        assert ankis_static_media(anki_col, css) == []


def test_an_imported_deck_misses_no_media_file(tmp_path: Path, anki_col: AnkiCollection) -> None:
    notes = tmp_path / "notes"
    write(notes, "bio/cells.md", "# Cells\n\nOsmosis: water crossing a membrane ![m](m.png)\n")
    write(notes, "bio/m.png", png(4, 4, (10, 120, 200)))
    write(notes, "bio/gaps.md", "# Gaps\n\nWater crosses by {{c1::osmosis}}.\n")
    out = tmp_path / "decks"
    build_decks([notes], out, now=1_700_000_000)
    log = anki_col.import_apkg(out / "bio.apkg")
    assert (log.new, log.conflicting) == (2, 0)

    ours = [m for m in anki_col.col.models.all() if m["name"].startswith("flashgen")]
    assert sorted(m["name"] for m in ours) == ["flashgen Basic", "flashgen Cloze"]
    # The files Anki takes the note types to use (it carries them into every package it
    # exports, and keeps them out of "unused"): none, so none can go missing.
    for model in ours:
        assert list(anki_col.col.media.extract_static_media_files(model["id"])) == []
    check = anki_col.col.media.check()
    assert (list(check.missing), list(check.unused)) == ([], [])
    assert len(list(Path(anki_col.col.media.dir()).iterdir())) == 1
