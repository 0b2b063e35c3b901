"""`flashgen sync`: the build's plan applied straight to Anki, deletions and deck moves
included (an .apkg import can only add and update).

A sync is a build (`build.build_decks`: packages and lock as usual), then the lock compared
with what the lock records of the target (`plan.plan_sync`), then those changes applied to
the target — a collection file (`collection`) or Anki through AnkiConnect (`ankiconnect`) —
and what the target now holds written back into the lock (`sync.record.record_target`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flashgen.build import BuildResult, build_decks, diff_decks
from flashgen.extract import Options
from flashgen.gather import ProgressFn
from flashgen.guard import gc_paused
from flashgen.identity import Lock, Target
from flashgen.media import MediaFiles
from flashgen.project import Project
from flashgen.sync.changes import Applied
from flashgen.sync.plan import Recorder, SyncPlan, plan_sync
from flashgen.sync.record import record_target

__all__ = ["Applied", "SyncOutcome", "SyncTarget", "sync"]


class SyncTarget(Protocol):
    """Where a sync writes: a collection file, or Anki through AnkiConnect."""

    @property
    def name(self) -> str:
        """How messages name it."""
        ...

    def target_id(self) -> str:
        """The key of its record in the lock; an error when the target is missing or
        unreachable (AnkiConnect: asks Anki for its version and profile)."""
        ...

    def apply(self, plan: SyncPlan, recorder: Recorder, progress: ProgressFn | None) -> Applied:
        """Apply `plan`, recording each change in `recorder` as it succeeds."""
        ...


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    build: BuildResult
    plan: SyncPlan
    applied: Applied | None
    """None for a dry run, or when there was nothing to change."""


def sync(
    paths: Sequence[Path],
    out_dir: Path,
    target: SyncTarget,
    options: Options | None = None,
    max_media_bytes: int = 10 * 1024 * 1024,
    *,
    project: Project,
    keep_removed: bool = False,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
) -> SyncOutcome:
    """Build, then bring `target` in line with the new lock (`dry_run`: plan only)."""
    from flashgen.cache import BuildState
    from flashgen.lockfile import load_lock

    files = MediaFiles(max_media_bytes)
    tid = target.target_id()  # before building: a missing or unreachable target stops here
    if dry_run:
        result = diff_decks(paths, out_dir, options, max_media_bytes, project=project)
        lock = result.lock or Lock()
        media_paths: Sequence[str] = result.media
    else:
        result = build_decks(
            paths, out_dir, options, None, max_media_bytes, progress=progress, project=project
        )
        with gc_paused():  # as a build reads the lock: no cycles, 40,000 cards
            lock = load_lock(project.lock)
        media_paths = BuildState.load(out_dir).media
    with gc_paused():
        plan = plan_sync(
            lock,
            lock.targets.get(tid, Target()),
            _media(files, media_paths),
            keep_removed=keep_removed,
        )
    if dry_run or plan.empty:
        return SyncOutcome(result, plan, None)
    recorder = Recorder(lock.targets.get(tid, Target()))
    try:
        applied = target.apply(plan, recorder, progress)
    finally:
        record_target(project, out_dir, tid, recorder.target())
    return SyncOutcome(result, plan, applied)


def _media(files: MediaFiles, paths: Sequence[str]) -> Mapping[str, Path]:
    out: dict[str, Path] = {}
    for p in paths:
        found = files.named(Path(p))
        if found is not None:
            out[found.name] = found.path
    return out
