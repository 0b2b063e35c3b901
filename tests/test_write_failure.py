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


def fail_on_c1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing c1.apkg fails as on a full disk (in the workers too: they are forked)."""
    real = anki.write_package

    def full_disk(path: Path, *args: object) -> None:
        if path.name == "c1.apkg":
            no_space()
        real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(anki, "write_package", full_disk)


def build_fails_and_keeps_the_lock(root: Path, out: Path, lock: bytes) -> None:
    with pytest.raises(FlashgenError) as caught:
        build_decks([root / "notes"], out, now=2000)
    assert str(caught.value) == (
        f"cannot write to {out}: No space left on device; the previous decks are untouched"
    )
    assert (root / "notes" / LOCK_NAME).read_bytes() == lock
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("pooled", [False, True], ids=["serial", "across-cores"])
def test_a_package_that_cannot_be_written_leaves_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooled: bool
) -> None:
    notes(tmp_path, 1)
    out = tmp_path / "decks"
    build_decks([tmp_path / "notes"], out, now=1000)
    lock = (tmp_path / "notes" / LOCK_NAME).read_bytes()
    real = anki.write_package
    fail_on_c1(monkeypatch)
    if pooled:
        monkeypatch.setattr("flashgen.packages.PARALLEL_MIN_NOTES", 1)
        monkeypatch.setattr("os.cpu_count", lambda: 2)
    notes(tmp_path, 2)
    build_fails_and_keeps_the_lock(tmp_path, out, lock)
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


def test_packages_written_across_the_cores_are_the_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes(tmp_path, 1)
    serial = build_decks([tmp_path / "notes"], tmp_path / "serial", now=1000)
    lock = (tmp_path / "notes" / LOCK_NAME).read_bytes()
    (tmp_path / "notes" / LOCK_NAME).unlink()
    monkeypatch.setattr("flashgen.packages.PARALLEL_MIN_NOTES", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    pooled = build_decks([tmp_path / "notes"], tmp_path / "pooled", now=1000)
    assert [p.name for p in pooled.written] == [p.name for p in serial.written]
    assert [p.name for p in pooled.written] == ["c0.apkg", "c1.apkg", "c2.apkg"]
    for name in ("c0.apkg", "c1.apkg", "c2.apkg"):
        assert (tmp_path / "pooled" / name).read_bytes() == (
            tmp_path / "serial" / name
        ).read_bytes()
    assert (tmp_path / "notes" / LOCK_NAME).read_bytes() == lock
