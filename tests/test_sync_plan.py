"""The sync plan (`flashgen.sync.plan`): applying it leaves nothing to change."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flashgen import anki
from flashgen.identity import Held, Lock, LockEntry, Target
from flashgen.sync.plan import Recorder, SyncPlan, plan_sync

GUIDS = st.sampled_from([f"g{i}" for i in range(8)])
DECKS = st.sampled_from(["A", "A::B", "C"])
HASHES = st.sampled_from(["h1", "h2"])


@st.composite
def entries(draw: st.DrawFn) -> LockEntry:
    model = draw(st.sampled_from(["basic", "cloze"]))
    size = len(anki.notetype_spec(model).fields)  # type: ignore[arg-type]
    return LockEntry(
        draw(GUIDS),
        draw(DECKS),
        "n.md:1",
        draw(HASHES),
        1,
        draw(st.sampled_from(["live", "removed"])),
        "front",
        model,
        ("x",) * size,
        (),
    )


LOCKS = st.lists(entries(), max_size=8, unique_by=lambda e: e.guid).map(
    lambda es: Lock({e.guid: e for e in es})
)
TARGETS = st.builds(
    Target,
    st.dictionaries(GUIDS, st.builds(Held, HASHES, DECKS, st.integers(1, 9)), max_size=8),
    st.dictionaries(st.sampled_from(["basic", "cloze"]), st.sampled_from(["old", "x"])),
    st.lists(st.sampled_from(["a.png", "b.png"]), unique=True).map(lambda m: tuple(sorted(m))),
)
MEDIA = st.dictionaries(st.sampled_from(["a.png", "b.png"]), st.just(Path("img")))


def _apply(plan: SyncPlan, target: Target) -> Target:
    """What a target that applies every change of `plan` records."""
    rec = Recorder(target)
    for model in plan.notetypes:
        rec.notetype(model)
    for name in plan.media:
        rec.stored(name)
    for entry in plan.add:
        rec.held(entry, 1)
    for update in plan.update:
        rec.held(update.entry, update.held.nid)
    for delete in plan.delete:
        rec.dropped(delete.guid)
    for guid in plan.forget:
        rec.dropped(guid)
    return rec.target()


@settings(max_examples=200, deadline=None)
@given(LOCKS, TARGETS, MEDIA, st.booleans())
def test_a_plan_applied_leaves_nothing_to_do(
    lock: Lock, target: Target, media: dict[str, Path], keep: bool
) -> None:
    plan = plan_sync(lock, target, media, keep_removed=keep)
    after = _apply(plan, target)
    again = plan_sync(lock, after, media, keep_removed=keep)
    assert again.empty, again
    assert _apply(again, after) == after
    live = {e.guid for e in lock.cards.values() if e.state == "live"}
    assert live <= set(after.cards)
    if not keep:
        assert set(after.cards) == live
