"""The content cache and the parallel parse: faster builds, never different ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flashgen import work
from flashgen.build import build_decks
from flashgen.cache import CACHE_DIR, CACHE_FILE
from flashgen.extract import Options
from flashgen.media import MediaFiles
from flashgen.project import LOCK_NAME
from tests.conftest import damage_cached_result, run_cli, write
from tests.images import png

NOTE = "# Cells\n\nOsmosis: water crossing a membrane ![cell](cell.png)\n"


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = work.process_note

    def counting(path: Path, *args: object) -> work.NoteResult:
        seen.append(path.name)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(work, "process_note", counting)
    return seen


def test_unchanged_notes_are_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "notes/a.md", "Osmosis: water crossing a membrane.\n")
    write(tmp_path, "notes/b.md", "Diffusion: spreading out.\n")
    seen = count_parses(monkeypatch)
    first = build_decks([tmp_path / "notes"], tmp_path / "decks", now=1000)
    assert seen == ["a.md", "b.md"]
    packages = {p.name: p.read_bytes() for p in (tmp_path / "decks").glob("*.apkg")}
    write(tmp_path, "notes/b.md", "Diffusion: particles spreading out.\n")
    second = build_decks([tmp_path / "notes"], tmp_path / "decks", now=2000)
    assert seen == ["a.md", "b.md", "b.md"]
    assert (second.card_count, second.deck_count) == (first.card_count, first.deck_count) == (2, 2)
    lock = json.loads((tmp_path / "notes" / LOCK_NAME).read_text())
    assert sorted(lock["cards"]) == ["a|definition|osmosis", "b|definition|diffusion"]
    assert (tmp_path / "decks" / "a.apkg").read_bytes() == packages["a.apkg"]
    assert second.report.changes[0].kind == "changed"


def test_cached_build_equals_a_fresh_one(tmp_path: Path) -> None:
    write(tmp_path, "notes/a.md", NOTE)
    write(tmp_path, "notes/cell.png", png(4, 4, (10, 20, 30)))
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    fresh = (out / "cells.apkg").read_bytes()
    build_decks([tmp_path / "notes"], out, now=2000)  # every note from the cache
    assert (out / "cells.apkg").read_bytes() == fresh


def test_an_edited_image_is_not_served_from_the_cache(tmp_path: Path) -> None:
    write(tmp_path, "notes/a.md", NOTE)
    image = write(tmp_path, "notes/cell.png", png(4, 4, (10, 20, 30)))
    out = tmp_path / "decks"
    first = build_decks([tmp_path / "notes"], out, now=1000)
    image.write_bytes(png(6, 6, (200, 20, 30)))
    second = build_decks([tmp_path / "notes"], out, now=2000)
    assert [c.kind for c in second.report.changes] == ["changed"]
    assert (second.card_count, second.deck_count) == (first.card_count, first.deck_count)


def test_a_missing_image_that_appears_is_picked_up(tmp_path: Path) -> None:
    write(tmp_path, "notes/a.md", NOTE)
    out = tmp_path / "decks"
    first = build_decks([tmp_path / "notes"], out, now=1000)
    assert [p.message for p in first.problems] == ["image not found: cell.png"]
    write(tmp_path, "notes/cell.png", png(4, 4, (10, 20, 30)))
    second = build_decks([tmp_path / "notes"], out, now=2000)
    assert second.problems == ()
    assert [c.kind for c in second.report.changes] == ["changed"]


def test_a_damaged_cache_is_ignored_with_a_warning(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a membrane.\n")
    write(in_tmp, "notes/b.md", "# Heat\n\nEntropy: disorder.\n")
    assert run_cli("build")[0] == 0
    lock = (in_tmp / "notes" / "flashgen.lock.json").read_bytes()
    write(in_tmp, f"decks/{CACHE_DIR}/{CACHE_FILE}", b"\x00garbage")
    write(in_tmp, "notes/b.md", "# Heat\n\nEntropy: a measure of disorder.\n")
    code, _, err = run_cli("build")
    assert code == 0
    assert err == (
        f"decks/{CACHE_DIR}/{CACHE_FILE}:1: cache is unreadable (its bytes are damaged); "
        "ignoring it and rebuilding\n"
        "Heat: ~1 changed\n"
        "Built 2 cards in 2 decks → 2 packages in decks/ (1 warning)\n"
    )
    assert (in_tmp / "notes" / "flashgen.lock.json").read_bytes() != lock
    assert run_cli("build") == (
        0,
        "",
        "No changes\nBuilt 2 cards in 2 decks → 2 packages in decks/\n",
    )
    assert (in_tmp / "decks" / CACHE_DIR / ".gitignore").read_text().endswith("*\n")


def test_nothing_changed_means_nothing_is_read_or_written(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a membrane.\n")
    write(in_tmp, "notes/b.md", "# Heat\n\nEntropy: disorder.\n\n![x](missing.png)\n")
    assert run_cli("build")[0] == 0
    before = {p: p.stat().st_mtime_ns for p in (in_tmp / "decks").glob("*.*")}
    seen = count_parses(monkeypatch)
    assert run_cli("build") == (
        0,
        "",
        "No changes\nBuilt 2 cards in 2 decks → 2 packages in decks/\n",
    )
    assert seen == []
    assert {p: p.stat().st_mtime_ns for p in (in_tmp / "decks").glob("*.*")} == before
    write(in_tmp, "notes/b.md", "# Heat\n\nEntropy: a measure of disorder.\n")
    result = build_decks([in_tmp / "notes"], in_tmp / "decks")
    assert seen == ["b.md"]
    assert [p.name for p in result.rewritten] == ["heat.apkg"]
    assert (in_tmp / "decks" / "bio.apkg").stat().st_mtime_ns == before[
        in_tmp / "decks" / "bio.apkg"
    ]


def test_parallel_parse_gives_the_serial_result_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = []
    for k in range(40):
        path = write(
            tmp_path, f"n{k:02}.md", f"# N{k}\n\nTerm{k}: definition {k}.\n\n## Points\n- a\n- b\n"
        )
        jobs.append((path, tmp_path))
    monkeypatch.setattr(work, "PARALLEL_MIN_NOTES", 4)
    files = MediaFiles()
    serial = list(work.process_notes(jobs, Options(), files, workers=1))
    parallel = list(work.process_notes(jobs, Options(), files, workers=2))
    assert parallel == serial
    assert [r.entries[0].front for r, _ in parallel] == [f"Term{k}" for k in range(40)]
    assert [work.loads(blob) for _, blob in parallel] == [r for r, _ in serial]


def test_a_damaged_result_is_parsed_again_with_a_warning(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a membrane.\n")
    write(in_tmp, "notes/b.md", "# Heat\n\nEntropy: disorder.\n")
    assert run_cli("build")[0] == 0
    decks = in_tmp / "decks"
    fresh = {p.name: p.read_bytes() for p in decks.glob("*.apkg")}
    damage_cached_result(decks, "a.md")
    lock = in_tmp / "notes" / LOCK_NAME
    lock.write_bytes(lock.read_bytes())  # not the file the cache knows: every card is planned
    code, _, err = run_cli("build")
    assert code == 0
    assert err == (
        f"decks/{CACHE_DIR}/{CACHE_FILE}:1: cache is unreadable (not a note's result "
        "(UnpicklingError: invalid load key, '\\x00'.)); ignoring it and rebuilding\n"
        "No changes\n"
        "Built 2 cards in 2 decks → 2 packages in decks/ (1 warning)\n"
    )
    assert {p.name: p.read_bytes() for p in decks.glob("*.apkg")} == fresh
    lock.write_bytes(lock.read_bytes())
    assert run_cli("build") == (
        0,
        "",
        "No changes\nBuilt 2 cards in 2 decks → 2 packages in decks/\n",
    )


def test_diff_keeps_no_work(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a membrane.\n")
    assert run_cli("build")[0] == 0
    cache = in_tmp / "decks" / CACHE_DIR
    before = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a thin membrane.\n")
    assert run_cli("diff")[1] == "Bio: ~1 changed\n"
    assert {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()} == before


def test_an_older_cache_is_started_again_without_a_warning(in_tmp: Path) -> None:
    import marshal

    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a membrane.\n")
    assert run_cli("build")[0] == 0
    old = in_tmp / "decks" / CACHE_DIR / "notes.marshal"  # an older flashgen's cache
    write(in_tmp, f"decks/{CACHE_DIR}/notes.marshal", marshal.dumps((5, "fp", "", "x", 0, ())))
    (in_tmp / "decks" / CACHE_DIR / CACHE_FILE).unlink()
    write(in_tmp, "notes/a.md", "# Bio\n\nOsmosis: water crossing a cell membrane.\n")
    code, _, err = run_cli("build")
    assert (code, err) == (0, "Bio: ~1 changed\nBuilt 1 card in 1 deck → 1 package in decks/\n")
    assert not old.exists()
