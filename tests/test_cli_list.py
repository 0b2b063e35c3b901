"""`flashgen list`: a table to read, CSV/TSV for other apps, JSON as export.py defines it, filters."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from flashgen.export import table
from tests.conftest import run_cli, write

WEEK_1 = (
    "# Week 1\n\n"
    "Latency: the time one message takes to arrive.\n"
    "Jitter: the variation in latency between messages.\n\n"
    "Congestion control:\n- slow start doubles the window\n- loss halves it\n"
)
DB = '---\ntags: [exam-1]\n---\n# Databases\n\nAtomicity: all or nothing, "quoted", never half.\n'


@pytest.fixture
def notes(in_tmp: Path) -> Path:
    write(in_tmp, "notes/net/week-1.md", WEEK_1)
    write(in_tmp, "notes/db.md", DB)
    return in_tmp


def test_table_fits_the_terminal(notes: Path) -> None:
    code, out, err = run_cli("list", env={"COLUMNS": "100"})
    assert (code, err) == (0, "")
    assert out == (
        "DECK         KIND        FRONT               BACK                              SOURCE\n"
        'Databases    definition  Atomicity           all or nothing, "quoted", never…  notes/db.md:6\n'
        "net::Week 1  definition  Latency             the time one message takes to a…  notes/net/week-1.md:3\n"
        "net::Week 1  definition  Jitter              the variation in latency betwee…  notes/net/week-1.md:4\n"
        "net::Week 1  key_points  Congestion control  slow start doubles the window /…  notes/net/week-1.md:6\n"
    )
    assert all(len(line) <= 100 for line in out.splitlines())


def test_narrow_terminal_cuts_every_column_but_kind(notes: Path) -> None:
    code, out, _ = run_cli("list", "--kind", "key_points", env={"COLUMNS": "60"})
    assert code == 0
    assert out == (
        "DECK    KIND        FRONT        BACK             SOURCE\n"
        "net::…  key_points  Congestion…  slow start dou…  …ek-1.md:6\n"
    )


def test_table_counts_wide_characters_as_two_columns() -> None:
    from flashgen.cards import Card, SourceRef

    card = Card(
        "definition", "日本語", "漢字", "文字" * 40, (), "", (), SourceRef("a.md", 1), (), "a", "x"
    )
    line = table([card], 50).splitlines()[1]
    assert line == "日本語  definition  漢字   文字文字文字文…  a.md:1"
    assert sum(2 if ch > "\u3000" else 1 for ch in line) == 50


def test_csv_has_front_back_tags_with_newlines_quoted(notes: Path) -> None:
    code, out, _ = run_cli("list", "--format", "csv")
    assert code == 0
    assert out == (
        "front,back,tags\n"
        'Atomicity,"all or nothing, ""quoted"", never half.",exam-1 flashgen::source::db\n'
        "Latency,the time one message takes to arrive.,flashgen::source::net::week-1\n"
        "Jitter,the variation in latency between messages.,flashgen::source::net::week-1\n"
        'Congestion control,"slow start doubles the window\nloss halves it",'
        "flashgen::source::net::week-1\n"
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[4] == [
        "Congestion control",
        "slow start doubles the window\nloss halves it",
        "flashgen::source::net::week-1",
    ]


def test_tsv_and_deck_filter_is_case_insensitive_and_takes_sub_decks(notes: Path) -> None:
    code, out, _ = run_cli("list", "--format", "tsv", "--deck", "NET")
    assert code == 0
    assert out == (
        "front\tback\ttags\n"
        "Latency\tthe time one message takes to arrive.\tflashgen::source::net::week-1\n"
        "Jitter\tthe variation in latency between messages.\tflashgen::source::net::week-1\n"
        'Congestion control\t"slow start doubles the window\nloss halves it"\t'
        "flashgen::source::net::week-1\n"
    )


DECKS = "the decks are: Databases, net::Week 1"


def test_deck_filter_does_not_match_a_prefix_of_a_name(notes: Path) -> None:
    assert run_cli("list", "--deck", "net::Week", "--format", "csv") == (
        1,
        "",
        f"Error: no deck matches 'net::Week'; {DECKS}\n",
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--deck", "nosuch"),
        ("--deck", "net", "--deck", "nosuch"),
        ("--deck", "nosuch", "--kind", "qa", "--format", "json"),
    ],
)
def test_a_deck_that_matches_nothing_is_an_error_naming_the_decks(
    notes: Path, args: tuple[str, ...]
) -> None:
    assert run_cli("list", *args) == (1, "", f"Error: no deck matches 'nosuch'; {DECKS}\n")


def test_a_deck_filter_with_no_cards_at_all_says_so(in_tmp: Path) -> None:
    write(in_tmp, "notes/empty.md", "just a sentence\n")
    error = "Error: no deck matches 'net'; no cards were found in the notes\n"
    warning = "notes/empty.md:1: no cards found in this note\n"
    assert run_cli("list", "--deck", "net") == (1, "", warning + error)
    assert run_cli("list", "-q", "--deck", "net") == (1, "", error)


def test_json_keeps_the_export_contract_and_filters(notes: Path) -> None:
    code, out, _ = run_cli(
        "list", "--format", "json", "--kind", "key_points", "--deck", "Databases"
    )
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run_cli("list", "--format", "json", "--kind", "key_points")
    [card] = json.loads(out)
    assert sorted(card) == [
        "back",
        "context",
        "deck",
        "front",
        "guid",
        "items",
        "kind",
        "source",
        "tags",
    ]
    assert card["source"] == {"path": "notes/net/week-1.md", "line": 6}
    assert card["items"] == ["slow start doubles the window", "loss halves it"]


def test_no_cards_prints_nothing(in_tmp: Path) -> None:
    write(in_tmp, "notes/empty.md", "just a sentence\n")
    code, out, err = run_cli("list")
    assert (code, out) == (0, "")
    assert err == "notes/empty.md:1: no cards found in this note\n"
    assert run_cli("list", "-q")[2] == ""


def test_unknown_kind_is_a_usage_error(notes: Path) -> None:
    code, _, err = run_cli("list", "--kind", "definitions")
    assert code == 2
    assert err.endswith(
        "Error: Invalid value for '--kind': 'definitions' is not one of "
        "'definition', 'key_points', 'cloze', 'qa'.\n"
    )


def test_missing_path(in_tmp: Path) -> None:
    code, out, err = run_cli("list", "nope")
    assert (code, out) == (1, "")
    assert err == (
        "Error: nope: no such file or folder; pass a notes folder or .md file (default: notes/)\n"
    )
