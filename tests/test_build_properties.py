"""Properties over whole builds: the same notes always give the same GUIDs and lock."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen.build import build_decks
from flashgen.lockfile import load_lock
from flashgen.project import LOCK_NAME

WORDS = st.sampled_from(
    ["Osmosis", "cell", "Entropy", "heat", "Big-O", "the", "of", "Ünïcode", "\u03b1", "x", "TCP"]
)
PHRASE = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
LINE = st.one_of(
    st.builds(lambda t, d: f"{t}: {d}", PHRASE, PHRASE),
    st.builds(lambda t, d: f"**{t}**: {d}", PHRASE, PHRASE),
    st.builds(lambda t: f"## {t}", PHRASE),
    st.builds(lambda t: f"- {t}", PHRASE),
    st.builds(lambda t: f"> {t}", PHRASE),
    st.builds(lambda t: f"{t}:", PHRASE),
    st.just(""),
    st.just("```\ncode: here\n```"),
    PHRASE,
)
NOTE = st.lists(LINE, max_size=15).map("\n".join)
TREE = st.dictionaries(
    st.sampled_from(["a.md", "b.md", "sub/c.md", "sub/deeper/d.md", "x y.md"]),
    NOTE,
    min_size=1,
    max_size=4,
)


def write_tree(root: Path, tree: dict[str, str]) -> None:
    for rel, text in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREE)
def test_building_twice_changes_nothing(tree: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        notes, out = Path(tmp) / "notes", Path(tmp) / "decks"
        write_tree(notes, tree)
        first = build_decks([notes], out, now=1_000_000)
        lock1 = (notes / LOCK_NAME).read_bytes() if (notes / LOCK_NAME).exists() else b""
        packages1 = {p.name: p.read_bytes() for p in out.glob("*.apkg")}
        second = build_decks([notes], out, now=2_000_000)
        assert second.card_count == first.card_count
        if first.cards:
            assert (notes / LOCK_NAME).read_bytes() == lock1
            assert {p.name: p.read_bytes() for p in out.glob("*.apkg")} == packages1
            lock = load_lock(notes / LOCK_NAME)
            assert {lock.cards[c.key].guid for c in first.cards} == {
                e.guid for e in lock.cards.values() if e.state == "live"
            }
