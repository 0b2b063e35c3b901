"""What a sync target holds, written back into the lock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flashgen.cache import carry_lock_identity
from flashgen.errors import FlashgenError
from flashgen.guard import build_guard, gc_paused
from flashgen.identity import Lock, Target
from flashgen.lockfile import parse_lock, read_lock_file, write_lock
from flashgen.notes import display_path
from flashgen.project import Project


def record_target(where: Project, out_dir: Path, target_id: str, target: Target) -> None:
    """Write into the lock what a sync target now holds: the one change `flashgen sync`
    makes to it beside the build's (see `flashgen.sync`). The cards are the build's, so
    the cache's trust in the lock moves to the new file (`carry_lock_identity`)."""
    with build_guard(out_dir, where.lock.parent), gc_paused():
        found = read_lock_file(where.lock)
        lock = Lock() if found is None else parse_lock(found[0], where.lock)
        new = replace(lock, targets={**lock.targets, target_id: target})
        if new == lock:
            return
        try:
            identity = write_lock(where.lock, new)
        except OSError as exc:
            raise FlashgenError(
                f"cannot write the lock file {display_path(where.lock)}: {exc.strerror}"
            ) from exc
        if found is not None:
            carry_lock_identity(out_dir, found[1], identity)
