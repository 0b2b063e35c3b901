"""Deck names, deck file names and tags: how a note's place in the folder tree shows in Anki."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

SEPARATOR = "::"
SOURCE_TAG_PREFIX = "flashgen::source::"
DeckNames = Literal["folders-and-title", "folders", "title"]
"""How a note's deck is named when its frontmatter has no `deck:`."""


def clean_title(text: str) -> str:
    """A heading or file name as a deck-name part: no markdown, no colons, single spaces."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    t = re.sub(r"[*_`~=]+", " ", t)
    t = re.sub(r"\s*:+\s*", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    return t


def deck_name(
    folder: Sequence[str],
    title: str,
    frontmatter_deck: object = None,
    naming: DeckNames = "folders-and-title",
    prefix: str = "",
) -> str:
    """Frontmatter `deck:` wins; else the folders under the notes root and/or the title.

    A prefix (from configuration) is the parent of every deck, frontmatter ones included.
    """
    if isinstance(frontmatter_deck, str) and frontmatter_deck.strip():
        parts = [clean_part(p) for p in frontmatter_deck.split(SEPARATOR)]
    else:
        parts = [clean_part(p) for p in folder] if naming != "title" else []
        if naming != "folders" or not any(parts):
            parts.append(clean_part(clean_title(title)))
    parts = [clean_part(p) for p in prefix.split(SEPARATOR)] + parts
    return SEPARATOR.join(p for p in parts if p) or "Default"


def clean_part(text: str) -> str:
    """One level of a deck name: Anki trims it and cannot hold `::` inside it."""
    t = re.sub(r"\s+", " ", text.replace(SEPARATOR, " ")).strip()
    return "".join(ch for ch in t if unicodedata.category(ch)[0] != "C")


def top_level(deck: str) -> str:
    return deck.split(SEPARATOR, 1)[0]


@lru_cache(maxsize=8192)
def slug(deck: str) -> str:
    """File-name form of a deck name: `MLOps::Lecture 5` → `mlops-lecture-5`."""
    t = unicodedata.normalize("NFKD", deck)
    t = t.encode("ascii", "ignore").decode("ascii").lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t or "deck"


def safe_tag(tag: str) -> str:
    """Anki tags cannot hold spaces; `::` keeps its hierarchy meaning."""
    t = re.sub(r"\s+", "_", tag.strip())
    return "".join(ch for ch in t if unicodedata.category(ch)[0] != "C" and ch not in "\"'")


def prefixed_tag(prefix: str, tag: str) -> str:
    """A frontmatter tag under the configured parent tag: `course` + `exam-1` → `course::exam-1`."""
    parent = safe_tag(prefix).strip(":")
    return f"{parent}{SEPARATOR}{tag}" if parent else tag


def source_tag(note_key: str) -> str:
    """The tag naming a card's source file: `notes/mlops/lecture-05` → `flashgen::source::mlops::lecture-05`."""
    return SOURCE_TAG_PREFIX + SEPARATOR.join(safe_tag(p) for p in note_key.split("/") if p)
