"""Cards as plain data: the `flashgen list --format json` contract."""

from __future__ import annotations

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
