"""A semester of edits, each step built, imported into the same real Anki collection and checked.

The steps are the ones in docs/regenerating.md: build and review; rebuild unchanged; edit a
definition; fix a typo in a term; rename and move the note file; delete a card; restore it;
two builds at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from flashgen.cli import main
from flashgen.lockfile import load_lock
from flashgen.project import LOCK_NAME
from tests.conftest import AnkiCollection, ImportLog, write

LECTURE = """\
---
deck: MLOps::Lecture 5
---
# Lecture 5: Deployment

Deployment gap: the distance between a model that works in a notebook and one that serves users.

Lakehouse architechture: a storage design that puts warehouse tables on top of cheap data lake files.

Shadow deployment: running a new model next to the live one and logging its answers without showing them.

Habits that make training reproducible:
- pin every dependency to an exact version
- version the data next to the code
- log the random seed with each run

Canary release: sending a small share of live traffic to the new model first.
"""
CANARY = "\nCanary release: sending a small share of live traffic to the new model first.\n"
TRANSACTIONS = """\
# Transactions

Atomicity: either every operation in a transaction takes effect, or none of them do.

Durability: once a transaction commits, its changes survive a crash.
"""


def build(*args: str) -> str:
    """`flashgen build -v` in the current folder; returns what it printed (stderr)."""
    result = CliRunner().invoke(main, ["build", "-v", *args])
    assert result.exit_code == 0, result.output
    return result.stderr


def import_all(col: AnkiCollection) -> ImportLog:
    total = ImportLog(0, 0, 0, 0)
    for apkg in sorted(Path("decks").glob("*.apkg")):
        log = col.import_apkg(apkg)
        total = ImportLog(
            total.new + log.new,
            total.updated + log.updated,
            total.duplicate + log.duplicate,
            total.conflicting + log.conflicting,
        )
    return total


def snapshot(col: AnkiCollection) -> dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]]:
    """Every note by its front: note id, fields, tags."""
    return {n.fields[0]: (n.id, tuple(n.fields), tuple(sorted(n.tags))) for n in col.notes()}


def reps(col: AnkiCollection, front: str) -> list[int]:
    (note,) = [n for n in col.notes() if n.fields[0] == front]
    return [col.col.get_card(c.id).reps for c in note.cards()]


def packages() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path("decks").glob("*.apkg"))}


def test_a_semester_of_edits(in_tmp: Path, anki_col: AnkiCollection) -> None:
    lecture = write(in_tmp, "notes/mlops/lecture-05.md", LECTURE)
    write(in_tmp, "notes/databases/transactions.md", TRANSACTIONS)

    # 1. First build, import, answer every card once.
    assert build() == (
        "databases::Transactions: +2 new\n"
        "  + Atomicity (notes/databases/transactions.md:3)\n"
        "  + Durability (notes/databases/transactions.md:5)\n"
        "MLOps::Lecture 5: +5 new\n"
        "  + Deployment gap (notes/mlops/lecture-05.md:6)\n"
        "  + Lakehouse architechture (notes/mlops/lecture-05.md:8)\n"
        "  + Shadow deployment (notes/mlops/lecture-05.md:10)\n"
        "  + Habits that make training reproducible (notes/mlops/lecture-05.md:12)\n"
        "  + Canary release (notes/mlops/lecture-05.md:17)\n"
        "Built 7 cards in 2 decks → 2 packages in decks/\n"
    )
    assert import_all(anki_col) == ImportLog(7, 0, 0, 0)
    assert anki_col.answer_all() == 7
    v1 = snapshot(anki_col)
    v1_packages = packages()

    # 2. Rebuild unchanged: the same bytes; Anki sees nothing new or updated.
    assert build() == "No changes\nBuilt 7 cards in 2 decks → 2 packages in decks/\n"
    assert packages() == v1_packages
    assert import_all(anki_col) == ImportLog(0, 0, 7, 0)
    assert snapshot(anki_col) == v1

    # 3. Edit one definition: the same note is updated and keeps its review.
    lecture.write_text(
        lecture.read_text().replace("one that serves users", "one that serves real users")
    )
    assert build() == (
        "MLOps::Lecture 5: ~1 changed\n"
        "  ~ Deployment gap (notes/mlops/lecture-05.md:6)\n"
        "Built 7 cards in 2 decks → 2 packages in decks/\n"
    )
    assert import_all(anki_col) == ImportLog(0, 1, 6, 0)
    after = snapshot(anki_col)
    assert after["Deployment gap"][0] == v1["Deployment gap"][0]
    assert "serves real users" in after["Deployment gap"][1][1]
    assert reps(anki_col, "Deployment gap") == [1]
    assert {k: v for k, v in after.items() if k != "Deployment gap"} == {
        k: v for k, v in v1.items() if k != "Deployment gap"
    }

    # 4. Fix a typo in a term: a rename, so the same note is updated, nothing is new.
    lecture.write_text(lecture.read_text().replace("architechture", "architecture"))
    assert build() == (
        "MLOps::Lecture 5: →1 renamed\n"
        "  → Lakehouse architecture (notes/mlops/lecture-05.md:8),"
        " was Lakehouse architechture (notes/mlops/lecture-05.md:8)\n"
        "Built 7 cards in 2 decks → 2 packages in decks/\n"
    )
    assert import_all(anki_col) == ImportLog(0, 1, 6, 0)
    after = snapshot(anki_col)
    assert "Lakehouse architechture" not in after
    assert after["Lakehouse architecture"][0] == v1["Lakehouse architechture"][0]
    assert reps(anki_col, "Lakehouse architecture") == [1]
    assert len(after) == 7

    # 5. Rename the note file and move it into a sub-folder; frontmatter keeps its deck.
    moved = in_tmp / "notes/mlops/week-5/deployment.md"
    moved.parent.mkdir()
    lecture.rename(moved)
    assert build() == (
        "MLOps::Lecture 5: →5 renamed\n"
        "  → Deployment gap (notes/mlops/week-5/deployment.md:6),"
        " was Deployment gap (notes/mlops/lecture-05.md:6)\n"
        "  → Lakehouse architecture (notes/mlops/week-5/deployment.md:8),"
        " was Lakehouse architecture (notes/mlops/lecture-05.md:8)\n"
        "  → Shadow deployment (notes/mlops/week-5/deployment.md:10),"
        " was Shadow deployment (notes/mlops/lecture-05.md:10)\n"
        "  → Habits that make training reproducible (notes/mlops/week-5/deployment.md:12),"
        " was Habits that make training reproducible (notes/mlops/lecture-05.md:12)\n"
        "  → Canary release (notes/mlops/week-5/deployment.md:17),"
        " was Canary release (notes/mlops/lecture-05.md:17)\n"
        "Built 7 cards in 2 decks → 2 packages in decks/\n"
    )
    assert import_all(anki_col) == ImportLog(0, 5, 2, 0)
    after = snapshot(anki_col)
    assert {k: v[0] for k, v in after.items()} == {
        ("Lakehouse architecture" if k == "Lakehouse architechture" else k): v[0]
        for k, v in v1.items()
    }
    assert after["Canary release"][1][4] == "notes/mlops/week-5/deployment.md:17"
    assert after["Canary release"][2] == ("flashgen::source::mlops::week-5::deployment",)
    assert all(reps(anki_col, front) == [1] for front in after)
    step5 = after

    # 6. Delete one card: reported removed, written again with the tag, nothing else changes.
    moved.write_text(moved.read_text().replace(CANARY, ""))
    assert build() == (
        "MLOps::Lecture 5: \N{MINUS SIGN}1 removed\n"
        "  \N{MINUS SIGN} Canary release (notes/mlops/week-5/deployment.md:17)\n"
        "Removed cards stay in the packages with the tag flashgen::removed: after importing, "
        "search tag:flashgen::removed in Anki's Browse, delete or suspend them, then build "
        "with --prune\n"
        "Built 6 cards in 2 decks → 2 packages in decks/\n"
    )
    assert import_all(anki_col) == ImportLog(0, 1, 6, 0)
    after = snapshot(anki_col)
    assert after["Canary release"][2] == (
        "flashgen::removed",
        "flashgen::source::mlops::week-5::deployment",
    )
    assert after["Canary release"][:2] == step5["Canary release"][:2]
    assert [n.fields[0] for n in anki_col.notes("tag:flashgen::removed")] == ["Canary release"]
    assert {k: v for k, v in after.items() if k != "Canary release"} == {
        k: v for k, v in step5.items() if k != "Canary release"
    }
    assert load_lock(in_tmp / "notes" / LOCK_NAME).cards[
        "mlops/week-5/deployment|definition|canary release"
    ].state == ("removed")

    # 7. Restore it: the tag goes, the note and its review stay.
    moved.write_text(moved.read_text() + CANARY)
    assert build() == (
        "MLOps::Lecture 5: ~1 changed\n"
        "  ~ Canary release (notes/mlops/week-5/deployment.md:17), restored\n"
        "Built 7 cards in 2 decks → 2 packages in decks/\n"
    )
    assert import_all(anki_col) == ImportLog(0, 1, 6, 0)
    assert snapshot(anki_col) == step5
    assert anki_col.notes("tag:flashgen::removed") == []
    assert reps(anki_col, "Canary release") == [1]

    # 8. Two builds at once, as two processes: both finish (the second waits for the
    #    first), the lock is valid, and the decks are the ones a single build gives.
    step7 = packages()
    cmd = [sys.executable, "-m", "flashgen", "build", "-q"]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE) for _ in range(2)]
    results = [(p.wait(timeout=60), p.stderr.read() if p.stderr else b"") for p in procs]
    assert results == [(0, b""), (0, b"")]
    json.loads((in_tmp / "notes" / LOCK_NAME).read_text(encoding="utf-8"))
    assert packages() == step7
    assert import_all(anki_col) == ImportLog(0, 0, 7, 0)


def test_a_deck_move_leaves_cards_anki_has_in_the_old_deck(
    in_tmp: Path, anki_col: AnkiCollection
) -> None:
    """What the deck-move warning tells the student, checked against Anki itself."""
    note = write(in_tmp, "notes/net.md", "# Networks\n\nLatency: the time one message takes.\n")
    build()
    assert import_all(anki_col) == ImportLog(1, 0, 0, 0)
    note.write_text(note.read_text().replace("# Networks", "# Computer networks"))
    assert "moved from deck" in build()
    assert import_all(anki_col) == ImportLog(0, 1, 0, 0)
    (latency,) = anki_col.notes()
    assert latency["Context"] == "Computer networks"
    card = anki_col.col.get_card(latency.cards()[0].id)
    assert anki_col.col.decks.name(card.did) == "Networks"
    assert [n.id for n in anki_col.notes("deck:Networks tag:flashgen::source::net")] == [latency.id]
