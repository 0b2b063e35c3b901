"""`flashgen watch`: rebuild on save, keep going after errors, exit 0 on Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import watchfiles

from flashgen.watch import ChangeFilter
from tests.conftest import REPO, AnkiCollection, run_cli, write

GOOD = "# Net\n\nLatency: the time one message takes to arrive.\n"
BROKEN = "---\ntitle: [unclosed\n---\n# Broken\n\nJitter: variation in latency.\n"
FIXED = "# Broken\n\nJitter: variation in latency.\n"

Edit = Callable[[], Path]


def fake_watch(edits: list[Edit]) -> Callable[..., Iterator[set[tuple[watchfiles.Change, str]]]]:
    """Stands in for watchfiles.watch: runs each edit and reports it, then Ctrl-C."""

    def watch(*paths: Path, **kwargs: object) -> Iterator[set[tuple[watchfiles.Change, str]]]:
        yield set()  # the watcher's first timeout: it is now watching
        for edit in edits:
            yield {(watchfiles.Change.modified, str(edit().resolve()))}
        raise KeyboardInterrupt

    return watch


def remove(path: Path) -> Path:
    path.unlink()
    return path


def test_an_error_in_a_note_is_printed_and_watching_goes_on(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp, "notes/a.md", GOOD)
    write(in_tmp, "notes/b.md", BROKEN)
    edits: list[Edit] = [
        lambda: write(in_tmp, "notes/b.md", FIXED),
        lambda: write(in_tmp, "flashgen.toml", "colour = true\n"),
        lambda: remove(in_tmp / "flashgen.toml"),
    ]
    monkeypatch.setattr(watchfiles, "watch", fake_watch(edits))
    code, out, err = run_cli("watch")
    assert (code, out) == (0, "")
    assert err == (
        "notes/b.md:3: broken frontmatter: expected ',' or ']', but got '<stream end>'; "
        "using defaults\n"
        "Broken: +1 new\n"
        "Net: +1 new\n"
        "Built 2 cards in 2 decks → 2 packages in decks/ (1 warning)\n"
        "Watching notes for changes (Ctrl-C to stop)\n"
        "notes/b.md changed\n"
        "No changes\n"  # only the frontmatter was fixed: the card just moved up
        "Built 2 cards in 2 decks → 2 packages in decks/\n"
        "flashgen.toml changed\n"
        "Error: invalid configuration (1 problem):\n"
        "  flashgen.toml: colour: unknown key\n"
        "flashgen.toml changed\n"
        "No changes\n"
        "Built 2 cards in 2 decks → 2 packages in decks/\n"
        "Stopped watching.\n"
    )


def test_quiet_prints_only_errors(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp, "notes/b.md", BROKEN)
    edits: list[Edit] = [lambda: write(in_tmp, "flashgen.toml", "colour = true\n")]
    monkeypatch.setattr(watchfiles, "watch", fake_watch(edits))
    code, _, err = run_cli("watch", "-q")
    assert code == 0
    assert (
        err == "Error: invalid configuration (1 problem):\n  flashgen.toml: colour: unknown key\n"
    )


def test_missing_notes_folder_stops_before_watching(in_tmp: Path) -> None:
    code, _, err = run_cli("watch", "nope")
    assert code == 1
    assert err == (
        "Error: nope: no such file or folder; pass a notes folder or .md file (default: notes/)\n"
    )


def test_filter_takes_notes_images_and_the_config_file_only(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    config = tmp_path / "flashgen.toml"
    keep = ChangeFilter([notes], [config], notes / "decks")

    def takes(rel: str) -> bool:
        return keep(watchfiles.Change.modified, str(tmp_path / rel))

    assert takes("notes/a.md")
    assert takes("notes/img/Diagram.PNG")
    assert takes("flashgen.toml")
    assert not takes("notes/decks/net.apkg")
    assert not takes("notes/.obsidian/workspace.md")
    assert not takes("notes/.a.md.swp")
    assert not takes("notes/a.md~")
    assert not takes("notes/4913")
    assert not takes("pyproject.toml")


def wait_for(check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.05)


def note_fields(apkg: Path, tmp_path: Path) -> list[str]:
    import sqlite3

    with zipfile.ZipFile(apkg) as zf:
        zf.extract("collection.anki2", tmp_path / "unzipped")
    conn = sqlite3.connect(tmp_path / "unzipped" / "collection.anki2")
    try:
        return [row[0] for row in conn.execute("SELECT flds FROM notes ORDER BY id")]
    finally:
        conn.close()


def test_watch_for_real_rebuilds_on_save_and_stops_on_sigint(
    tmp_path: Path, anki_col: AnkiCollection
) -> None:
    write(tmp_path, "notes/a.md", GOOD)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flashgen", "watch", "notes", "-o", "decks"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    stderr = proc.stderr
    assert stderr is not None

    def read() -> None:
        for line in stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()

    def said(text: str) -> bool:
        while not lines.empty():
            seen.append(lines.get())
        return any(text in line for line in seen)

    try:
        wait_for(lambda: said("Watching notes for changes"), "the first build")
        apkg = tmp_path / "decks" / "net.apkg"
        first = apkg.stat().st_mtime_ns
        write(tmp_path, "notes/a.md", GOOD.replace("arrive", "arrive, edited while watching"))
        wait_for(lambda: said("notes/a.md changed") and said("Net: ~1 changed"), "the rebuild")
        wait_for(lambda: apkg.stat().st_mtime_ns != first, "the rebuilt package")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    said("")
    assert seen[-1] == "Stopped watching.\n"
    assert any("edited while watching" in fields for fields in note_fields(apkg, tmp_path))
    log = anki_col.import_apkg(apkg)
    assert log.new == 1
    [note] = anki_col.notes()
    assert "edited while watching" in note["Back"]
