"""The change report, exactly as `flashgen build` and `flashgen diff` print it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from flashgen.cli import main
from tests.conftest import write

MINUS = "\N{MINUS SIGN}"
HINT = (
    "Removed cards stay in the packages with the tag flashgen::removed: after importing, "
    "search tag:flashgen::removed in Anki's Browse, delete or suspend them, then build "
    "with --prune\n"
)
NET = """\
# Networks

Latency: the time one message takes to arrive.

Jitter: how much the latency varies between messages.

Throughput: how many messages arrive per second.

Bandwidth: the most data a link can carry per second.
"""
NET_EDITED = """\
# Networks

Latency: the time one message takes to arrive at the other end.

Jiter: how much the latency varies between messages.

Bandwidth: the most data a link can carry per second.

Packet loss: messages that never arrive.
"""
CELLS = "# Cells\n\nOsmosis: water crossing a membrane.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_first_build_reports_every_card_new(in_tmp: Path) -> None:
    write(in_tmp, "notes/net.md", NET)
    write(in_tmp, "notes/bio.md", CELLS)
    assert run("build") == (
        0,
        "",
        "Cells: +1 new\nNetworks: +4 new\nBuilt 5 cards in 2 decks → 2 packages in decks/\n",
    )


def test_report_counts_each_kind_per_deck_and_lists_cards_with_v(in_tmp: Path) -> None:
    write(in_tmp, "notes/net.md", NET)
    write(in_tmp, "notes/bio.md", CELLS)
    assert run("build")[0] == 0
    write(in_tmp, "notes/net.md", NET_EDITED)
    # Bandwidth only moved up two lines (a card above it was removed): not a change.
    summary = f"Networks: +1 new  ~1 changed  →1 renamed  {MINUS}1 removed\n"
    hint = HINT
    cards = (
        "  + Packet loss (notes/net.md:9)\n"
        "  ~ Latency (notes/net.md:3)\n"
        "  → Jiter (notes/net.md:5), was Jitter (notes/net.md:5)\n"
        f"  {MINUS} Throughput (notes/net.md:7)\n"
    )
    before = files(in_tmp)
    assert run("diff") == (0, summary + hint, "")
    assert run("diff", "-v") == (0, summary + cards + hint, "")
    assert run("diff", "--exit-code") == (1, summary + hint, "")
    assert files(in_tmp) == before
    built = "Built 5 cards in 2 decks → 2 packages in decks/\n"
    assert run("build", "-v") == (0, "", summary + cards + hint + built)
    assert run("diff", "--exit-code") == (0, "No changes\n", "")
    assert run("build", "-q") == (0, "", "")


def test_diff_before_any_build_writes_nothing(in_tmp: Path) -> None:
    write(in_tmp, "notes/bio.md", CELLS)
    assert run("diff", "-v") == (0, "Cells: +1 new\n  + Osmosis (notes/bio.md:3)\n", "")
    assert not (in_tmp / "decks").exists()


def test_deck_move_says_how_to_move_the_cards_in_anki(in_tmp: Path) -> None:
    write(in_tmp, "notes/net.md", NET)
    assert run("build")[0] == 0
    write(in_tmp, "notes/net.md", NET.replace("# Networks", "# Computer networks"))
    assert run("build") == (
        0,
        "",
        (
            "Computer networks: ~4 changed\n"
            '4 cards moved from deck "Networks" to "Computer networks": Anki keeps the cards it '
            'already has in "Networks"; to move them, open Browse in Anki, search deck:Networks '
            "tag:flashgen::source::net, select them all, then Cards → Change Deck → "
            '"Computer networks"\n'
            "Built 4 cards in 1 deck → 1 package in decks/\n"
        ),
    )
    # Every card left the old deck, so its package would only bring them back.
    assert sorted(p.name for p in (in_tmp / "decks").glob("*.apkg")) == ["computer-networks.apkg"]


def test_ambiguous_rename_is_a_warning_and_the_card_is_new(in_tmp: Path) -> None:
    write(
        in_tmp,
        "notes/bio.md",
        "# Cells\n\nColour model: the numbers that describe a colour.\n\n"
        "Color models: the numbers that describe a colour.\n",
    )
    assert run("build")[0] == 0
    write(in_tmp, "notes/bio.md", "# Cells\n\nColor model: the numbers that describe a colour.\n")
    assert run("build", "--strict") == (
        1,
        "",
        (
            "notes/bio.md:3: ambiguous rename: this card is as close to "
            '"Color models" (notes/bio.md:5) as to "Colour model" (notes/bio.md:3); '
            "made it a new card\n"
            f"Cells: +1 new  {MINUS}2 removed\n"
            f"{HINT}"
            "Built 1 card in 1 deck → 1 package in decks/ (1 warning)\n"
        ),
    )


def test_new_cards_are_held_as_entries_and_read_as_changes() -> None:
    from flashgen.identity import LockEntry
    from flashgen.report import Change, Changes, Report, format_report

    entry = LockEntry("g", "Bio", "notes/a.md:3", "h", 1, front="Osmosis")
    removed = Change("removed", "Bio", "Diffusion", "notes/a.md:5")
    changes = Changes([removed, entry])
    new = Change("new", "Bio", "Osmosis", "notes/a.md:3")
    assert list(changes) == [removed, new] and changes[1] == new and len(changes) == 2
    assert changes == (removed, new) and (removed, new) == changes and changes[1:] == (new,)
    assert hash(changes) == hash((removed, new)) and Changes() == () and not Changes()
    assert Report(changes) == Report((removed, new))
    assert format_report(Report(changes)) == format_report(Report((removed, new)))
