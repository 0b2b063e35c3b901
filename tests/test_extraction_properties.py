"""Any markdown-like text gives cards or problems, never an exception, and always the same."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen.cards import Note
from flashgen.extract import extract
from flashgen.notes import split_frontmatter

# Hypothesis' pytest plugin caches the constants of local modules during collection,
# before any fixture runs: point its storage outside the repository now.

PIECES = [
    "# ",
    "## ",
    "### ",
    "- ",
    "  - ",
    "    - ",
    "1. ",
    "2) ",
    "* ",
    "+ ",
    "> ",
    "> [!tip] ",
    ": ",
    ":",
    "::",
    " :: ",
    " - ",
    " – ",
    " — ",
    "**",
    "__",
    "*",
    "_",
    "`",
    "`+`: ",
    "```",
    "```mermaid\n",
    "~~~",
    "    ",
    "\t",
    "$",
    "$$",
    "---\n",
    "---\ntitle: x\nflashgen: {key_points: false}\n---\n",
    "---\nflashgen: false\n---\n",
    "---\nreverse: true\n---\n",
    "---\n: [\n---\n",
    "Q: ",
    "A: ",
    "**Q:** ",
    "==",
    "{{c1::",
    "}}",
    "[",
    "](https://example.org)",
    "![img](a.png)",
    "https://",
    "<div>",
    "</div>",
    "| a | b |\n|---|---|\n",
    "Term",
    # Obsidian and Logseq
    "[[",
    "]]",
    "[[Page#Heading|alias]]",
    "![[note#part]]",
    "![[a.png|300]]",
    "#tag ",
    " #a/b",
    "> [!definition] ",
    "> [!note]- ",
    "%%",
    "{{cloze ",
    "TODO ",
    "\t- ",
    "created:: ",
    "definition:: ",
    "Term:: ",
    "Lecture 5: Tools",
    "Example:",
    "10:30",
    "3:1",
    " is defined as ",
    " definition: ",
    "“",
    "”",
    '"',
    "é",
    "漢字",
    "\u200b",
    "\x00",
    "\x1b",
    "\x7f",
    "\r",
    "\n",
    "\n\n",
]

markdownish = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40).map(
    "".join
)


def note_of(text: str) -> Note:
    meta, body, body_line, _ = split_frontmatter(text.replace("\r\n", "\n"), "n.md")
    return Note(
        path=Path("/notes/n.md"),
        display="n.md",
        key="n",
        folder=(),
        meta=meta,
        body=body,
        body_line=body_line,
        content_hash="0",
    )


@settings(
    max_examples=300, deadline=1000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(markdownish)
def test_any_text_gives_cards_or_problems_and_the_same_twice(text: str) -> None:
    first = extract(note_of(text))
    second = extract(note_of(text))
    assert first == second
    # One deck a note: a rebuild reads an unchanged note's deck off its first card.
    assert len({card.deck for card in first.cards}) <= 1
    for card in first.cards:
        assert card.front.strip()
        assert card.source.line >= 1
        assert card.kind in ("definition", "key_points", "cloze", "qa")
        if card.kind == "key_points":
            assert card.items
        elif card.kind != "cloze":
            assert card.back.strip()
