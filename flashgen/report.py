"""The change report: what a build changes, per deck, as a student reads it after a build."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

ChangeKind = Literal["new", "changed", "renamed", "removed"]

SYMBOLS: dict[ChangeKind, str] = {
    "new": "+",
    "changed": "~",
    "renamed": "\N{RIGHTWARDS ARROW}",
    "removed": "\N{MINUS SIGN}",
}
"""The mark before each count and each listed card; report order is this order."""
_FRONT_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Change:
    """One card that a re-import changes in Anki."""

    kind: ChangeKind
    deck: str
    """The card's deck now (for a removed card: its last deck)."""
    front: str
    """The card's front as markdown."""
    source: str
    """`path:line` now (for a removed card: where it last was)."""
    was_front: str = ""
    """Renamed: the front it had before."""
    was_source: str = ""
    """Renamed, or changed and moved: where it was before."""
    restored: bool = False
    """Changed: it was removed and is back, so it loses its `flashgen::removed` tag."""


class NewCard(Protocol):
    """What a new card's change is made from (a lock entry as built)."""

    @property
    def deck(self) -> str: ...
    @property
    def front(self) -> str: ...
    @property
    def source(self) -> str: ...


def _change(item: Change | NewCard) -> Change:
    if isinstance(item, Change):
        return item
    return Change("new", item.deck, item.front, item.source)


class Changes(Sequence[Change]):
    """A build's changes in order. A new card is held as the entry it was built as and
    made a `Change` when read: a first build of a large vault holds no `Change` for each
    of its 400,000 cards."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Change | NewCard] = ()) -> None:
        self._items = list(items)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, i: int) -> Change: ...
    @overload
    def __getitem__(self, i: slice) -> Changes: ...
    def __getitem__(self, i: int | slice) -> Change | Changes:
        if isinstance(i, slice):
            return Changes(self._items[i])
        return _change(self._items[i])

    def __iter__(self) -> Iterator[Change]:
        return map(_change, self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Changes | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Changes({list(self)!r})"


@dataclass(frozen=True, slots=True)
class DeckMove:
    """Cards Anki already has that the notes now put in another deck."""

    old: str
    new: str
    count: int
    tags: tuple[str, ...]
    """The cards' `flashgen::source::` tags, to find them in Anki's browser."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a build changes, for `build` and `diff` to print."""

    changes: Sequence[Change] = ()
    """In order: removed cards, then this build's new, changed and renamed ones (a tuple,
    or `Changes`)."""
    moves: tuple[DeckMove, ...] = ()
    pruned: int = 0
    """Removed cards forgotten by `--prune`."""
    lock_backup: str = ""
    """Where `--reset-lock` kept the previous lock file, if there was one."""
    lock_moved: str = ""
    """`old → new`, when the build moved a lock from the output folder to the notes folder."""

    @property
    def has_changes(self) -> bool:
        """Whether importing the new packages (or the lock) would change anything."""
        return bool(self.changes or self.pruned)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _short(front: str) -> str:
    text = " ".join(front.split())
    return text if len(text) <= _FRONT_WIDTH else text[: _FRONT_WIDTH - 1] + "…"


def _line_key(change: Change) -> tuple[int, str, int, str]:
    path, _, line = change.source.rpartition(":")
    order = list(SYMBOLS).index(change.kind)
    return order, path, int(line) if line.isdigit() else 0, change.front


def _card_line(c: Change) -> str:
    line = f"  {SYMBOLS[c.kind]} {_short(c.front)} ({c.source})"
    if c.kind == "renamed":
        line += f", was {_short(c.was_front)} ({c.was_source})"
    elif c.was_source:
        line += f", was at {c.was_source}"
    if c.restored:
        line += ", restored"
    return line


def _search(move: DeckMove) -> str:
    deck = f'"deck:{move.old}"' if " " in move.old else f"deck:{move.old}"
    tags = [f"tag:{t}" for t in move.tags]
    if len(tags) > 1:
        return f"{deck} ({' OR '.join(tags)})"
    return " ".join([deck, *tags])


def format_report(report: Report, verbose: bool = False, *, synced: bool = False) -> list[str]:
    """Lines for the terminal: one summary per deck (and each card with `verbose`).

    `synced`: for `flashgen sync`, which moves and deletes the cards itself: no advice on
    doing that in Anki, and no "No changes" (the sync says what it changed)."""
    lines: list[str] = []
    by_deck: dict[str, list[Change]] = {}
    for change in report.changes:
        by_deck.setdefault(change.deck, []).append(change)
    for deck in sorted(by_deck, key=lambda d: (d.casefold(), d)):
        changes = sorted(by_deck[deck], key=_line_key)
        counts = [
            f"{SYMBOLS[kind]}{n} {kind}"
            for kind in SYMBOLS
            if (n := sum(c.kind == kind for c in changes))
        ]
        lines.append(f"{deck}: {'  '.join(counts)}")
        if verbose:
            lines.extend(_card_line(c) for c in changes)
    for move in () if synced else report.moves:
        lines.append(
            f'{_plural(move.count, "card")} moved from deck "{move.old}" to "{move.new}": '
            f'Anki keeps the cards it already has in "{move.old}"; to move them, open Browse '
            f"in Anki, search {_search(move)}, select them all, then Cards → Change Deck "
            f'→ "{move.new}"'
        )
    if not synced and any(c.kind == "removed" for c in report.changes):
        lines.append(
            "Removed cards stay in the packages with the tag flashgen::removed: after importing, "
            "search tag:flashgen::removed in Anki's Browse, delete or suspend them, then build "
            "with --prune"
        )
    if report.pruned:
        lines.append(f"Forgot {_plural(report.pruned, 'removed card')} (--prune)")
    if report.lock_backup:
        lines.append(f"Started a new lock file; the old one is kept as {report.lock_backup}")
    if report.lock_moved:
        lines.append(
            f"Moved the lock file {report.lock_moved}: it lives with your notes now; "
            "commit it with them"
        )
    if not report.has_changes and not synced:
        lines.append("No changes")
    return lines
