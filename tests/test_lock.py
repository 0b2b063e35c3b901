"""The lock file: its format, what a damaged or missing lock does, and one build at a time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from flashgen.build import build_decks
from flashgen.cli import main
from flashgen.identity import Lock, LockEntry, guid_for
from flashgen.lockfile import dump_lock, load_lock
from flashgen.project import LOCK_NAME
from tests.conftest import AnkiCollection, write

NOW = 1_700_000_000
OSMOSIS = "# Cells\n\nOsmosis: water crossing a membrane.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_lock_format(tmp_path: Path) -> None:
    write(tmp_path, "notes/bio.md", OSMOSIS)
    build_decks([tmp_path / "notes"], tmp_path / "decks", now=NOW)
    text = (tmp_path / "notes" / LOCK_NAME).read_text(encoding="utf-8")
    source = f"{tmp_path}/notes/bio.md:3"
    data = json.loads(text)
    assert list(data) == ["cards", "notetypes", "version"]
    assert data["version"] == 2
    assert sorted(data["notetypes"]) == ["1276491904", "1579730105"]
    # One card per block, one field and one tag per line: a diff shows what changed. Non-ASCII
    # stays as it is written.
    cards = text[: text.index('  "notetypes"')]
    assert cards == (
        "{\n"
        '  "cards": {\n'
        '    "bio|definition|osmosis": {\n'
        f'      "guid": {json.dumps(guid_for("bio|definition|osmosis"))},\n'
        '      "deck": "Cells",\n'
        f'      "source": "{source}",\n'
        f'      "hash": "{data["cards"]["bio|definition|osmosis"]["hash"]}",\n'
        f'      "mod": {NOW},\n'
        '      "state": "live",\n'
        '      "front": "Osmosis",\n'
        '      "model": "basic",\n'
        '      "fields": [\n'
        '        "Osmosis",\n'
        '        "<p>water crossing a membrane.</p>",\n'
        '        "",\n'
        '        "Cells",\n'
        f'        "{source}",\n'
        '        ""\n'
        "      ],\n"
        '      "tags": [\n'
        '        "flashgen::source::bio"\n'
        "      ]\n"
        "    }\n"
        "  },\n"
    )
    assert text.endswith('  "version": 2\n}\n')


def test_dump_and_load_round_trip(tmp_path: Path) -> None:
    entry = LockEntry(
        "g",
        "D",
        "n.md:1",
        "h",
        5,
        "removed",
        "F",
        "cloze",
        ("a\nb", "ü"),
        ("t", "flashgen::removed"),
    )
    lock = Lock({"k": entry}, {"1": ("x", 2)})
    (tmp_path / LOCK_NAME).write_bytes(dump_lock(lock))
    assert load_lock(tmp_path / LOCK_NAME) == lock
    assert dump_lock(load_lock(tmp_path / LOCK_NAME)) == dump_lock(lock)


def test_version_1_lock_is_read_and_upgraded(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "decks"
    write(notes, "bio.md", OSMOSIS)
    build_decks([notes], out, now=NOW)
    v2 = json.loads((notes / LOCK_NAME).read_text(encoding="utf-8"))
    v1 = {
        "version": 1,
        "notetypes": v2["notetypes"],
        "cards": {
            k: {f: v[f] for f in ("guid", "deck", "source", "hash", "mod", "state", "front")}
            for k, v in v2["cards"].items()
        },
    }
    (notes / LOCK_NAME).write_text(json.dumps(v1), encoding="utf-8")
    result = build_decks([notes], out, now=NOW + 100)
    assert result.report.changes == ()
    assert json.loads((notes / LOCK_NAME).read_text(encoding="utf-8")) == v2


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (
            json.dumps(
                {
                    "version": 2,
                    "cards": {
                        "k": {
                            "guid": "g",
                            "deck": "D",
                            "source": "s",
                            "hash": "h",
                            "mod": 1,
                            "fields": [1],
                        }
                    },
                }
            ),
            "TypeError: fields must be a list of strings",
        ),
        ('{"version": 2, "cards": []}', "AttributeError: 'list' object has no attribute 'items'"),
    ],
)
def test_damaged_lock_is_an_error_naming_the_file(in_tmp: Path, content: str, why: str) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS)
    write(in_tmp, "notes/flashgen.lock.json", content)
    message = (
        f"Error: lock file notes/flashgen.lock.json is damaged ({why}); fix it from version "
        "control, or run with --reset-lock to start a new one (review history is kept, but "
        "renamed cards made before the reset may come back as new)\n"
    )
    for command in ("build", "diff"):
        assert run(command) == (1, "", message)
    assert (in_tmp / "notes" / LOCK_NAME).read_text(encoding="utf-8") == content
    assert list((in_tmp / "decks").glob("*.apkg")) == []


def test_reset_lock_starts_again_and_keeps_the_old_file(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS)
    write(in_tmp, "notes/flashgen.lock.json", "{broken")
    code, _, err = run("build", "--reset-lock")
    assert code == 0
    assert err == (
        "Cells: +1 new\n"
        "Started a new lock file; the old one is kept as notes/flashgen.lock.json.bak\n"
        "Built 1 card in 1 deck → 1 package in decks/\n"
    )
    assert (in_tmp / "notes" / "flashgen.lock.json.bak").read_text(encoding="utf-8") == "{broken"
    lock = load_lock(in_tmp / "notes" / LOCK_NAME)
    assert lock.cards["bio|definition|osmosis"].guid == guid_for("bio|definition|osmosis")


def test_without_a_lock_unchanged_cards_keep_their_guids(
    in_tmp: Path, anki_col: AnkiCollection
) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS + "\nDiffusion: spreading from high to low.\n")
    assert run("build")[0] == 0
    before = load_lock(in_tmp / "notes" / LOCK_NAME)
    assert anki_col.import_apkg(in_tmp / "decks" / "cells.apkg").new == 2
    (in_tmp / "notes" / LOCK_NAME).unlink()
    assert run("build")[0] == 0
    after = load_lock(in_tmp / "notes" / LOCK_NAME)
    assert {k: e.guid for k, e in after.cards.items()} == {
        k: e.guid for k, e in before.cards.items()
    }
    assert anki_col.import_apkg(in_tmp / "decks" / "cells.apkg").new == 0
    assert len(anki_col.notes()) == 2


def test_a_reused_key_does_not_take_a_renamed_cards_guid(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "decks"
    write(notes, "n.md", "Lakehouse architechture: warehouse tables over data lake files.\n")
    build_decks([notes], out, now=NOW)
    old_key, new_key = "n|definition|lakehouse architechture", "n|definition|lakehouse architecture"
    write(notes, "n.md", "Lakehouse architecture: warehouse tables over data lake files.\n")
    build_decks([notes], out, now=NOW + 1)
    assert load_lock(notes / LOCK_NAME).cards[new_key].guid == guid_for(old_key)
    write(
        notes,
        "n.md",
        "Lakehouse architecture: warehouse tables over data lake files.\n\n"
        "Lakehouse architechture: a misspelling, now a card of its own.\n",
    )
    build_decks([notes], out, now=NOW + 2)
    cards = load_lock(notes / LOCK_NAME).cards
    assert cards[new_key].guid == guid_for(old_key)
    assert cards[old_key].guid not in (guid_for(old_key), "")
    assert len({e.guid for e in cards.values()}) == 2


def test_removed_card_stays_unchanged_until_pruned(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS + "\nDiffusion: spreading from high to low.\n")
    assert run("build")[0] == 0
    write(in_tmp, "notes/bio.md", OSMOSIS)
    assert run("build")[2].startswith("Cells: \N{MINUS SIGN}1 removed\n")
    packaged = (in_tmp / "decks" / "cells.apkg").read_bytes()
    assert run("build") == (0, "", "No changes\nBuilt 1 card in 1 deck → 1 package in decks/\n")
    assert (in_tmp / "decks" / "cells.apkg").read_bytes() == packaged
    assert run("build", "--prune") == (
        0,
        "",
        "Forgot 1 removed card (--prune)\nBuilt 1 card in 1 deck → 1 package in decks/\n",
    )
    assert list(load_lock(in_tmp / "notes" / LOCK_NAME).cards) == ["bio|definition|osmosis"]


def test_pruning_the_last_cards_of_a_deck_deletes_its_package(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS)
    write(in_tmp, "notes/net.md", "# Networks\n\nLatency: the time one message takes.\n")
    assert run("build")[0] == 0
    (in_tmp / "notes" / "net.md").unlink()
    assert run("build")[0] == 0
    assert sorted(p.name for p in (in_tmp / "decks").glob("*.apkg")) == [
        "cells.apkg",
        "networks.apkg",
    ]
    assert run("build", "--prune")[0] == 0
    assert sorted(p.name for p in (in_tmp / "decks").glob("*.apkg")) == ["cells.apkg"]


HOLD = """
import sys, time
from pathlib import Path
from flashgen.guard import build_guard
with build_guard(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""
SHORT_WAIT_BUILD = """
import sys
import flashgen.guard
flashgen.guard.GUARD_WAIT_SECONDS = 0.5
from flashgen.cli import main
main(["build", *sys.argv[1:]])
"""


def hold_guard(out: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process in the middle of a build: it holds the guard for `seconds`."""
    out.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "held\n"
    return proc


def short_wait_build() -> subprocess.CompletedProcess[str]:
    """`flashgen build` in another process, waiting at most 0.5 s for the guard."""
    return subprocess.run(
        [sys.executable, "-c", SHORT_WAIT_BUILD],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_second_build_fails_clearly_while_the_first_runs(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS)
    assert run("build")[0] == 0
    lock_before = (in_tmp / "notes" / LOCK_NAME).read_bytes()
    write(in_tmp, "notes/bio.md", OSMOSIS + "\nDiffusion: spreading from high to low.\n")
    holder = hold_guard(in_tmp / "decks", 30)
    try:
        second = short_wait_build()
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 1
    assert second.stderr == (
        "Error: another flashgen build is writing to decks; wait for it to finish and run "
        "the build again\n"
    )
    assert (in_tmp / "notes" / LOCK_NAME).read_bytes() == lock_before


def test_builds_started_together_all_finish(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS)
    cmd = [sys.executable, "-m", "flashgen", "build", "-q"]
    for _ in range(3):
        procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE) for _ in range(4)]
        assert [(p.wait(timeout=60), p.stderr.read() if p.stderr else b"") for p in procs] == [
            (0, b"")
        ] * 4
        assert list(load_lock(in_tmp / "notes" / LOCK_NAME).cards) == ["bio|definition|osmosis"]


def test_second_build_waits_for_the_first(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS)
    holder = hold_guard(in_tmp / "decks", 1.0)
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "flashgen", "build", "-q"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert holder.wait() == 0
    assert (second.returncode, second.stderr) == (0, b"")
    assert time.monotonic() - started >= 0.5
    load_lock(in_tmp / "notes" / LOCK_NAME)


def test_prune_writes_a_fresh_removal_once_before_forgetting_it(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", OSMOSIS + "\nDiffusion: spreading from high to low.\n")
    assert run("build")[0] == 0
    write(in_tmp, "notes/bio.md", OSMOSIS)
    assert run("build", "--prune")[0] == 0
    removed = load_lock(in_tmp / "notes" / LOCK_NAME).cards["bio|definition|diffusion"]
    assert (removed.state, removed.tags[0]) == ("removed", "flashgen::removed")
    assert run("build", "--prune")[2].startswith("Forgot 1 removed card (--prune)\n")
    assert "bio|definition|diffusion" not in load_lock(in_tmp / "notes" / LOCK_NAME).cards


HOLD_LOCK_DIR = """
import sys, time
from pathlib import Path
from flashgen.guard import build_guard
with build_guard(Path(sys.argv[1]), Path(sys.argv[2])):
    print("held", flush=True)
    time.sleep(30)
"""


def test_a_build_into_another_folder_waits_for_the_one_writing_the_same_lock(
    in_tmp: Path,
) -> None:
    """The lock lives with the notes: builds into two output folders share it."""
    write(in_tmp, "notes/bio.md", OSMOSIS)
    (in_tmp / "elsewhere").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK_DIR, "elsewhere", "notes"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        second = short_wait_build()
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 1
    assert second.stderr == (
        "Error: another flashgen build is writing to notes; wait for it to finish and run "
        "the build again\n"
    )
    assert not (in_tmp / "notes" / LOCK_NAME).exists()
