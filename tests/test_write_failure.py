"""A package that cannot be written stops the build before the lock is replaced."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from flashgen import anki
from flashgen.build import build_decks
from flashgen.errors import FlashgenError
from flashgen.project import LOCK_NAME
from tests.conftest import write


def notes(root: Path, version: int) -> None:
    for n in range(6):
        body = "\n\n".join(f"T{n}x{t}: definition {t}, version {version}." for t in range(5))
        write(root, f"notes/c{n % 3}/n{n}.md", body + "\n")


def no_space(*args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_package_that_cannot_be_written_leaves_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes(tmp_path, 1)
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    lock = (tmp_path / "notes" / LOCK_NAME).read_bytes()
    real = anki.write_package

    def full_disk(path: Path, *args: object) -> None:
        if path.name == "c1.apkg":
            no_space()
        real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(anki, "write_package", full_disk)
    notes(tmp_path, 2)
    with pytest.raises(FlashgenError) as caught:
        build_decks([tmp_path / "notes"], out, now=2000)
    assert str(caught.value) == (
        f"cannot write to {out}: No space left on device; the previous decks are untouched"
    )
    assert (tmp_path / "notes" / LOCK_NAME).read_bytes() == lock
    assert not list(out.glob(".*.tmp"))
    monkeypatch.setattr(anki, "write_package", real)
    result = build_decks([tmp_path / "notes"], out, now=3000)
    assert sorted({c.kind for c in result.report.changes}) == ["changed"]
    assert len(result.report.changes) == 30


def test_a_lock_that_cannot_be_written_is_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes(tmp_path, 1)
    monkeypatch.setattr("flashgen.build.write_lock", no_space)
    with pytest.raises(FlashgenError, match="No space left on device"):
        build_decks([tmp_path / "notes"], tmp_path / "decks", now=1000)
    assert not (tmp_path / "notes" / LOCK_NAME).exists()
