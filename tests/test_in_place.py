"""A large package changed in place holds what writing it whole would, and Anki sees it so."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen import anki, build
from flashgen.build import build_decks
from flashgen.cache import CACHE_DIR
from flashgen.project import LOCK_NAME
from tests.conftest import AnkiCollection, run_cli, write
from tests.test_increment import TREE, both_ways


def contents(apkg: Path) -> dict[str, object]:
    """What a package holds, as Anki reads it: every note row, every card row but its place
    in the new-card order, the decks and note types, and the media by name."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(apkg) as zf:
        zf.extractall(tmp)
        media = json.loads(Path(tmp, "media").read_text())
        conn = sqlite3.connect(Path(tmp, "collection.anki2"))
        try:
            notes = sorted(conn.execute("SELECT * FROM notes"))
            cards = sorted(row[:8] + row[9:] for row in conn.execute("SELECT * FROM cards"))
            # Each new card has a place of its own in the new-card order.
            dues = [due for (due,) in conn.execute("SELECT due FROM cards")]
            decks, models = conn.execute("SELECT decks, models FROM col").fetchone()
        finally:
            conn.close()
        files = {name: Path(tmp, number).read_bytes() for number, name in media.items()}
    return {
        "notes": notes,
        "cards": cards,
        "dues distinct": len(set(dues)) == len(dues),
        "decks": json.loads(decks),
        "models": json.loads(models),
        "media": files,
    }


def packages(out: Path) -> dict[str, dict[str, object]]:
    return {p.name: contents(p) for p in sorted(out.glob("*.apkg"))}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREE, min_size=2, max_size=5))
def test_a_package_changed_in_place_holds_what_a_whole_one_does(
    versions: list[dict[str, tuple[str, str]]],
) -> None:
    real = build.IN_PLACE_MIN_NOTES
    build.IN_PLACE_MIN_NOTES = 1
    try:
        for inc, whole, _, _ in both_ways(versions):
            assert packages(inc) == packages(whole)
            assert (inc / LOCK_NAME).read_bytes() == (whole / LOCK_NAME).read_bytes()
    finally:
        build.IN_PLACE_MIN_NOTES = real


BIO = "---\ndeck: Bio\n---\n"


def test_anki_takes_an_in_place_package_like_a_whole_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "IN_PLACE_MIN_NOTES", 1)
    updates: list[str] = []
    real = anki.update_package

    def spy(path: Path, *args: object) -> None:
        updates.append(path.name)
        real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(anki, "update_package", spy)
    write(tmp_path, "notes/a.md", BIO + "Osmosis: water crossing a membrane.\n")
    write(tmp_path, "notes/b.md", BIO + "Diffusion: spreading out.\n\nLatency: delay.\n")
    write(tmp_path, "notes/c.md", BIO + "Jitter: varying delay.\n")
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    (tmp_path / "first").mkdir()
    (tmp_path / "whole").mkdir()
    first = AnkiCollection(tmp_path / "first" / "collection.anki2")
    whole_col = AnkiCollection(tmp_path / "whole" / "collection.anki2")
    try:
        assert first.import_apkg(out / "bio.apkg").new == 4
        whole_col.import_apkg(out / "bio.apkg")
        # One changed, one new, one note deleted (its card marked removed), one moved deck.
        write(tmp_path, "notes/a.md", BIO + "Osmosis: water crossing a thin membrane.\n")
        write(tmp_path, "notes/b.md", BIO + "Diffusion: spreading out.\n\nDVC: data versions.\n")
        write(tmp_path, "notes/c.md", "---\ndeck: Bio::Cells\n---\nJitter: varying delay.\n")
        result = build_decks([tmp_path / "notes"], out, now=2000)
        assert updates == ["bio.apkg"]
        assert sorted((c.kind, c.front) for c in result.report.changes) == [
            ("changed", "Jitter"),
            ("changed", "Osmosis"),
            ("new", "DVC"),
            ("removed", "Latency"),
        ]
        log = first.import_apkg(out / "bio.apkg")
        assert (log.new, log.updated, log.conflicting) == (1, 3, 0)
        in_place = {n.guid: (list(n.fields), sorted(n.tags)) for n in first.notes()}

        shutil.rmtree(out / CACHE_DIR)  # the same notes, written whole
        build_decks([tmp_path / "notes"], out, now=2000)
        assert updates == ["bio.apkg"]
        whole_col.import_apkg(out / "bio.apkg")
        assert in_place == {n.guid: (list(n.fields), sorted(n.tags)) for n in whole_col.notes()}
        assert first.deck_names() == whole_col.deck_names()
    finally:
        first.close()
        whole_col.close()


def test_a_package_edited_outside_is_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "IN_PLACE_MIN_NOTES", 1)
    updates: list[str] = []
    monkeypatch.setattr(anki, "update_package", lambda path, *a: updates.append(path.name))
    write(tmp_path, "notes/a.md", BIO + "Osmosis: water crossing a membrane.\n")
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    kept = out / CACHE_DIR / "collections" / "bio.anki2"
    assert kept.is_file()
    kept.write_bytes(kept.read_bytes())  # not the file the last build kept
    write(tmp_path, "notes/a.md", BIO + "Osmosis: water crossing a thin membrane.\n")
    build_decks([tmp_path / "notes"], out, now=2000)
    assert updates == []
    assert "thin membrane" in str(contents(out / "bio.apkg")["notes"])
    write(tmp_path, "notes/a.md", BIO + "Osmosis: water crossing a membrane, again.\n")
    build_decks([tmp_path / "notes"], out, now=3000)
    assert updates == ["bio.apkg"]  # kept anew by the whole write


@pytest.mark.parametrize("fork", [False, True])
def test_a_damaged_kept_collection_is_ignored_with_a_warning(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    monkeypatch.setattr(build, "IN_PLACE_MIN_NOTES", 1)
    monkeypatch.setattr(build, "FORK_MIN_NOTES", 1 if fork else 10**9)
    write(in_tmp, "notes/a.md", BIO + "Osmosis: water crossing a membrane.\n")
    write(in_tmp, "notes/b.md", BIO + "Diffusion: spreading out.\n")
    out = in_tmp / "decks"
    assert run_cli("build")[0] == 0
    kept = out / CACHE_DIR / "collections" / "bio.anki2"
    st = kept.stat()
    with open(kept, "r+b") as fh:  # same file, same size, same mtime: only the pages differ
        fh.seek(100)
        fh.write(b"\xff" * (st.st_size - 200))
    os.utime(kept, ns=(st.st_atime_ns, st.st_mtime_ns))
    write(in_tmp, "notes/a.md", BIO + "Osmosis: water crossing a thin membrane.\n")
    code, _, err = run_cli("build")
    assert code == 0
    warning, *rest = err.splitlines()
    assert warning.startswith(f"decks/{CACHE_DIR}/collections/bio.anki2:1: cache is unreadable (")
    assert warning.endswith("); ignoring it and rebuilding")
    assert rest == ["Bio: ~1 changed", "Built 2 cards in 1 deck → 1 package in decks/ (1 warning)"]
    assert "thin membrane" in str(contents(out / "bio.apkg")["notes"])
    assert run_cli("build") == (
        0,
        "",
        "No changes\nBuilt 2 cards in 1 deck → 1 package in decks/\n",
    )
    # The collection kept anew is used again (the package is changed in place, here in this
    # process, where the spy sees it).
    monkeypatch.setattr(build, "FORK_MIN_NOTES", 10**9)
    write(in_tmp, "notes/b.md", BIO + "Diffusion: particles spreading out.\n")
    updates: list[str] = []
    real = anki.update_package
    monkeypatch.setattr(
        anki, "update_package", lambda path, *a: (updates.append(path.name), real(path, *a))
    )
    assert run_cli("build")[2] == "Bio: ~1 changed\nBuilt 2 cards in 1 deck → 1 package in decks/\n"
    assert updates == ["bio.apkg"]
