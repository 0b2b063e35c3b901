"""What a sync did (or, with --dry-run, would do), counted and listed card by card."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Applied:
    """The changes applied to one target, as they succeed."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    deleted: int = 0
    tagged: int = 0
    """Removed cards kept and tagged `flashgen::removed` (`--keep-removed`)."""
    media: int = 0
    notetypes: int = 0
    backup: Path | None = None
    lines: list[str] = field(default_factory=list)
    """One line per card, for -v."""

    def card(self, kind: str, deck: str, front: str, was: str = "") -> None:
        """One card's line: `  updated: Front (Deck)`, `  moved: Front (Old → New)`."""
        where = f"{was} \N{RIGHTWARDS ARROW} {deck}" if was else deck
        self.lines.append(f"  {kind}: {front} ({where})")

    def summary(self) -> str:
        parts = [
            f"{n} {word}"
            for n, word in (
                (self.added, "added"),
                (self.updated, "updated"),
                (self.moved, "moved"),
                (self.deleted, "deleted"),
                (self.tagged, "tagged flashgen::removed"),
                (self.media, "image" if self.media == 1 else "images"),
                (self.notetypes, "note type" if self.notetypes == 1 else "note types"),
            )
            if n
        ]
        return ", ".join(parts)
