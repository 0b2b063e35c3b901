"""A build killed at any moment leaves the previous or the new deck and lock, both valid."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flashgen.lockfile import load_lock
from tests.conftest import AnkiCollection

RUNS = 8


def make_notes(root: Path, version: int, files: int = 120) -> None:
    for f in range(files):
        course = f"course{f % 4}"
        lines = [f"# Lecture {f}", ""]
        for t in range(25):
            lines.append(f"Term{f}x{t}: definition {t} of lecture {f}, version {version}.")
        path = root / course / f"lec{f:03}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build(notes: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flashgen", "build", str(notes), "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def snapshot(out: Path, notes: Path) -> dict[str, bytes]:
    """The packages, and the lock (which lives with the notes)."""
    found = {p.name: p.read_bytes() for p in out.iterdir() if p.name.endswith(".apkg")}
    lock = notes / "flashgen.lock.json"
    if lock.exists():
        found[lock.name] = lock.read_bytes()
    return found


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_leaves_valid_files(tmp_path: Path, sig: signal.Signals) -> None:
    notes, out = tmp_path / "notes", tmp_path / "decks"
    make_notes(notes, 1)
    assert build(notes, out).wait() == 0
    v1 = snapshot(out, notes)
    make_notes(notes, 2)
    started = time.monotonic()
    assert build(notes, tmp_path / "timing").wait() == 0
    duration = time.monotonic() - started
    rng = random.Random(1234 + int(sig))
    outcomes = set()
    for run in range(RUNS):
        proc = build(notes, out)
        time.sleep(rng.uniform(0.05, duration))
        proc.send_signal(sig)
        proc.wait()
        now = snapshot(out, notes)
        assert set(now) == set(v1)
        for name, data in now.items():
            if name == "flashgen.lock.json":
                json.loads(data)
                load_lock(notes / name)
                continue
            if data == v1[name]:
                outcomes.add("old")
                continue
            outcomes.add("new")
            (tmp_path / f"col{run}{name}").mkdir()
            col = AnkiCollection(tmp_path / f"col{run}{name}" / "c.anki2")
            try:
                assert col.import_apkg(out / name).new == 30 * 25
                assert all("version 2" in n["Back"] for n in col.notes())
            finally:
                col.close()
    assert outcomes
    assert _lingering(tmp_path) == [], "worker processes outlived a killed build"
    # the next build cleans up whatever a killed build left behind
    assert build(notes, out).wait() == 0
    assert not [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".anki2"))]
    assert os.path.exists(notes / "flashgen.lock.json")


def _lingering(tmp_path: Path, wait: float = 5.0) -> list[int]:
    """Processes still running a build of this test's notes, after up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if str(tmp_path).encode() in cmdline and b"flashgen" in cmdline:
                found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_worker_whose_build_is_gone_leaves_at_once() -> None:
    # A worker that starts just as its build is killed has another parent already: it
    # watches the build's pid, given to it, and leaves instead of waiting for ever.
    code = (
        "import time; from flashgen.extract import Options; from flashgen import work; "
        "work._init_worker(Options(), 0, -1); time.sleep(30)"
    )
    gone = subprocess.run([sys.executable, "-c", code], check=False, timeout=10)
    assert gone.returncode == 1
