"""Bad input: exact messages, other notes still build, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flashgen.cli import main
from tests.conftest import write

GOOD = "# Good\n\nLatency: the time one message takes to arrive.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_broken_yaml_frontmatter_warns_and_builds_the_rest(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/b.md", "---\ntitle: [unclosed\n---\nTerm: a definition here.\n")
    code, _, err = run("build")
    assert code == 0
    assert err == (
        "notes/b.md:3: broken frontmatter: expected ',' or ']', but got '<stream end>'; using defaults\n"
        "b: +1 new\n"
        "Good: +1 new\n"
        "Built 2 cards in 2 decks → 2 packages in decks/ (1 warning)\n"
    )
    assert sorted(p.name for p in (in_tmp / "decks").glob("*.apkg")) == ["b.apkg", "good.apkg"]


def test_invalid_utf8_is_skipped_with_line(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/bad.md", b"# Bad\n\nCaf\xe9: a place for coffee\n")
    code, _, err = run("build")
    assert code == 0
    assert err == (
        "notes/bad.md:3: not valid UTF-8 (byte 0xe9 at offset 10); note skipped: save it as UTF-8\n"
        "Good: +1 new\n"
        "Built 1 card in 1 deck → 1 package in decks/ (1 warning)\n"
    )


def test_note_without_cards_warns(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/empty.md", "# Nothing\n\nJust a sentence with no definition in it.\n")
    code, _, err = run("build")
    assert code == 0
    assert err == (
        "notes/empty.md:1: no cards found in this note\n"
        "Good: +1 new\n"
        "Built 1 card in 1 deck → 1 package in decks/ (1 warning)\n"
    )


def test_strict_turns_warnings_into_exit_1(in_tmp: Path) -> None:
    write(in_tmp, "notes/empty.md", "just text\n")
    code, _, _ = run("build", "--strict")
    assert code == 1


def test_missing_path_is_an_error(in_tmp: Path) -> None:
    code, _, err = run("build", "nope")
    assert code == 1
    assert err == (
        "Error: nope: no such file or folder; pass a notes folder or .md file (default: notes/)\n"
    )


def test_missing_default_notes_folder(in_tmp: Path) -> None:
    code, _, err = run("build")
    assert code == 1
    assert err == (
        "Error: notes: no such file or folder; pass a notes folder or .md file (default: notes/)\n"
    )


def test_output_that_is_a_file_is_an_error(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "decks", "not a folder")
    code, _, err = run("build")
    assert code == 1
    assert err == "Error: decks: is a file, not a folder; choose a folder with -o DIR\n"


def test_failed_package_write_leaves_previous_deck_and_no_temp_files(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    assert run("build")[0] == 0
    before = (in_tmp / "decks" / "good.apkg").read_bytes()
    write(in_tmp, "notes/a.md", GOOD + "Jitter: variation in latency.\n")

    from flashgen import anki

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(anki, "_write_zip", boom)
    code, _, err = run("build")
    assert code == 1
    assert err == (
        "Error: cannot write to decks: No space left on device; the previous decks are untouched\n"
    )
    assert (in_tmp / "decks" / "good.apkg").read_bytes() == before
    assert sorted(p.name for p in (in_tmp / "decks").iterdir()) == [
        ".flashgen-cache",
        ".flashgen.build.lock",
        "good.apkg",
    ]
