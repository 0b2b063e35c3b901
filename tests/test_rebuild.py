"""A rebuild (unchanged notes from the cache, their cards from the lock) writes exactly
what a fresh build of every note does."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen.build import BuildResult, build_decks
from flashgen.cache import CACHE_DIR, CachedNote, NoteCache
from flashgen.project import LOCK_NAME
from flashgen.work import NoteResult
from tests.conftest import damage_cached_result, lock_beside, write
from tests.test_cache import count_parses
from tests.test_regenerate_properties import ANSWERS

TERMS = st.sampled_from(["Osmosis", "Osmosys", "Diffusion", "DVC", "Latency", "Jitter"])
NOTE = st.lists(st.builds(lambda t, a: f"{t}: {a}.", TERMS, ANSWERS), max_size=4).map("\n\n".join)
DECK = st.sampled_from(["Bio", "Bio::Cells", "Chem", "Physics"])
TREE = st.dictionaries(
    st.sampled_from(["a.md", "b.md", "sub/a.md", "sub/c.md", "d.md"]),
    st.tuples(DECK, NOTE),
    max_size=4,
)


def write_tree(root: Path, tree: dict[str, tuple[str, str]]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for rel, (deck, text) in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ndeck: {deck}\n---\n{text}\n", encoding="utf-8")


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name[0] != "."}


def both_ways(
    versions: list[dict[str, tuple[str, str]]], prunes: list[bool] | None = None
) -> Iterator[tuple[Path, Path, BuildResult, BuildResult]]:
    """Build each version of the notes into one folder (rebuilds) and afresh without a
    cache into another (whole plans); after checking what both reported, yields (the
    rebuilt folder, the whole one, and both results)."""
    with tempfile.TemporaryDirectory() as tmp:
        notes, inc, whole = Path(tmp) / "notes", Path(tmp) / "inc", Path(tmp) / "whole"
        for step, tree in enumerate(versions):
            write_tree(notes, tree)
            now = 1_000_000 + step * 10
            prune = prunes[step] if prunes else False
            shutil.rmtree(whole / CACHE_DIR, ignore_errors=True)
            expected = build_decks(
                [notes], whole, now=now, prune=prune, project=lock_beside(whole, notes)
            )
            got = build_decks([notes], inc, now=now, prune=prune, project=lock_beside(inc, notes))
            assert got.report == expected.report
            assert (got.card_count, got.deck_count) == (expected.card_count, expected.deck_count)
            yield inc, whole, got, expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREE, min_size=2, max_size=5), st.lists(st.booleans(), min_size=5, max_size=5))
def test_planning_changed_notes_equals_planning_all(
    versions: list[dict[str, tuple[str, str]]], prunes: list[bool]
) -> None:
    for inc, whole, got, expected in both_ways(versions, prunes):
        assert got.problems == expected.problems
        assert [p.name for p in got.written] == [p.name for p in expected.written]
        assert outputs(inc) == outputs(whole)


def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the cached notes whose results a build decodes (the lock could not
    stand in for them)."""
    seen: list[str] = []
    real = NoteCache.result

    def spy(self: NoteCache, entry: CachedNote) -> NoteResult:
        seen.extend(entry.keys)
        return real(self, entry)

    monkeypatch.setattr(NoteCache, "result", spy)
    return seen


def test_one_edited_note_is_planned_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(6):
        write(tmp_path, f"notes/c{n}/lec.md", f"Term{n}: definition number {n}.\n")
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    parsed = count_parses(monkeypatch)
    seen = decoded(monkeypatch)
    write(tmp_path, "notes/c3/lec.md", "Term3: a better definition.\n")
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.apkg")}
    result = build_decks([tmp_path / "notes"], out, now=2000)
    assert (parsed, seen) == (["lec.md"], [])
    assert [(c.kind, c.front) for c in result.report.changes] == [("changed", "Term3")]
    assert [p.name for p in result.rewritten] == ["c3.apkg"]
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.apkg")}
    assert {k for k in before if before[k] != after[k]} == {"c3.apkg"}
    assert (result.card_count, result.deck_count) == (6, 6)


def test_a_lock_from_elsewhere_is_not_trusted(tmp_path: Path) -> None:
    """A lock checked out from version control is not the one the cache was saved with."""
    write(tmp_path, "notes/a.md", "Osmosis: water crossing a membrane.\n")
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    old_lock = (tmp_path / "notes" / LOCK_NAME).read_bytes()
    write(tmp_path, "notes/a.md", "Osmosis: water crossing a thin membrane.\n")
    build_decks([tmp_path / "notes"], out, now=2000)
    (tmp_path / "notes" / LOCK_NAME).write_bytes(old_lock)
    write(tmp_path, "notes/b.md", "Diffusion: spreading out.\n")
    result = build_decks([tmp_path / "notes"], out, now=3000)
    # Against the old lock, Osmosis changed again: a whole plan sees it, a partial one would not.
    assert sorted((c.kind, c.front) for c in result.report.changes) == [
        ("changed", "Osmosis"),
        ("new", "Diffusion"),
    ]


def test_a_lock_edited_in_place_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock stands in for cached notes only while it is the very file the last build
    wrote (size, mtime, inode): a hand edit that keeps the file and its size still changes
    its mtime."""
    write(tmp_path, "notes/a.md", "Osmosis: water crossing a membrane.\n")
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    lock = tmp_path / "notes" / LOCK_NAME
    st = lock.stat()
    with open(lock, "r+b") as fh:  # same inode, same size
        text = fh.read()
        fh.seek(0)
        fh.write(text.replace(b'"mod": 1000', b'"mod": 1001'))
    os.utime(lock, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    seen = decoded(monkeypatch)
    write(tmp_path, "notes/b.md", "Diffusion: spreading out.\n")
    result = build_decks([tmp_path / "notes"], out, now=3000)
    assert seen == ["a|definition|osmosis"]
    assert [(c.kind, c.front) for c in result.report.changes] == [("new", "Diffusion")]
    assert b'"mod": 1001' in lock.read_bytes()  # Osmosis unchanged: its time as the lock has it


def test_a_damaged_cached_result_is_not_needed_while_the_lock_stands_in(
    tmp_path: Path,
) -> None:
    """An unchanged note's cards come from the lock: its cached result, damaged, is never
    read, and the packages are the same."""
    built: list[dict[str, bytes]] = []
    root = tmp_path / "vault"
    for damage in (False, True):
        shutil.rmtree(root, ignore_errors=True)
        write(root, "notes/a.md", "# Bio\n\nOsmosis: water crossing a membrane.\n")
        write(root, "notes/b.md", "# Bio\n\nDiffusion: spreading out.\n")
        out = root / "decks"
        build_decks([root / "notes"], out, now=1000)
        if damage:
            damage_cached_result(out, "a.md")
        write(root, "notes/b.md", "# Bio\n\nDiffusion: particles spreading out.\n")
        result = build_decks([root / "notes"], out, now=2000)
        assert [(c.kind, c.front) for c in result.report.changes] == [("changed", "Diffusion")]
        built.append(outputs(out))
    assert built[0] == built[1]
