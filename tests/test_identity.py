"""A card's identity: stable across edits and reorders, distinct across notes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from flashgen.anki import (
    _BASIC_TMPLS,
    _CLOZE_TMPLS,
    BASIC_FIELDS,
    BASIC_MODEL_ID,
    BASIC_TEMPLATES,
    CLOZE_FIELDS,
    CLOZE_MODEL_ID,
    CLOZE_TEMPLATES,
)
from flashgen.build import collect_cards
from flashgen.identity import _BASE91, base91, deck_id, guid_for
from tests.conftest import write


def guids(root: Path) -> dict[str, str]:
    from flashgen.export import card_json

    return {c.front: str(card_json(c)["guid"]) for c in collect_cards([root]).cards}


def test_guid_scheme_is_pinned() -> None:
    assert guid_for("bio/cells|definition|mitochondrion") == "f6/+niKt[Z"
    assert deck_id("Biology::Cells") == 260465833982676


def test_note_types_are_pinned() -> None:
    assert (BASIC_MODEL_ID, CLOZE_MODEL_ID) == (1579730105, 1276491904)
    assert BASIC_FIELDS == ("Front", "Back", "Extra", "Context", "Source", "Reverse")
    assert CLOZE_FIELDS == ("Text", "Extra", "Context", "Source")
    assert BASIC_TEMPLATES == ("Forward", "Reverse") == tuple(t["name"] for t in _BASIC_TMPLS)
    assert CLOZE_TEMPLATES == ("Cloze",) == tuple(t["name"] for t in _CLOZE_TMPLS)
    assert "{{#Reverse}}" in _BASIC_TMPLS[1]["qfmt"]


def test_editing_a_definition_keeps_the_guid(tmp_path: Path) -> None:
    write(tmp_path, "bio/cells.md", "# Cells\n\nMitochondrion: the powerhouse of the cell.\n")
    before = guids(tmp_path)
    write(tmp_path, "bio/cells.md", "# Cells\n\nMitochondrion: makes ATP by respiration.\n")
    assert guids(tmp_path) == before
    assert before["Mitochondrion"] == guid_for("bio/cells|definition|mitochondrion")


def test_reordering_keeps_guids(tmp_path: Path) -> None:
    write(tmp_path, "n.md", "Osmosis: water crossing a membrane.\n\nDiffusion: spreading out.\n")
    before = guids(tmp_path)
    write(tmp_path, "n.md", "Diffusion: spreading out.\n\nOsmosis: water crossing a membrane.\n")
    assert guids(tmp_path) == before


def test_same_term_in_two_notes_gives_two_guids(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ndeck: Bio\n---\nOsmosis: water crossing a membrane.\n")
    write(tmp_path, "b.md", "---\ndeck: Bio\n---\nOsmosis: water crossing a membrane.\n")
    cards = collect_cards([tmp_path]).cards
    assert len({guid_for(c.key) for c in cards}) == 2


def test_duplicate_term_in_one_note_gets_distinct_stable_guids(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "Osmosis: first.\n\nOsmosis: second.\n")
    cards = collect_cards([tmp_path]).cards
    keys = [c.key for c in cards]
    assert keys == ["a|definition|osmosis", "a|definition|osmosis#2"]


@given(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 90, 91, 8280, 8281, 91**5])))
def test_base91_two_digits_at_a_time_is_base91(n: int) -> None:
    digits = []
    m = n
    while m:
        m, r = divmod(m, 91)
        digits.append(_BASE91[r])
    assert base91(n) == ("".join(reversed(digits)) or "a")


def test_a_first_build_gives_colliding_guids_a_derived_one() -> None:
    from flashgen.identity import LockEntry
    from flashgen.plan import plan_lock

    def built(key: str, guid: str) -> tuple[str, LockEntry]:
        return key, LockEntry(guid, "Bio", f"{key}.md:1", "h", 0, front=key, fields=(key,))

    # Two keys whose own GUIDs happen to be the same (a 64-bit hash collision, forced here).
    plan = plan_lock([built("a", "same"), built("b", "same"), built("c", "other")], {}, 100)
    assert [plan.cards[k].guid for k in "abc"] == ["same", guid_for("b\x002"), "other"]
    # Without a collision each card keeps its own GUID, as a set of GUIDs in use would say.
    plan = plan_lock([built("a", "one"), built("b", "two")], {}, 100)
    assert [plan.cards[k].guid for k in "ab"] == ["one", "two"]
    assert [plan.cards[k].mod for k in "ab"] == [100, 100]
