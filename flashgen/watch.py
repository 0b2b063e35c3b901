"""Rebuild on save: watch the notes and the configuration file, rebuild, report, keep going."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

from flashgen.errors import FlashgenError
from flashgen.media import IMAGE_SUFFIXES
from flashgen.notes import display_path
from flashgen.project import NOTE_SUFFIXES

STEP_MS = 100
"""Quiet time that ends a burst of changes: editors save in several steps."""
WAKE_MS = 200
"""How often the watcher hands back control even without changes."""


class ChangeFilter(watchfiles.DefaultFilter):
    """Notes, images and the configuration file; never the output folder or hidden files."""

    def __init__(self, roots: Sequence[Path], files: Sequence[Path], out_dir: Path) -> None:
        super().__init__()
        self.roots = [r.resolve() for r in roots]
        self.files = {f.resolve() for f in files}
        self.out_dir = out_dir.resolve()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        p = Path(path).resolve()
        if p in self.files:
            return True
        if not super().__call__(change, path) or p.is_relative_to(self.out_dir):
            return False
        root = next((r for r in self.roots if p.is_relative_to(r)), None)
        if root is None or any(part.startswith(".") for part in p.relative_to(root).parts):
            return False
        return p.suffix.lower() in (*NOTE_SUFFIXES, *IMAGE_SUFFIXES)


def _watched(paths: Sequence[Path], config: Path | None) -> tuple[list[Path], list[Path]]:
    """Folders to watch, and single files among them (a file is watched through its folder)."""
    folders = [p for p in paths if p.is_dir()]
    files = [p for p in paths if not p.is_dir()] + ([config] if config is not None else [])
    return folders + [f.parent for f in files], files


def describe(changed: set[str]) -> str:
    """`notes/a.md changed`, `notes/a.md and 2 more changed`."""
    names = sorted(display_path(Path(p)) for p in changed)
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return f"{names[0]}{more} changed"


def watch_notes(
    paths: Sequence[Path],
    out_dir: Path,
    config: Path | None,
    rebuild: Callable[[], None],
    say: Callable[[str], None],
    error: Callable[[str], None],
) -> None:
    """Build, then rebuild after each burst of changes until Ctrl-C.

    An error that stops the first build (a missing notes folder) ends the watch; later
    ones (a bad configuration, a held lock) are printed and the watch goes on. Problems
    in notes are the build's to report.
    """
    roots, files = _watched(paths, config)
    changes = watchfiles.watch(
        *dict.fromkeys(roots),
        watch_filter=ChangeFilter([p for p in paths if p.is_dir()], files, out_dir),
        step=STEP_MS,
        rust_timeout=WAKE_MS,
        yield_on_timeout=True,
    )
    try:
        # Start watching before the first build, so a save during it is not missed.
        next(changes)
        rebuild()
        say(f"Watching {', '.join(display_path(p) for p in paths)} for changes (Ctrl-C to stop)")
        for batch in changes:
            if not batch:
                continue
            say(describe({path for _, path in batch}))
            try:
                rebuild()
            except FlashgenError as exc:
                error(f"Error: {exc.format_message()}")
    except KeyboardInterrupt:
        say("Stopped watching.")
