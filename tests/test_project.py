"""One notes folder for every command: keys, decks and the lock are the same whatever path a
build is given; a build of one course leaves the others as they were; the lock lives with
the notes, so deleting decks/ loses nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flashgen.errors import ConfigError
from flashgen.lockfile import load_lock
from flashgen.project import LOCK_NAME, find_project
from tests.conftest import AnkiCollection, run_cli, write

MLOPS_05 = """# Class notes

Model registry: A central catalogue of trained models and their versions.

Feature store: serves the same features in training and in production.
"""
MLOPS_06 = """# Monitoring

Data drift: the distribution of the inputs changes over time.

Label drift: the distribution of the labels changes over time.
"""
DATABASES = """# Transactions

Atomicity: every operation of a transaction takes effect, or none does.

Isolation: concurrent transactions do not see each other's partial work.
"""


@pytest.fixture
def course(in_tmp: Path) -> Path:
    """Two courses in `notes/`, run from the folder above it (as a student would)."""
    write(in_tmp, "notes/mlops/lecture-05.md", MLOPS_05)
    write(in_tmp, "notes/mlops/lecture-06.md", MLOPS_06)
    write(in_tmp, "notes/databases/transactions.md", DATABASES)
    return in_tmp


def build(*args: str) -> str:
    code, _, err = run_cli("build", *args)
    assert code == 0, err
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.apkg"))}


# --- finding the notes folder ----------------------------------------------------------


def test_a_sub_folder_of_notes_has_the_notes_folder_as_its_root(course: Path) -> None:
    project = find_project([Path("notes/mlops")])
    assert project.roots == (course / "notes",)
    assert project.lock == course / "notes" / LOCK_NAME
    assert project.scope == (course / "notes" / "mlops",)
    assert find_project([Path("notes")]).whole
    assert find_project().whole


def test_the_folder_holding_the_lock_is_the_root(in_tmp: Path) -> None:
    write(in_tmp, "school/bio/cells.md", "Osmosis: water crossing a membrane.\n")
    write(in_tmp, "school/" + LOCK_NAME, '{"cards": {}, "version": 2}\n')
    project = find_project([Path("school/bio/cells.md")])
    assert project.roots == (in_tmp / "school",)
    assert project.scope == (in_tmp / "school" / "bio" / "cells.md",)


def test_a_lock_above_a_git_repository_is_not_looked_at(in_tmp: Path) -> None:
    write(in_tmp, LOCK_NAME, '{"cards": {}, "version": 2}\n')
    (in_tmp / "repo" / ".git").mkdir(parents=True)
    write(in_tmp, "repo/bio/cells.md", "Osmosis: water crossing a membrane.\n")
    assert find_project([Path("repo/bio")]).roots == (in_tmp / "repo" / "bio",)


def test_a_path_outside_the_configured_notes_is_an_error(in_tmp: Path) -> None:
    write(in_tmp, "flashgen.toml", 'notes = "lectures"\n')
    write(in_tmp, "lectures/a.md", "Osmosis: water crossing a membrane.\n")
    write(in_tmp, "elsewhere/b.md", "Diffusion: spreading out.\n")
    with pytest.raises(ConfigError) as caught:
        find_project([Path("elsewhere")], [in_tmp / "lectures"], in_tmp / "flashgen.toml")
    assert caught.value.message == (
        "elsewhere: outside the notes folder lectures (set in flashgen.toml); pass a path "
        "inside it, or change `notes` there"
    )
    code, _, err = run_cli("build", "elsewhere")
    assert code == 2
    assert err == (
        "Error: elsewhere: outside the notes folder lectures (set in flashgen.toml); pass a "
        "path inside it, or change `notes` there\n"
    )


def test_two_configured_notes_folders_share_one_lock_beside_the_configuration(
    in_tmp: Path,
) -> None:
    write(in_tmp, "flashgen.toml", 'notes = ["lectures", "labs"]\n')
    write(in_tmp, "lectures/a.md", "Osmosis: water crossing a membrane.\n")
    write(in_tmp, "labs/b.md", "Diffusion: spreading from high to low concentration.\n")
    assert build() == "a: +1 new\nb: +1 new\nBuilt 2 cards in 2 decks → 2 packages in decks/\n"
    assert (in_tmp / LOCK_NAME).is_file()
    assert build("labs") == "No changes\nBuilt 1 card in 1 deck → 1 package in decks/\n"
    assert len(load_lock(in_tmp / LOCK_NAME).cards) == 2


def test_notes_from_two_notes_folders_at_once_are_an_error(in_tmp: Path) -> None:
    write(in_tmp, "one/a.md", "Osmosis: water crossing a membrane.\n")
    write(in_tmp, "two/b.md", "Diffusion: spreading out.\n")
    code, _, err = run_cli("build", "one", "two")
    assert code == 2
    assert err == (
        "Error: two: not in the notes folder one of one; build one notes folder at a time, "
        "or name them all in flashgen.toml (`notes = [...]`)\n"
    )


# --- building one course -------------------------------------------------------------------


def test_building_one_course_leaves_the_others_as_they_were(course: Path) -> None:
    build()
    lock = (course / "notes" / LOCK_NAME).read_bytes()
    before = snapshot(course / "decks")
    assert build("notes/mlops") == "No changes\nBuilt 4 cards in 2 decks → 1 package in decks/\n"
    assert build("notes/databases/transactions.md") == (
        "No changes\nBuilt 2 cards in 1 deck → 1 package in decks/\n"
    )
    assert (course / "notes" / LOCK_NAME).read_bytes() == lock
    assert snapshot(course / "decks") == before
    assert not (course / "decks" / LOCK_NAME).exists()


def test_an_edit_built_through_one_course_keeps_its_deck(course: Path) -> None:
    build()
    note = course / "notes/mlops/lecture-05.md"
    note.write_text(MLOPS_05.replace("A central catalogue", "A central catalog"), "utf-8")
    assert build("notes/mlops") == (
        "mlops::Class notes: ~1 changed\nBuilt 4 cards in 2 decks → 1 package in decks/\n"
    )
    assert build() == "No changes\nBuilt 6 cards in 3 decks → 2 packages in decks/\n"
    assert build() == "No changes\nBuilt 6 cards in 3 decks → 2 packages in decks/\n"
    assert sorted(p.name for p in (course / "decks").glob("*.apkg")) == [
        "databases.apkg",
        "mlops.apkg",
    ]
    decks = {e.deck for e in load_lock(course / "notes" / LOCK_NAME).cards.values()}
    assert decks == {"mlops::Class notes", "mlops::Monitoring", "databases::Transactions"}


def test_a_removal_in_one_course_is_reported_and_the_others_are_not(course: Path) -> None:
    build()
    note = course / "notes/mlops/lecture-06.md"
    note.write_text(MLOPS_06.split("Label drift")[0], "utf-8")
    err = build("notes/mlops")
    assert err.startswith("mlops::Monitoring: −1 removed\n")
    cards = load_lock(course / "notes" / LOCK_NAME).cards
    assert [e.front for e in cards.values() if e.state == "removed"] == ["Label drift"]


def test_a_deleted_note_waits_for_a_whole_build(course: Path) -> None:
    """A partial build cannot tell a deleted note from one moved out of its reach: its
    cards are settled by the next whole build (a rename, if it moved)."""
    build()
    (course / "notes/mlops/lecture-06.md").rename(course / "notes/databases/monitoring.md")
    assert build("notes/mlops") == "No changes\nBuilt 2 cards in 1 deck → 1 package in decks/\n"
    err = build()
    assert "removed" not in err
    assert "→2 renamed" in err


def test_reset_lock_needs_the_whole_notes_folder(course: Path) -> None:
    build()
    code, _, err = run_cli("build", "notes/mlops", "--reset-lock")
    assert code == 2
    assert err == (
        "Error: --reset-lock starts the whole lock again: build the whole notes folder "
        "(notes) with it\n"
    )


def test_an_output_that_is_a_file_is_a_clear_error(course: Path) -> None:
    write(course, "somefile", "x")
    code, _, err = run_cli("build", "-o", "somefile")
    assert code == 1
    assert err == "Error: somefile: is a file, not a folder; choose a folder with -o DIR\n"


def test_diff_with_prune_shows_what_prune_forgets(course: Path) -> None:
    build()
    note = course / "notes/mlops/lecture-06.md"
    note.write_text(MLOPS_06.split("Label drift")[0], "utf-8")
    build()
    assert run_cli("diff")[1] == "No changes\n"
    code, out, _ = run_cli("diff", "--prune", "--exit-code")
    assert (code, out) == (1, "Forgot 1 removed card (--prune)\n")


# --- where the lock lives --------------------------------------------------------------


def test_an_old_lock_in_the_output_folder_is_moved_once(course: Path) -> None:
    build()
    lock = course / "notes" / LOCK_NAME
    text = lock.read_bytes()
    lock.rename(course / "decks" / LOCK_NAME)
    assert build() == (
        "Moved the lock file decks/flashgen.lock.json → notes/flashgen.lock.json: it lives "
        "with your notes now; commit it with them\n"
        "No changes\n"
        "Built 6 cards in 3 decks → 2 packages in decks/\n"
    )
    assert lock.read_bytes() == text
    assert not (course / "decks" / LOCK_NAME).exists()
    assert build() == "No changes\nBuilt 6 cards in 3 decks → 2 packages in decks/\n"


def test_packages_without_their_lock_give_a_warning(course: Path) -> None:
    build()
    (course / "notes" / LOCK_NAME).unlink()
    code, _, err = run_cli("build")
    assert code == 0
    assert err.splitlines()[0] == (
        "notes/flashgen.lock.json:1: no lock file, but decks holds 2 packages from "
        "an earlier build: cards renamed or removed since then come back as new cards; "
        "restore the lock from version control if you have it"
    )


def test_list_and_diff_read_the_lock_in_the_notes_folder(course: Path) -> None:
    build()
    lock = load_lock(course / "notes" / LOCK_NAME)
    code, out, _ = run_cli("list", "notes/mlops", "--format", "json")
    assert code == 0
    import json

    listed = {c["guid"] for c in json.loads(out)}
    assert listed == {e.guid for k, e in lock.cards.items() if k.startswith("mlops/")}
    assert run_cli("diff", "notes/mlops")[1] == "No changes\n"


# --- the whole story, against a real Anki collection ----------------------------------


def test_one_course_builds_and_a_deleted_output_folder_lose_nothing_in_anki(
    course: Path, anki_col: AnkiCollection
) -> None:
    decks = course / "decks"

    def import_all() -> tuple[int, int]:
        new = updated = 0
        for apkg in sorted(decks.glob("*.apkg")):
            log = anki_col.import_apkg(apkg)
            new += log.new
            updated += log.updated
        return new, updated

    build()
    assert import_all() == (6, 0)
    assert anki_col.answer_all() == 6
    deck_names = anki_col.deck_names()

    # 1. One course alone: nothing removed, nothing new.
    build("notes/mlops")
    assert import_all() == (0, 0)
    assert anki_col.notes("tag:flashgen::removed") == []

    # 2. An edit built through one course, then whole builds: one update, same decks.
    note = course / "notes/mlops/lecture-05.md"
    note.write_text(MLOPS_05.replace("A central catalogue", "A central catalog"), "utf-8")
    build("notes/mlops")
    build()
    build()
    assert import_all() == (0, 1)
    assert anki_col.deck_names() == deck_names

    # 3. A renamed term, then decks/ (output and cache) deleted: the lock still knows it.
    note.write_text(
        note.read_text("utf-8").replace("Feature store:", "Feature stores:"), encoding="utf-8"
    )
    build()
    assert import_all() == (0, 1)
    shutil.rmtree(decks)
    build()
    assert import_all() == (0, 0)
    assert anki_col.notes("tag:flashgen::removed") == []
    assert len(anki_col.notes()) == 6
    # Review history kept: every card was answered once, and still is.
    reviewed = [anki_col.col.get_card(cid).reps for cid in anki_col.col.find_cards("")]
    assert reviewed == [1] * 6
    assert anki_col.deck_names() == deck_names


def test_a_lock_inside_the_notes_folder_is_pointed_out(in_tmp: Path) -> None:
    """A sub-folder built alone before there was a notes folder has a lock of its own,
    whose keys were made against it: a build of the folder above says so."""
    write(in_tmp, "school/bio/cells.md", "Osmosis: water crossing a membrane.\n")
    build("school/bio")
    assert (in_tmp / "school/bio" / LOCK_NAME).is_file()
    code, _, err = run_cli("build", "school")
    assert code == 0
    assert err.splitlines()[:2] == [
        (
            "school/flashgen.lock.json:1: no lock file, but decks holds 1 package from an "
            "earlier build: cards renamed or removed since then come back as new cards; "
            "restore the lock from version control if you have it"
        ),
        (
            "school/bio/flashgen.lock.json:1: a lock made when this folder was built as a notes "
            "folder of its own; the notes folder is school, so its cards get new ids here "
            "(duplicates in Anki): build this folder alone as before, or delete this lock if you "
            "mean to start over"
        ),
    ]
