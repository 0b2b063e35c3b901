"""Ctrl-C during a parallel build: the build ends at once, quietly, with valid files.

A terminal sends SIGINT to every process of its foreground group: the build, its parse
workers. A worker that died of it while holding the pool's
result-pipe lock once kept a build waiting for ever.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from flashgen.lockfile import load_lock

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and /proc"),
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a pool needs two cores"),
]

NOTES = 3_000
DECKS = 20
AFTER_POOL_START = (0.0, 0.03, 0.08, 0.15, 0.25, 0.35, 0.5, 0.7)
"""When SIGINT is sent, in seconds after the parse workers appear: mostly while they parse
(about 0.6 s on a 2-core machine), the last ones later (planning, writing packages)."""
LOCK = "flashgen.lock.json"
EXIT_LIMIT = 5.0
"""Seconds from SIGINT to the build's exit: well under one here; slack for a loaded CI."""


def write_notes(root: Path, version: int) -> None:
    """Tiny notes, every one of them changed from the last version: each build parses all."""
    for k in range(NOTES):
        path = root / f"c{k % DECKS:02}" / f"n{k:05}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Term{k}: definition {k}, version {version}.\n", encoding="utf-8")


def start_build(notes: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flashgen", "build", str(notes), "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's job
    )


def build_whole(notes: Path, out: Path) -> None:
    proc = start_build(notes, out)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 0, err.decode(errors="replace")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, not ")"-then-space twice
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def wait_for_workers(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """Whether the build started its parse workers (False: it ended first)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if len(children(proc.pid)) >= 2:
            return True
        time.sleep(0.005)
    return False


def group_gone(pgid: int, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def check_outputs(notes: Path, out: Path, tmp: Path) -> int:
    """The lock parses, each package is a whole zip whose collection opens; its notes."""
    locks = [folder / LOCK for folder in (notes, out) if (folder / LOCK).is_file()]
    assert locks, "no lock file"
    for lock in locks:  # beside the notes, or (before) in the output folder
        json.loads(lock.read_text(encoding="utf-8"))
        load_lock(lock)
    total = 0
    for apkg in sorted(out.glob("*.apkg")):
        with zipfile.ZipFile(apkg) as zf:
            assert zf.testzip() is None, apkg
            db = tmp / "collection.anki2"
            db.write_bytes(zf.read("collection.anki2"))
        con = sqlite3.connect(db)
        try:
            assert con.execute("pragma integrity_check").fetchone() == ("ok",), apkg
            total += con.execute("select count(*) from notes").fetchone()[0]
        finally:
            con.close()
            db.unlink()
    return total


def test_ctrl_c_ends_a_parallel_build_at_once(tmp_path: Path) -> None:
    notes, out = tmp_path / "notes", tmp_path / "decks"
    write_notes(notes, 0)
    build_whole(notes, out)
    assert check_outputs(notes, out, tmp_path) == NOTES
    figures = []
    stopped_parsing = 0
    for run, delay in enumerate(AFTER_POOL_START, start=1):
        write_notes(notes, run)
        proc = start_build(notes, out)
        try:
            assert wait_for_workers(proc), "the build ended before its parse workers started"
            time.sleep(delay)
            phase = {0: "between", 1: "writing"}.get(len(children(proc.pid)), "parse")
            sent = time.monotonic()
            os.killpg(proc.pid, signal.SIGINT)
            try:
                _, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                pytest.fail(f"run {run}: the build still runs 30 s after Ctrl-C")
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        message = err.decode(errors="replace")
        figures.append(f"{delay:.2f} s ({phase}): rc {proc.returncode}, exit {took:.3f} s")
        assert took < EXIT_LIMIT, figures
        assert "Traceback" not in message, message
        assert group_gone(proc.pid), f"run {run}: a process of the build outlived it"
        check_outputs(notes, out, tmp_path)
        if proc.returncode in (0, -signal.SIGINT):
            # Done before the signal came, or it came in the interpreter's last steps
            # (SIGINT's own action again): the build itself was whole.
            assert not message.strip(), message
            continue
        assert proc.returncode > 0, (figures, message)
        assert len(message.strip().splitlines()) <= 2, message
        if phase == "parse":
            stopped_parsing += 1
    print("\nSIGINT after the workers started:", *figures, sep="\n  ")
    assert stopped_parsing >= len(AFTER_POOL_START) // 2, figures
    build_whole(notes, out)
    assert check_outputs(notes, out, tmp_path) == NOTES
    assert not [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".anki2"))]
