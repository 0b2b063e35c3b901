"""`flashgen check`: every problem as `path:line: level: message`, sorted, a summary, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli, write
from tests.images import png

GOOD = "# Net\n\nLatency: the time one message takes to arrive.\n"
LONG_BACK = "Spread: " + " ".join(["word"] * 90) + ".\n"


@pytest.fixture
def messy(in_tmp: Path) -> Path:
    write(in_tmp, "notes/net/a.md", GOOD + "Jitter: varies ![d](img/missing.png) a lot.\n")
    write(in_tmp, "notes/net/b.md", "---\ndeck: net::Net\n---\n# B\n\nLatency: delay.\n")
    write(in_tmp, "notes/bad.md", b"# Bad\n\nCaf\xe9: a place for coffee\n")
    write(in_tmp, "notes/fm.md", "---\ntitle: [unclosed\n---\nTerm: a definition here.\n")
    write(in_tmp, "notes/empty.md", "# Nothing\n\nJust a sentence with no definition in it.\n")
    write(
        in_tmp,
        "notes/long.md",
        "# Long\n\n## The many different ways in which a database can fail badly\n\n"
        "- disk\n- power\n\n"
        + LONG_BACK
        + "\nLeft to write:\n\n## Next\n\nOut: ![x](../../x.png)\n",
    )
    write(in_tmp, "x.png", png(2, 2, (0, 0, 0)))
    return in_tmp


MESSY = [
    (
        "notes/bad.md:3: error: not valid UTF-8 (byte 0xe9 at offset 10); note skipped: "
        "save it as UTF-8"
    ),
    "notes/empty.md:1: warning: no cards found in this note",
    (
        "notes/fm.md:3: error: broken frontmatter: expected ',' or ']', but got '<stream end>'; "
        "using defaults"
    ),
    (
        "notes/long.md:3: warning: term is 11 words long; a question this long is hard to recall: "
        "shorten it"
    ),
    (
        "notes/long.md:8: warning: back of 'Spread' is 90 words long; consider splitting it into "
        "smaller cards"
    ),
    "notes/long.md:10: warning: 'Left to write' has no definition after ':'",
    "notes/long.md:14: warning: image outside the notes folder, not read: ../../x.png",
    "notes/net/a.md:4: warning: image not found: img/missing.png",
    (
        "notes/net/b.md:6: warning: 'Latency' is also a card at notes/net/a.md:3 in deck 'net::Net'; "
        "the two would compete: rename or merge one"
    ),
]


def test_every_problem_sorted_by_file_and_line_then_a_summary(messy: Path) -> None:
    code, out, err = run_cli("check")
    assert code == 1
    assert out == "".join(line + "\n" for line in MESSY)
    assert err == "Checked 6 notes: 2 errors, 7 warnings.\n"


def test_json_for_editors(messy: Path) -> None:
    code, out, _ = run_cli("check", "--format", "json", "-q")
    assert code == 1
    rows = json.loads(out)
    assert rows[0] == {
        "path": "notes/bad.md",
        "line": 3,
        "level": "error",
        "message": "not valid UTF-8 (byte 0xe9 at offset 10); note skipped: save it as UTF-8",
    }
    assert [f"{r['path']}:{r['line']}: {r['level']}: {r['message']}" for r in rows] == MESSY


def test_clean_notes_exit_0(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    assert run_cli("check") == (0, "", "Checked 1 note: no problems.\n")


def test_warnings_exit_0_unless_strict(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/empty.md", "just text\n")
    expected = "notes/empty.md:1: warning: no cards found in this note\n"
    assert run_cli("check") == (0, expected, "Checked 2 notes: 1 warning.\n")
    assert run_cli("check", "--strict") == (1, expected, "Checked 2 notes: 1 warning.\n")


@pytest.mark.parametrize(
    ("text", "line"),
    [("", 1), ("  \n\n\t\n", 1), ("---\ntitle: x\n---\n", 4)],
    ids=["empty", "whitespace", "frontmatter-only"],
)
def test_a_note_with_no_body_warns_like_build(in_tmp: Path, text: str, line: int) -> None:
    write(in_tmp, "notes/a.md", text)
    expected = f"notes/a.md:{line}: warning: no cards found in this note\n"
    assert run_cli("check") == (0, expected, "Checked 1 note: 1 warning.\n")
    code, _, err = run_cli("build")
    assert code == 0
    assert err.splitlines()[0] == f"notes/a.md:{line}: no cards found in this note"


def test_quiet_drops_the_summary(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    assert run_cli("check", "-q") == (0, "", "")


def test_paths_can_be_single_files(messy: Path) -> None:
    code, out, err = run_cli("check", "notes/fm.md", "notes/empty.md")
    assert code == 1
    assert out == MESSY[1] + "\n" + MESSY[2] + "\n"
    assert err == "Checked 2 notes: 1 error, 1 warning.\n"


def test_lead_ins_are_not_empty_definitions(in_tmp: Path) -> None:
    write(
        in_tmp,
        "notes/a.md",
        "# A\n\nChecking it in NumPy:\n\n```python\nprint(1)\n```\n\n"
        "Article summaries:\n\nThe modern data stack, reading for week 4.\n\n"
        "Causes:\n- one\n- two\n",
    )
    assert run_cli("check") == (0, "", "Checked 1 note: no problems.\n")


def test_missing_path(in_tmp: Path) -> None:
    code, out, err = run_cli("check", "nope")
    assert (code, out) == (1, "")
    assert err == (
        "Error: nope: no such file or folder; pass a notes folder or .md file (default: notes/)\n"
    )


def test_bad_config_exits_2(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "flashgen.toml", "strict = true\n")
    code, out, err = run_cli("check")
    assert (code, out) == (2, "")
    assert (
        err == "Error: invalid configuration (1 problem):\n  flashgen.toml: strict: unknown key\n"
    )
