"""Images in notes → media files in the package: where a reference points, and its Anki name.

A reference is resolved the way Obsidian resolves it: relative to the note; then, unless it
starts with `./` or `../`, relative to the notes root; then by file name anywhere under the
root. Nothing outside the notes root is ever opened: a path that leaves it (`..`, an absolute
path, a symlink pointing out) is refused before it is read. Each file goes into the package
under a name made from its content hash, so two `diagram.png` in different folders never
collide and an edited image gets a new name that Anki cannot confuse with the old one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

MAX_MEDIA_BYTES = 10 * 1024 * 1024
"""Default size limit for one media file."""
IMAGE_SUFFIXES = frozenset(
    {
        ".apng",
        ".avif",
        ".bmp",
        ".gif",
        ".ico",
        ".jpeg",
        ".jpg",
        ".png",
        ".svg",
        ".tif",
        ".tiff",
        ".webp",
    }
)
"""What an Obsidian embed `![[...]]` must end with to be an image (other embeds stay text)."""
_HASH_CHARS = 16


@dataclass(frozen=True, slots=True)
class Media:
    """A local file that goes into the package."""

    name: str
    """Name in the package and in Anki's media folder: sha256 prefix + the file's suffix."""
    path: Path
    """Resolved path of the file, inside the notes root."""


def is_remote(ref: str) -> bool:
    """An `http(s)://` (or protocol-relative `//host/`) image: left as a link, never downloaded."""
    parts = urlsplit(ref)
    return parts.scheme.lower() in ("http", "https") or (not parts.scheme and ref.startswith("//"))


def notes_root(note_path: Path, folder: tuple[str, ...]) -> Path:
    """The notes root of a note: `Note.folder` names the folders between it and the file."""
    return note_path.parents[len(folder)]


class MediaFiles:
    """The local images of one build: each found, checked and hashed once."""

    def __init__(self, max_bytes: int = MAX_MEDIA_BYTES) -> None:
        self.max_bytes = max_bytes
        self._by_name: dict[Path, dict[str, list[Path]]] = {}
        self._found: dict[Path, Media | str] = {}

    def resolve(self, ref: str, note_path: Path, root: Path) -> Media | str:
        """The media file `ref` (as written in `note_path`) names, or why there is none."""
        if urlsplit(ref).scheme:
            return f"image URL not supported (only local files and http(s)): {ref}"
        rel = unquote(ref.split("?", 1)[0].split("#", 1)[0])
        if not rel:
            return f"image not found: {ref}"
        root = root.resolve()
        for candidate in self._candidates(rel, note_path, root):
            # The lexical check catches `..` before any file system call; resolve() then
            # follows symlinks, so a link pointing out of the root is caught too.
            if not Path(os.path.normpath(candidate)).is_relative_to(root):
                return f"image outside the notes folder, not read: {ref}"
            try:
                target = candidate.resolve()
            except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before 3.13
                return f"image cannot be read (symlink loop): {ref}"
            if not target.is_relative_to(root):
                return f"image outside the notes folder, not read: {ref}"
            if target.is_file():
                return self._media(target, ref)
        return f"image not found: {ref}"

    def _candidates(self, rel: str, note_path: Path, root: Path) -> list[Path]:
        here = note_path.parent.resolve()
        path = Path(rel)
        if path.is_absolute():
            return [path]
        if rel.startswith(("./", "../")):
            return [here / path]
        by_name = self._index(root).get(path.name, [])
        return [here / path, root / path, *sorted(by_name, key=lambda p: (len(p.parts), p))]

    def _index(self, root: Path) -> dict[str, list[Path]]:
        """Every file under the root by name (hidden folders skipped, symlinked folders not followed)."""
        index = self._by_name.get(root)
        if index is None:
            index = {}
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    index.setdefault(name, []).append(Path(dirpath) / name)
            self._by_name[root] = index
        return index

    def named(self, target: Path) -> Media | None:
        """The image file `target` with its media name; None if it cannot be used."""
        found = self._media(target, str(target))
        return found if isinstance(found, Media) else None

    def _media(self, target: Path, ref: str) -> Media | str:
        found = self._found.get(target)
        if found is None:
            found = self._found[target] = self._read(target, ref)
        return found

    def _read(self, target: Path, ref: str) -> Media | str:
        try:
            size = target.stat().st_size
            if size > self.max_bytes:
                return (
                    f"image is {_megabytes(size)}, over the {_megabytes(self.max_bytes)} "
                    f"limit; left out: {ref}"
                )
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
        except OSError as exc:
            return f"image cannot be read ({exc.strerror}): {ref}"
        return Media(digest[:_HASH_CHARS] + target.suffix.lower(), target)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
