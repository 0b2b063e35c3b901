"""Where a card's rendered fields stay while a large build plans and writes.

A whole degree's notes render to hundreds of megabytes of field text. A large build keeps
each card's fields in the content cache's data file, where the build has just written
them, and holds only a `FieldsRef` (note, index) for it; the packages and the lock read a
note's fields back when they write its cards. Cards are written note by note, so the
last note read is kept decoded and each note is decoded once per writer.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast, overload

from flashgen.errors import FlashgenError

LAZY_MIN_NOTES = 4000
"""A build of this many notes keeps its cards' fields in the cache's data file, not in
memory (a 20,000-note build: see bench/RESULTS.md)."""


class NoteFields:
    """One note's cards' rendered fields, read back (marshalled work) when asked."""

    __slots__ = ("_read", "_where")

    _last: tuple[NoteFields, tuple[tuple[str, ...], ...]] | None = None
    """The note decoded last, with its fields: cards are written note by note."""

    def __init__(self, read: Callable[[], bytes], where: str) -> None:
        self._read = read
        self._where = where
        """What `read` reads, for the message if it fails."""

    def cards(self) -> tuple[tuple[str, ...], ...]:
        """Each card's fields, in the note's order."""
        last = NoteFields._last
        if last is not None and last[0] is self:
            return last[1]
        from flashgen.cache import CacheError

        try:
            rendered = cast(tuple[Any, ...], marshal.loads(self._read()))[1]
            fields = tuple(tuple(r[1]) for r in rendered)
        except (CacheError, ValueError, EOFError, TypeError, IndexError) as exc:
            # The build wrote (or checked) these bytes moments ago: something else changed
            # them. The lock is not replaced (it goes last), so the next build plans
            # these cards again from the notes.
            raise FlashgenError(
                f"{self._where}: changed while this build ran ({exc}); run the build again"
            ) from exc
        NoteFields._last = (self, fields)
        return fields

    @staticmethod
    def forget() -> None:
        """Drop the note held decoded (the end of a build)."""
        NoteFields._last = None


class FieldsRef(Sequence[str]):
    """Card `at`'s fields in `note`: a sequence of str, read when first looked at."""

    __slots__ = ("at", "note")

    def __init__(self, note: NoteFields, at: int) -> None:
        self.note = note
        self.at = at

    def fields(self) -> tuple[str, ...]:
        return self.note.cards()[self.at]

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return self.fields()[i]

    def __len__(self) -> int:
        return len(self.fields())

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields())

    def __bool__(self) -> bool:
        return True  # a note type always has fields: no read needed to say so

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FieldsRef | tuple):
            return self.fields() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.fields())

    def __repr__(self) -> str:
        return f"FieldsRef({self.fields()!r})"
