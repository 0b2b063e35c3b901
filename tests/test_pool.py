"""The parse pool stops cleanly: a worker's error comes back, a dead worker fails the build
at once, and stopping early ends every worker."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from flashgen import work
from flashgen.errors import FlashgenError
from flashgen.extract import Options
from flashgen.media import MediaFiles

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="a pool of forked workers")

NOTES = 300


def jobs(root: Path, count: int = NOTES) -> list[tuple[Path, Path]]:
    out = []
    for k in range(count):
        path = root / f"n{k:04}.md"
        path.write_text(f"Term{k}: definition {k}.\n", encoding="utf-8")
        out.append((path, root))
    return out


def workers_left(wait: float = 5.0) -> list[multiprocessing.process.BaseProcess]:
    deadline = time.monotonic() + wait
    while (left := multiprocessing.active_children()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def test_an_error_in_a_worker_comes_back_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = work.process_note

    def fails_on_one(path: Path, *args: object) -> work.NoteWork:
        if path.name == "n0123.md":
            raise ValueError(f"cannot parse {path.name}")
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(work, "process_note", fails_on_one)  # the workers are forked
    notes = work.process_notes(jobs(tmp_path), Options(), MediaFiles(), workers=2)
    with pytest.raises(ValueError, match=r"^cannot parse n0123\.md$") as caught:
        list(notes)
    assert "Traceback" in str(caught.value.__cause__)  # the worker's, as the pool sends it
    assert workers_left() == []


def test_a_worker_killed_fails_the_parse_at_once(tmp_path: Path) -> None:
    notes = work.process_notes(jobs(tmp_path), Options(), MediaFiles(), workers=2)
    next(notes)
    victim = multiprocessing.active_children()[0]
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(FlashgenError, match=r"^a process parsing notes ended unexpectedly"):
        list(notes)
    assert time.monotonic() - started < 5
    assert workers_left() == []


def test_a_parse_stopped_early_ends_its_workers(tmp_path: Path) -> None:
    notes = work.process_notes(jobs(tmp_path), Options(), MediaFiles(), workers=2)
    next(notes)
    assert len(multiprocessing.active_children()) == 2
    notes.close()
    assert workers_left() == []


def test_workers_ignore_ctrl_c_and_leave_after_a_whole_parse(tmp_path: Path) -> None:
    notes = work.process_notes(jobs(tmp_path), Options(), MediaFiles(), workers=2)
    first = next(notes)
    for child in multiprocessing.active_children():
        assert child.pid is not None
        os.kill(child.pid, signal.SIGINT)  # the build alone answers Ctrl-C
    rest = list(notes)
    assert len(rest) == NOTES - 1
    assert first[0].entries[0].front == "Term0"
    assert [r.entries[0].front for r, _ in rest] == [f"Term{k}" for k in range(1, NOTES)]
    assert multiprocessing.active_children() == []
