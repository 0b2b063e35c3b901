"""`flashgen preview`: the note types' own templates, filled in; one page; exact messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flashgen import anki
from flashgen.preview import cloze, fill
from tests.conftest import run_cli, write
from tests.images import png

WEEK_1 = (
    "---\nreverse: true\n---\n# Week 1\n\n"
    "Latency: the time one message takes ![diagram](img/diagram.png) to arrive.\n"
    "Jitter: the variation in latency between messages.\n"
)
DB = (
    "# Databases\n\n"
    "In write-ahead logging, the log record must reach disk ==before== the ==data page== does.\n\n"
    "Q: Which property does the log protect?\nA: Durability.\n"
)


def write_notes(root: Path) -> None:
    write(root, "notes/net/week-1.md", WEEK_1)
    write(root, "notes/net/img/diagram.png", png(40, 20, (200, 30, 30)))
    write(root, "notes/db.md", DB)


def test_fields_and_sections() -> None:
    tmpl = "<b>{{Front}}</b>{{#Extra}}<i>{{Extra}}</i>{{/Extra}}{{^Extra}}none{{/Extra}}"
    assert fill(tmpl, {"Front": "F", "Extra": ""}) == "<b>F</b>none"
    assert fill(tmpl, {"Front": "F", "Extra": "x"}) == "<b>F</b><i>x</i>"
    assert fill("{{FrontSide}}<hr>{{Back}}", {"FrontSide": "Q", "Back": "A"}) == "Q<hr>A"
    assert fill("{{Missing}}", {}) == ""


def test_cloze_hides_only_the_current_deletion() -> None:
    text = "a {{c1::b}} c {{c2::d::hint}} e"
    assert cloze(text, 1, answer=False) == 'a <span class="cloze">[...]</span> c d e'
    assert cloze(text, 2, answer=False) == 'a b c <span class="cloze">[hint]</span> e'
    assert cloze(text, 2, answer=True) == 'a b c <span class="cloze">d</span> e'
    qfmt = anki._CLOZE_TMPLS[0]["qfmt"]
    assert fill(qfmt, {"Text": text}, 1) == (
        '<div class="fg-card fg-cloze">a <span class="cloze">[...]</span> c d e</div>'
    )


def test_reverse_template_only_when_the_field_is_filled() -> None:
    basic = {"Front": "T", "Back": "D", "Extra": "", "Context": "", "Source": "a.md:1"}
    reverse = anki._BASIC_TMPLS[1]
    assert fill(reverse["qfmt"], {**basic, "Reverse": ""}) == ""
    assert fill(reverse["qfmt"], {**basic, "Reverse": "y"}) == (
        '<div class="fg-card fg-back">D</div>'
    )


def test_one_page_grouped_by_deck_with_counts(in_tmp: Path) -> None:
    write_notes(in_tmp)
    code, out, err = run_cli("preview")
    assert (code, out) == (0, "")
    assert err == "Wrote decks/preview.html: 7 cards in 2 decks\n"
    page = (in_tmp / "decks" / "preview.html").read_text(encoding="utf-8")
    assert re.findall(r'data-deck="([^"]*)" data-cards="(\d+)"', page) == [
        ("Databases", "3"),
        ("net::Week 1", "4"),
    ]
    assert re.findall(r'data-template="([^"]*)"', page) == [
        "Cloze 1",
        "Cloze 2",
        "Forward",
        "Forward",
        "Reverse",
        "Forward",
        "Reverse",
    ]
    # the note types' stylesheet, the image inlined, a relative link to each note and line
    assert anki.css() in page
    assert page.count('src="data:image/png;base64,') == 3
    assert "http://" not in page and "https://" not in page
    assert '<a class="fg-source-link" href="../notes/db.md">notes/db.md:5</a>' in page


def test_output_file_and_open(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_notes(in_tmp)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    code, _, err = run_cli("preview", "notes/db.md", "-o", "out/cards.html", "--open")
    assert (code, err) == (0, "Wrote out/cards.html: 3 cards in 1 deck\n")
    assert opened == [(in_tmp / "out" / "cards.html").as_uri()]


def test_problems_are_reported_and_the_page_still_written(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# A\n\nLatency: delay ![x](gone.png) here.\n")
    code, _, err = run_cli("preview")
    assert code == 0
    assert err == (
        "notes/a.md:3: image not found: gone.png\nWrote decks/preview.html: 1 card in 1 deck\n"
    )
    assert run_cli("preview", "-q") == (0, "", "")


def test_output_folder_from_the_configuration(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# A\n\nLatency: delay.\n")
    write(in_tmp, "flashgen.toml", 'output = "build"\n')
    assert run_cli("preview")[2] == "Wrote build/preview.html: 1 card in 1 deck\n"


def test_unwritable_output_is_an_error(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# A\n\nLatency: delay.\n")
    write(in_tmp, "out", "a file, not a folder")
    code, _, err = run_cli("preview", "-o", "out/preview.html")
    assert code == 1
    assert err == (
        "Error: cannot write out/preview.html: File exists; choose another file with -o FILE\n"
    )


def test_missing_path(in_tmp: Path) -> None:
    code, _, err = run_cli("preview", "nope")
    assert code == 1
    assert err == (
        "Error: nope: no such file or folder; pass a notes folder or .md file (default: notes/)\n"
    )
