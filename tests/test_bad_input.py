"""The bad-input table: every odd thing a notes folder holds gives a message, never a crash."""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flashgen.build import collect_cards
from flashgen.cli import main
from flashgen.extract import extract
from flashgen.notes import read_note
from flashgen.render import markdown_html
from tests.conftest import write

GOOD = "# Good\n\nLatency: the time one message takes to arrive.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def cards_of(path: Path) -> list[tuple[str, str, int]]:
    return [(c.front, c.back, c.source.line) for c in collect_cards([path]).cards]


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in collect_cards([path]).problems]


# --- encodings and line endings -------------------------------------------------------


def test_latin1_text_is_reported_not_mangled(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/fr.md", "# Cours\n\nCaf\u00e9: lieu o\u00f9 boire.\n".encode("latin-1"))
    assert problems_of(in_tmp / "notes") == [
        "notes/fr.md:3: not valid UTF-8 (byte 0xe9 at offset 12); note skipped: save it as UTF-8"
    ]
    assert cards_of(in_tmp / "notes") == [("Latency", "the time one message takes to arrive.", 3)]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bom", "\ufeff---\ntags: [x]\n---\n# T\n\nOsmosis: water moving.\n".encode()),
        ("utf16", "---\ntags: [x]\n---\n# T\n\nOsmosis: water moving.\n".encode("utf-16")),
        ("crlf", b"---\r\ntags: [x]\r\n---\r\n# T\r\n\r\nOsmosis: water moving.\r\n"),
        ("cr", b"---\rtags: [x]\r---\r# T\r\rOsmosis: water moving.\r"),
    ],
)
def test_encodings_and_line_endings_read_with_right_lines(
    tmp_path: Path, name: str, data: bytes
) -> None:
    write(tmp_path, f"{name}.md", data)
    cards = collect_cards([tmp_path]).cards
    assert [(c.front, c.back, c.source.line, c.tags[-1]) for c in cards] == [
        ("Osmosis", "water moving.", 6, "x")
    ]


def test_binary_file_named_md_is_skipped(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/photo.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    assert problems_of(in_tmp / "notes") == [
        "notes/photo.md:1: looks like a binary file (NUL bytes); skipped"
    ]


@pytest.mark.parametrize("text", ["", "---\ntitle: x\n---\n", "   \n\n\t\n", "---\n---\n"])
def test_empty_notes_give_no_cards_and_a_warning(in_tmp: Path, text: str) -> None:
    write(in_tmp, "notes/e.md", text)
    result = collect_cards([in_tmp / "notes"])
    assert result.cards == ()
    assert [p.message for p in result.problems] == ["no cards found in this note"]


# --- frontmatter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("- a\n- b\n", "notes/f.md:2: frontmatter is a list, not a mapping; using defaults"),
        ("just words\n", "notes/f.md:2: frontmatter is a str, not a mapping; using defaults"),
        (
            "title: x\ntags: 5\n",
            "notes/f.md:3: frontmatter 'tags' must be a list of words; tags ignored",
        ),
        (
            "deck: [a, b]\n",
            "notes/f.md:2: frontmatter 'deck' must be text; using the folder and title",
        ),
        ("flashgen: {cards: no}\n", "notes/f.md:2: unknown flashgen option 'cards' in frontmatter"),
        ("reverse: maybe\n", "notes/f.md:2: frontmatter 'reverse' must be true or false"),
    ],
)
def test_frontmatter_of_the_wrong_shape_warns_and_builds(
    in_tmp: Path, front: str, message: str
) -> None:
    write(in_tmp, "notes/f.md", f"---\n{front}---\n# F\n\nOsmosis: water moving.\n")
    result = collect_cards([in_tmp / "notes"])
    assert [str(p) for p in result.problems] == [message]
    assert [c.front for c in result.cards] == ["Osmosis"]


def test_yaml_alias_bomb_is_rejected_quickly(in_tmp: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        prev = chr(ord("a") + k - 1)
        cur = chr(ord("a") + k)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    write(in_tmp, "notes/bomb.md", "---\n" + "\n".join(lines) + "\n---\nOsmosis: water.\n")
    started = time.monotonic()
    result = collect_cards([in_tmp / "notes"])
    assert time.monotonic() - started < 5
    assert [str(p) for p in result.problems] == [
        "notes/bomb.md:8: broken frontmatter: more than 50 YAML aliases; using defaults"
    ]
    assert [c.front for c in result.cards] == ["Osmosis"]


# --- size and depth -----------------------------------------------------------------------


def test_note_over_the_size_limit_is_skipped(in_tmp: Path) -> None:
    path = write(in_tmp, "notes/log.md", "Term: definition\n" * 10)
    note, problems = read_note(path, path.parent, max_bytes=100)
    assert note is None
    assert [str(p) for p in problems] == [
        "notes/log.md:1: note is 0.0 MB, over the 0 MB limit; skipped"
    ]


def test_fifty_megabyte_note_is_skipped_without_reading(in_tmp: Path) -> None:
    path = in_tmp / "notes" / "huge.md"
    path.parent.mkdir()
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert problems_of(in_tmp / "notes") == [
        "notes/huge.md:1: note is 52.4 MB, over the 10 MB limit; skipped"
    ]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20 * 1024


def test_five_megabyte_line_is_handled(tmp_path: Path) -> None:
    write(tmp_path, "long.md", "Osmosis: " + "water " * 850_000 + "\n\nDiffusion: spreading.\n")
    cards = collect_cards([tmp_path]).cards
    assert [c.front for c in cards] == ["Osmosis", "Diffusion"]


@pytest.mark.parametrize(
    "text",
    [
        "".join("  " * k + "- item\n" for k in range(1_000)),  # 1 MB of indentation
        "".join(">" * k + " quote\n" for k in range(1, 2_000)),
        ">" * 10_000 + " deep\n",
        "- " * 10_000 + "x\n",
        "[" * 10_000 + "x" + "]" * 10_000 + "\n",
        "*" * 10_000 + "x" + "*" * 10_000 + "\n",
    ],
)
def test_deep_nesting_gives_no_recursion_error(tmp_path: Path, text: str) -> None:
    write(tmp_path, "deep.md", "## Points\n\n" + text)
    result = collect_cards([tmp_path])
    for card in result.cards:
        markdown_html(card.back_text)
    markdown_html(text)


# --- names and links -----------------------------------------------------------------------


def test_odd_file_names_are_handled(in_tmp: Path) -> None:
    for name in ("week 1 notes.md", "Über Zellen.md", "C# basics.md", "-dash.md"):
        write(in_tmp, f"notes/course one/{name}", "Osmosis: water moving.\n")
    code, _, err = run("build")
    assert code == 0, err
    data = json.loads(run("list", "--format", "json")[1])
    assert sorted(c["deck"] for c in data) == [
        "course one::-dash",
        "course one::C# basics",
        "course one::week 1 notes",
        "course one::Über Zellen",
    ]
    for card in data:
        assert all(" " not in t for t in card["tags"])
    assert sorted(t for c in data for t in c["tags"]) == [
        "flashgen::source::course_one::-dash",
        "flashgen::source::course_one::C#_basics",
        "flashgen::source::course_one::week_1_notes",
        "flashgen::source::course_one::Über_Zellen",
    ]
    assert [p.name for p in (in_tmp / "decks").glob("*.apkg")] == ["course-one.apkg"]
    assert run("build", "--", "notes/course one/-dash.md")[0] == 0


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    write(tmp_path, "notes/a.md", GOOD)
    os.symlink(tmp_path / "notes", tmp_path / "notes" / "loop")
    assert [c.front for c in collect_cards([tmp_path / "notes"]).cards] == ["Latency"]


def test_symlinked_note_outside_root_is_not_read(in_tmp: Path) -> None:
    write(in_tmp, "secret.md", "Password: hunter2\n")
    write(in_tmp, "notes/a.md", GOOD)
    os.symlink(in_tmp / "secret.md", in_tmp / "notes" / "b.md")
    result = collect_cards([in_tmp / "notes"])
    assert [c.front for c in result.cards] == ["Latency"]
    assert [str(p) for p in result.problems] == [
        "notes/b.md:1: symlink points outside the notes folder; skipped"
    ]


# --- folders and files on disk --------------------------------------------------------------


def test_notes_path_that_is_not_a_note(in_tmp: Path) -> None:
    write(in_tmp, "notes", "a file, not a folder")
    code, _, err = run("build")
    assert code == 1
    assert err == "Error: notes: not a folder or a .md file; pass a notes folder or .md file\n"


def test_unreadable_notes_folder(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    real = os.listdir

    def denied(path: object) -> list[str]:
        if str(path).endswith("notes"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "listdir", denied)
    code, _, err = run("build")
    assert code == 1
    assert err == "Error: notes: cannot read this folder: Permission denied\n"
    assert not (in_tmp / "decks").exists()


def test_unwritable_output_folder_leaves_previous_files(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    assert run("build")[0] == 0
    deck = (in_tmp / "decks" / "good.apkg").read_bytes()
    lock = (in_tmp / "notes" / "flashgen.lock.json").read_bytes()
    write(in_tmp, "notes/a.md", GOOD + "Jitter: variation in latency.\n")
    real = tempfile.mkstemp

    def denied(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if kwargs.get("prefix") == ".flashgen-write-test-":
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    code, _, err = run("build")
    assert code == 1
    assert err == (
        "Error: cannot write to decks: Permission denied; choose another folder with -o DIR\n"
    )
    assert (in_tmp / "decks" / "good.apkg").read_bytes() == deck
    assert (in_tmp / "notes" / "flashgen.lock.json").read_bytes() == lock


def test_disk_full_while_writing_the_lock_keeps_the_old_lock(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    assert run("build")[0] == 0
    lock = (in_tmp / "notes" / "flashgen.lock.json").read_bytes()
    write(in_tmp, "notes/a.md", GOOD + "Jitter: variation in latency.\n")
    real_fsync = os.fsync
    calls = {"n": 0}

    def full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] >= 2:  # the package goes through, the lock hits a full disk
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    code, _, err = run("build")
    assert code == 1
    assert err == (
        "Error: cannot write to decks: No space left on device; the previous decks are untouched\n"
    )
    assert (in_tmp / "notes" / "flashgen.lock.json").read_bytes() == lock
    assert not [p for p in (in_tmp / "decks").iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "{not json",
            (
                "is damaged (JSONDecodeError: unexpected character: line 1 column 2 (char 1)); "
                "fix it from version control, or run with --reset-lock to start a new one"
            ),
        ),
        (
            '{"version": 99, "cards": {}}',
            (
                "was written by a newer flashgen (format 99); "
                "upgrade flashgen, or run with --reset-lock to start a new lock"
            ),
        ),
    ],
)
def test_bad_lock_is_an_error_with_a_way_out(in_tmp: Path, content: str, message: str) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/flashgen.lock.json", content)
    code, _, err = run("build")
    assert code == 1
    assert err.startswith(f"Error: lock file notes/flashgen.lock.json {message}")
    assert (in_tmp / "notes" / "flashgen.lock.json").read_text() == content
    assert not (in_tmp / "decks" / "good.apkg").exists()


def test_extract_survives_control_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "c.md", "Osmosis\x00\x07: water\x1b[31m moving.\n\u202eRTL: text\n")
    note, _ = read_note(path, tmp_path)
    assert note is None or extract(note) is not None
