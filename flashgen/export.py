"""Cards as plain data: the `flashgen list --format json` contract."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from flashgen.cards import CONTEXT_SEPARATOR, Card
from flashgen.identity import guid_for


def card_json(card: Card, guid: str | None = None) -> dict[str, object]:
    """Exactly the documented keys; keep them stable."""
    out: dict[str, object] = {
        "guid": guid or guid_for(card.key),
        "deck": card.deck,
        "kind": card.kind,
        "front": card.front,
        "back": card.back_text,
        "tags": list(card.tags),
        "context": CONTEXT_SEPARATOR.join(card.context),
        "source": {"path": card.source.path, "line": card.source.line},
    }
    if card.kind == "key_points":
        out["items"] = list(card.items)
    return out


def matches(card: Card, decks: Sequence[str], kinds: Sequence[str]) -> bool:
    """`flashgen list` filters: a deck matches itself and its sub-decks, case-insensitively."""
    if kinds and card.kind not in kinds:
        return False
    if not decks:
        return True
    name = card.deck.casefold()
    return any(name == d.casefold() or name.startswith(d.casefold() + "::") for d in decks)


def delimited(cards: Iterable[Card], delimiter: str) -> str:
    """CSV or TSV with a header row: front, back (markdown) and space-separated tags."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["front", "back", "tags"])
    for c in cards:
        writer.writerow([c.front, c.back_text, " ".join(c.tags)])
    return out.getvalue()


def _width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _fit(text: str, width: int, keep_end: bool = False) -> str:
    """Cut to `width` terminal columns (with … where cut) and pad to it."""
    if _width(text) > width:
        kept, used = [], 0
        for ch in reversed(text) if keep_end else text:
            used += _width(ch)
            if used > width - 1:
                break
            kept.append(ch)
        text = "…" + "".join(reversed(kept)) if keep_end else "".join(kept) + "…"
    return text + " " * (width - _width(text))


_WEIGHTS = (1, 0, 2, 3, 2)
"""How the columns share a narrow terminal: the back most, the deck least, the kind never."""


def _allot(natural: Sequence[int], room: int) -> list[int]:
    """Column widths: each its natural width if it fits its share, the rest shared by weight."""
    widths = [n if w == 0 else 0 for n, w in zip(natural, _WEIGHTS, strict=True)]
    room -= sum(widths)
    open_ = {i for i, w in enumerate(_WEIGHTS) if w}
    while open_:
        share = room / sum(_WEIGHTS[i] for i in open_)
        fits = {i for i in open_ if natural[i] <= share * _WEIGHTS[i]}
        if not fits:
            for i in open_:
                widths[i] = max(4, int(share * _WEIGHTS[i]))
            for i in sorted(open_)[: max(0, int(room) - sum(widths[i] for i in open_))]:
                widths[i] += 1  # the columns rounding left over, deck first
            break
        for i in fits:
            widths[i] = natural[i]
            room -= natural[i]
        open_ -= fits
    return widths


def table(cards: Sequence[Card], width: int) -> str:
    """A table for people: deck, kind, front, back and source, fitted to `width` columns."""
    rows = [
        (c.deck, c.kind, " ".join(c.front.split()), c.back_text.replace("\n", " / "), str(c.source))
        for c in cards
    ]
    header = ("DECK", "KIND", "FRONT", "BACK", "SOURCE")
    natural = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    widths = _allot(natural, width - 2 * (len(header) - 1))
    lines = [
        "  ".join(
            _fit(cell, w, keep_end=i == 4)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)


def known_guids(lock_path: Path) -> dict[str, str]:
    """GUIDs the lock at `lock_path` settled (renamed cards keep an older one); {} without one."""
    from flashgen.errors import LockError
    from flashgen.lockfile import load_lock

    try:
        lock = load_lock(lock_path)
    except LockError:
        return {}
    return {key: e.guid for key, e in lock.cards.items() if e.state == "live"}
