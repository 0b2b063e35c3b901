"""Where the notes are: the notes folder that keys, decks and tags are made against, the lock
file that lives in it, which part of it a build covers, and the note files in it
(`find_notes`: the first stage of the pipeline).

Every command finds the notes folder (the *root*) the same way, whatever path it is given,
so `flashgen build notes/mlops` makes the same keys, deck names and tags as `flashgen build`:

1. the `notes` folders named in `flashgen.toml` or `[tool.flashgen]`, when it names them;
2. else the nearest folder at or above the path that holds a lock file (`flashgen.lock.json`:
   the notes folder the lock was made from), looking no higher than the top of a git
   repository or the home folder;
3. else `notes/` in the working directory, when the path is inside it;
4. else the path itself (a file's folder, for a file).

The lock file lives in the root (`notes/flashgen.lock.json`), beside the notes it remembers,
so it is committed with them and never thrown away with the output folder. When the
configuration names several notes folders, it lives beside the configuration file.
A path that is not the whole root gives a *partial* build: only the notes under it are
read, and every other card of the lock, its deck and its package stay as they were.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flashgen.cards import Problem, SourceRef
from flashgen.errors import ConfigError, FlashgenError
from flashgen.notes import display_path

LOCK_NAME = "flashgen.lock.json"
NOTE_SUFFIXES = (".md", ".markdown")
DEFAULT_NOTES = Path("notes")


@dataclass(frozen=True, slots=True)
class Project:
    """The notes folders of a command, its lock file, and what part of them it covers."""

    roots: tuple[Path, ...]
    """The notes folders, resolved: a note's key, deck and tags are made against its own."""
    lock: Path
    """The lock file: `flashgen.lock.json` in the notes folder (beside the configuration
    file when it names several notes folders)."""
    scope: tuple[Path, ...] | None = None
    """The resolved paths a partial build covers; None when it covers every root whole."""

    @property
    def whole(self) -> bool:
        return self.scope is None

    def root_of(self, path: Path) -> Path:
        """The notes folder holding `path` (resolved)."""
        for root in self.roots:
            if path == root or path.is_relative_to(root):
                return root
        return self.roots[0]

    def covers_source(self, source: str) -> bool:
        """Whether a card last built at `source` (`path:line`, as in the lock) belongs to this
        build: always for a whole build; for a partial one, when its note is under a built
        path and still exists. A note that was deleted or moved away is left for a whole
        build to settle (as a removal, or a rename if it moved), never marked removed by a
        build that did not look where it went."""
        if self.scope is None:
            return True
        name = source.rsplit(":", 1)[0] if ":" in source else source
        path = Path(name).resolve()
        if not any(path == s or path.is_relative_to(s) for s in self.scope):
            return False
        return path.is_file()


def lock_to_read(project: Project, out_dir: Path) -> Path:
    """The lock a command that writes nothing reads: the project's, else one that an older
    flashgen left in the output folder (the next build moves it)."""
    if not project.lock.exists() and (out_dir / LOCK_NAME).is_file():
        return out_dir / LOCK_NAME
    return project.lock


def _holding_lock(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds a lock file. The search stops at
    the top of a git repository and at the home folder, never looking above them: a stray
    lock there would make every folder below it one notes folder."""
    home = Path.home().resolve()
    for folder in (start, *start.parents):
        if (folder / LOCK_NAME).is_file():
            return folder
        if folder == home or (folder / ".git").exists():
            return None
    return None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def find_project(
    paths: Sequence[Path] = (),
    configured: Sequence[Path] | None = None,
    config_file: Path | None = None,
) -> Project:
    """The project of a command given `paths` (none: the whole root), with the notes folders
    `configured` in `config_file`, if it names any."""
    given = [p.resolve() for p in paths]
    if configured:
        roots = tuple(dict.fromkeys(p.resolve() for p in configured))
        for g, shown in zip(given, paths, strict=True):
            if not any(_inside(g, r) for r in roots):
                where = display_path(config_file) if config_file is not None else "configuration"
                folders = ", ".join(display_path(r) for r in roots)
                raise ConfigError(
                    f"{shown}: outside the notes folder{'s' * (len(roots) > 1)} {folders} "
                    f"(set in {where}); pass a path inside it, or change `notes` there"
                )
        if len(roots) > 1:
            base = config_file.parent if config_file is not None else Path.cwd()
            lock = base.resolve() / LOCK_NAME
        else:
            lock = roots[0] / LOCK_NAME
        return Project(roots, lock, _scope(given, roots))
    if not given:
        given = [DEFAULT_NOTES.resolve()]
        paths = [DEFAULT_NOTES]
    found = [_root_for(g) for g in given]
    root = found[0]
    for r, shown in zip(found, paths, strict=True):
        if r != root:
            raise ConfigError(
                f"{shown}: not in the notes folder {display_path(root)} of "
                f"{paths[0]}; build one notes folder at a time, or name them all in "
                "flashgen.toml (`notes = [...]`)"
            )
    return Project((root,), root / LOCK_NAME, _scope(given, (root,)))


def _root_for(path: Path) -> Path:
    """The notes folder of a path when no configuration names one (steps 2-4 above)."""
    folder = path if path.is_dir() or not path.suffix else path.parent
    held = _holding_lock(folder)
    if held is not None:
        return held
    default = DEFAULT_NOTES.resolve()
    if default.is_dir() and _inside(path, default):
        return default
    return folder


def _scope(given: Sequence[Path], roots: tuple[Path, ...]) -> tuple[Path, ...] | None:
    """None when `given` is empty or every root is given whole; else the given paths."""
    if not given or set(roots) <= set(given):
        return None
    return tuple(given)


def check_paths(paths: Sequence[Path]) -> None:
    """Stop with a clear error when a PATH is missing, not a note, or an unreadable folder."""
    for given in paths:
        if not given.exists():
            raise FlashgenError(
                f"{given}: no such file or folder; pass a notes folder or .md file "
                "(default: notes/)"
            )
        if given.is_file():
            if not given.name.lower().endswith(NOTE_SUFFIXES):
                raise FlashgenError(
                    f"{given}: not a folder or a .md file; pass a notes folder or .md file"
                )
            continue
        try:
            os.listdir(given.resolve())
        except OSError as exc:
            raise FlashgenError(f"{given}: cannot read this folder: {exc.strerror}") from exc


def find_notes(
    paths: Sequence[Path], project: Project | None = None
) -> tuple[list[tuple[Path, Path]], list[Problem]]:
    """Each note file with its notes root (`project.find_project`: the same root whatever
    path is given); folders are walked in sorted order."""
    found: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    check_paths(paths)
    where = project if project is not None else find_project(paths)
    for given in paths:
        path = given.resolve()
        if given.is_file():
            found.append((path, where.root_of(path)))
            continue
        _walk(path, where.root_of(path), found, problems, given)
    return found, problems


def _walk(
    folder: Path,
    root: Path,
    found: list[tuple[Path, Path]],
    problems: list[Problem],
    given: Path,
) -> None:
    """`folder`'s notes in sorted order, then its sub-folders' (hidden ones skipped, symlinked
    folders not followed: no loops, nothing outside the root)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else str(given)
        problems.append(Problem(SourceRef(where, 1), f"cannot read folder: {exc.strerror}"))
        return
    folders = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not entry.is_symlink():
                folders.append(entry)
            continue
        path = folder / name
        if name == LOCK_NAME and folder != root:
            problems.append(_inner_lock(path, root))
        if not name.lower().endswith(NOTE_SUFFIXES):
            continue
        if entry.is_symlink() and not path.resolve().is_relative_to(root):
            problems.append(
                Problem(
                    SourceRef(display_path(path), 1),
                    "symlink points outside the notes folder; skipped",
                )
            )
            continue
        found.append((path, root))
    for sub in folders:
        _walk(folder / sub.name, root, found, problems, given)


def _inner_lock(path: Path, root: Path) -> Problem:
    """A lock inside the notes folder: an earlier build took that sub-folder for the notes
    folder, and its cards' keys were made against it, not against `root`."""
    return Problem(
        SourceRef(display_path(path), 1),
        f"a lock made when this folder was built as a notes folder of its own; the notes "
        f"folder is {display_path(root)}, so its cards get new ids here (duplicates in Anki): "
        "build this folder alone as before, or delete this lock if you mean to start over",
    )
