"""Thousands of tiny notes: the build finishes, reports progress, and stays in bounded memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flashgen.build import build_decks

NOTES = 3_000


def make_tiny_notes(root: Path, count: int) -> None:
    for k in range(count):
        path = root / f"c{k % 20:02}" / f"n{k:05}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Term{k}: definition number {k}.\n", encoding="utf-8")


def test_thousands_of_tiny_notes_build_with_progress(tmp_path: Path) -> None:
    make_tiny_notes(tmp_path / "notes", NOTES)
    seen: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        seen[stage] = max(seen.get(stage, 0), done)
        assert 0 <= done <= total

    result = build_decks([tmp_path / "notes"], tmp_path / "decks", progress=progress)
    assert result.card_count == NOTES
    assert len(result.written) == 20
    assert seen["Reading notes"] == NOTES


def test_peak_memory_of_a_many_note_build_is_bounded(tmp_path: Path) -> None:
    make_tiny_notes(tmp_path / "notes", NOTES)
    code = (
        "from pathlib import Path\n"
        "from flashgen.build import build_decks\n"
        f"build_decks([Path({str(tmp_path / 'notes')!r})], Path({str(tmp_path / 'decks')!r}))\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from pytest across fork + exec.
        "print(next(ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_kib = int(out.stdout.strip())
    assert peak_kib < 150 * 1024, f"peak {peak_kib} KiB for {NOTES} notes"
