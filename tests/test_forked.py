"""Packages written in a forked child: the same result, and the same errors."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from flashgen import build
from flashgen.build import build_decks
from flashgen.errors import FlashgenError
from flashgen.forked import Forked, can_fork
from flashgen.project import LOCK_NAME
from tests.conftest import write

pytestmark = pytest.mark.skipif(not can_fork(), reason="forks only on Linux")


def test_the_childs_value_comes_back() -> None:
    assert Forked(lambda: {"a": ("digest", True)}).result() == {"a": ("digest", True)}


def test_the_childs_os_error_comes_back_as_it_was() -> None:
    def fail() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/x/y.apkg")

    with pytest.raises(OSError) as caught:
        Forked(fail).result()
    assert (caught.value.errno, caught.value.strerror, caught.value.filename) == (
        errno.ENOSPC,
        "No space left on device",
        "/x/y.apkg",
    )


def test_any_other_error_is_described() -> None:
    def fail() -> None:
        raise ValueError("bad value")

    with pytest.raises(RuntimeError, match=r"^ValueError: bad value$"):
        Forked(fail).result()


def notes(root: Path, version: int) -> None:
    for n in range(6):
        body = "\n\n".join(f"T{n}x{t}: definition {t}, version {version}." for t in range(5))
        write(root, f"notes/c{n % 3}/n{n}.md", body + "\n")


def test_forked_packages_are_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes(tmp_path, 1)
    serial = build_decks([tmp_path / "notes"], tmp_path / "serial", now=1000)
    monkeypatch.setattr(build, "FORK_MIN_NOTES", 1)
    forked = build_decks([tmp_path / "notes"], tmp_path / "forked", now=1000)
    assert (
        [p.name for p in forked.written]
        == [p.name for p in serial.written]
        == [
            "c0.apkg",
            "c1.apkg",
            "c2.apkg",
        ]
    )
    for name in ("c0.apkg", "c1.apkg", "c2.apkg"):
        assert (tmp_path / "forked" / name).read_bytes() == (
            tmp_path / "serial" / name
        ).read_bytes()


def forked_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Notes whose build forks a package writer; returns the output folder."""
    monkeypatch.setattr(build, "FORK_MIN_NOTES", 1)
    notes(tmp_path, 1)
    return tmp_path / "decks"


def no_space(*args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_package_the_child_cannot_write_leaves_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = forked_build(tmp_path, monkeypatch)
    build_decks([tmp_path / "notes"], out, now=1000)
    lock = (tmp_path / "notes" / LOCK_NAME).read_bytes()
    real = build.anki.write_package

    def full_disk(path: Path, *args: object) -> None:
        if path.name == "c0.apkg":  # the child's share
            no_space()
        real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(build.anki, "write_package", full_disk)
    notes(tmp_path, 2)
    with pytest.raises(FlashgenError) as caught:
        build_decks([tmp_path / "notes"], out, now=2000)
    assert str(caught.value) == (
        f"cannot write to {out}: No space left on device; the previous decks are untouched"
    )
    assert (tmp_path / "notes" / LOCK_NAME).read_bytes() == lock
    assert not list(out.glob(".*.tmp"))


def test_a_lock_the_parent_cannot_write_leaves_no_child_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = forked_build(tmp_path, monkeypatch)
    monkeypatch.setattr("flashgen.cache.LockMirror.write", no_space)
    with pytest.raises(FlashgenError, match="No space left on device"):
        build_decks([tmp_path / "notes"], out, now=1000)
    assert not (tmp_path / "notes" / LOCK_NAME).exists()
    with pytest.raises(ChildProcessError):  # the package writer was waited for
        os.waitpid(-1, os.WNOHANG)
