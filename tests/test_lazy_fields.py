"""A large build leaves its cards' fields in the content cache: it writes the same bytes."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen import build
from flashgen.build import BuildResult, build_decks
from flashgen.cache import CACHE_DIR, STATE_FILE
from flashgen.errors import FlashgenError
from flashgen.fields import FieldsRef, NoteFields
from flashgen.project import LOCK_NAME
from tests.conftest import lock_beside, write
from tests.images import png
from tests.test_increment import TREE, outputs, write_tree


def built(notes: Path, out: Path, lazy: bool, now: int, prune: bool = False) -> BuildResult:
    real = build.LAZY_MIN_NOTES
    build.LAZY_MIN_NOTES = 0 if lazy else 10**9
    try:
        return build_decks([notes], out, now=now, prune=prune, project=lock_beside(out, notes))
    finally:
        build.LAZY_MIN_NOTES = real


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREE, min_size=2, max_size=5), st.lists(st.booleans(), min_size=5, max_size=5))
def test_fields_left_in_the_cache_give_the_same_decks(
    versions: list[dict[str, tuple[str, str]]], wholes: list[bool]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        notes, lazy, held = Path(tmp) / "notes", Path(tmp) / "lazy", Path(tmp) / "held"
        for step, (tree, whole) in enumerate(zip(versions, wholes, strict=False)):
            write_tree(notes, tree)
            if whole:  # no cache: every note parsed, every card planned
                shutil.rmtree(lazy / CACHE_DIR, ignore_errors=True)
            got = built(notes, lazy, True, 1_000_000 + step * 10, prune=step == 3)
            expected = built(notes, held, False, 1_000_000 + step * 10, prune=step == 3)
            assert got.report == expected.report
            assert got.problems == expected.problems
            assert (got.card_count, got.deck_count) == (expected.card_count, expected.deck_count)
            assert outputs(lazy) == outputs(held)


NOTE = """---
deck: Bio
tags: [cells]
reverse: true
---
# Cells

Osmosis: water crossing a membrane. ![red](red.png)

Diffusion: particles spreading out. ![gone](missing.png)

- Cell wall :: a rigid layer around a plant cell

The {{c1::mitochondria}} make ATP.
"""


def test_images_cloze_and_reverse_cards_left_in_the_cache(in_tmp: Path) -> None:
    notes = in_tmp / "notes"
    write(notes, "bio/cells.md", NOTE)
    write(notes, "bio/red.png", png(2, 2, (255, 0, 0)))
    write(notes, "chem/acids.md", "# Acids\n\npH: how acidic a solution is.\n")
    for step in range(2):
        got = built(notes, in_tmp / "lazy", True, 1000 + step)
        expected = built(notes, in_tmp / "held", False, 1000 + step)
        assert got.problems == expected.problems
        assert [str(p) for p in got.problems] == [
            "notes/bio/cells.md:10: image not found: missing.png"
        ]
        assert outputs(in_tmp / "lazy") == outputs(in_tmp / "held")
        write(notes, "chem/acids.md", "# Acids\n\npH: how acidic or basic a solution is.\n")


def test_fields_changed_under_a_build_stop_it_and_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes, out = tmp_path / "notes", tmp_path / "decks"
    write(notes, "a.md", "Osmosis: water crossing a membrane.\n")
    built(notes, out, True, 1000)
    before = outputs(out)
    write(notes, "a.md", "Osmosis: water crossing a membrane, slowly.\n")
    (out / LOCK_NAME).write_bytes((out / LOCK_NAME).read_bytes())  # a whole plan
    real = build._plan_whole

    def then_damage(*args: object) -> object:
        step = real(*args)  # type: ignore[arg-type]
        for data in (out / CACHE_DIR).glob("notes-*.data"):
            data.write_bytes(b"\0" * data.stat().st_size)
        return step

    monkeypatch.setattr(build, "_plan_whole", then_damage)
    with pytest.raises(FlashgenError) as err:
        built(notes, out, True, 2000)
    assert err.value.message == (
        f"{out / CACHE_DIR / 'notes-1.data'}: changed while this build ran (a note's work "
        "in notes-1.data is not as saved); run the build again"
    )
    assert outputs(out) == before


def test_a_fields_ref_reads_its_note_once() -> None:
    reads = []

    def read() -> bytes:
        import marshal

        reads.append(1)
        return marshal.dumps(((), (("basic", ("F", "B")), ("cloze", ("T",)))))

    note = NoteFields(read, "here")
    first, second = FieldsRef(note, 0), FieldsRef(note, 1)
    assert (list(first), len(second), first[1], second[:1]) == (["F", "B"], 1, "B", ("T",))
    held = ("F", "B")
    assert first == held and held == first and first != second
    assert hash(first) == hash(("F", "B")) and bool(FieldsRef(note, 5))
    assert reads == [1]
    NoteFields.forget()
    assert tuple(second) == ("T",) and reads == [1, 1]


def test_fields_in_the_cache_with_the_forked_writer_and_in_place_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Large-build paths at a small size: packages written by a forked child, and changed
    # in place from their kept collections, reading fields back from the cache.
    monkeypatch.setattr(build, "FORK_MIN_NOTES", 1)
    monkeypatch.setattr(build, "IN_PLACE_MIN_NOTES", 1)
    versions = [
        {f"n{n}.md": ("Bio", f"Term{n}: definition {n}.\n\nOther{n}: more.") for n in range(5)},
        {f"n{n}.md": ("Bio", f"Term{n}: definition {n}, edited.") for n in range(3)},
        {"n1.md": ("Chem", "Term1: moved.\n\nNew1: added.")},
    ]
    in_place: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        notes, lazy, held = Path(tmp) / "notes", Path(tmp) / "lazy", Path(tmp) / "held"
        for step, tree in enumerate(versions):
            write_tree(notes, tree)
            got = built(notes, lazy, True, 1_000_000 + step * 10)
            expected = built(notes, held, False, 1_000_000 + step * 10)
            assert got.report == expected.report and got.rewritten
            assert [p.name for p in got.rewritten] == [p.name for p in expected.rewritten]
            assert outputs(lazy) == outputs(held)
            state = json.loads((lazy / CACHE_DIR / STATE_FILE).read_text())
            in_place.append(sorted(k for k, v in state["packages"].items() if "in place" in v[0]))
    assert in_place == [[], ["bio"], ["bio"]]  # the rebuilds changed the package in place
