"""The data that flows between stages: notes, cards, problems. All frozen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["definition", "key_points", "cloze", "qa"]
KINDS: tuple[Kind, ...] = ("definition", "key_points", "cloze", "qa")
Level = Literal["error", "warning"]
CONTEXT_SEPARATOR = " › "
"""Joins a card's heading path for display: `Lecture 5 › Deployment gap`."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a card or problem comes from."""

    path: str
    """The note's path as shown to the user (relative to the working directory when possible)."""
    line: int
    """1-based line in the file, frontmatter counted."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one note: reported, never fatal to the build."""

    source: SourceRef
    message: str
    level: Level = "warning"

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class Note:
    """One markdown file, read and split into frontmatter and body."""

    path: Path
    """Absolute path of the file."""
    display: str
    """Path as shown in messages and in the card's Source field."""
    key: str
    """Identity of the note: root-relative POSIX path without suffix, or frontmatter `id`."""
    folder: tuple[str, ...]
    """Folder names between the notes root and the file."""
    meta: Mapping[str, object]
    """Frontmatter (empty when there is none or it was unusable)."""
    body: str
    """Markdown after the frontmatter, with normalised line endings."""
    body_line: int
    """1-based file line on which `body` starts."""
    content_hash: str
    """sha256 of the raw bytes, for caches."""
    meta_lines: Mapping[str, int] = field(default_factory=dict)
    """File line of each top-level frontmatter key, for messages."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A card as an extraction rule finds it, before deck, tags and identity are attached."""

    kind: Kind
    front: str
    """Markdown: the term, heading, question, or cloze text."""
    back: str = ""
    """Markdown: the definition or answer; empty for key points and cloze."""
    items: tuple[str, ...] = ()
    """Key points, in order; nested points follow their parent, indented two spaces per level."""
    line: int = 1
    """1-based line in the file."""
    extra: str = ""
    """Markdown shown under the answer: examples, notes."""
    term: str = ""
    """What identifies the card within its note; defaults to `front`."""


@dataclass(frozen=True, slots=True)
class Card:
    """A card ready for rendering and writing."""

    kind: Kind
    deck: str
    front: str
    back: str
    items: tuple[str, ...]
    extra: str
    context: tuple[str, ...]
    """Heading path, outermost first."""
    source: SourceRef
    tags: tuple[str, ...]
    note_key: str
    """`Note.key` of the note the card comes from."""
    term: str
    """Normalised term or heading: with `note_key` and `kind`, the card's identity."""
    occurrence: int = 1
    """1 for the first card with this identity in its note, 2 for a repeat, ..."""
    reverse: bool = False
    """Also make a reverse card (definition → term)."""

    @property
    def key(self) -> str:
        """The card's identity: never depends on the text a student edits."""
        base = f"{self.note_key}|{self.kind}|{self.term}"
        return base if self.occurrence == 1 else f"{base}#{self.occurrence}"

    @property
    def back_text(self) -> str:
        """The back as markdown: the definition, or the key points one per line."""
        return "\n".join(self.items) if self.kind == "key_points" else self.back


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one note gives."""

    note: Note | None
    cards: tuple[Card, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)
