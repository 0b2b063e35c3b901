"""markdown-it-pyrs gives exactly markdown-it-py's outline, or leaves the note to it.

`blocks.block_tokens` is outline()'s fast path; `markdown_outline` is the reference.
Whenever it returns tokens, the walked units must equal markdown-it-py's, field for field
(lines, text, groups, sources); None ("leave it to markdown-it-py") is always allowed. Generated bodies come from two
grammars: line shapes that sit on the edges of markdown's rules, and whole notes built
from the blocks students write, so that both the refusals and the accepted paths are
exercised. BLOCKS_EXAMPLES raises the number of generated examples for a long local run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flashgen.extract.blocks import block_tokens
from flashgen.extract.outline import Unit, _walk, markdown_outline, outline
from flashgen.notes import read_note
from tests.conftest import FIXTURES, REPO, generated_corpus, write

EXAMPLES = int(os.environ.get("BLOCKS_EXAMPLES", "250"))

# -- line shapes ---------------------------------------------------------------------

SHAPES = [
    # headings
    "# Title",
    "## Section two",
    "###### six",
    "####### seven",
    "#x",
    "#",
    "# closed #",
    "## trailing ##   ",
    "# #",
    "#5 not a heading",
    "#  padded  #  ",
    # paragraphs, including starts that look like markup but are not
    "Plain words here.",
    "hard break  ",
    "lowercase continuation of the sentence",
    "A fairly long line of text that goes on and on without ending in a full stop of",
    "*emph* at the start",
    "**Term**: definition",
    "**bold**",
    "-5 degrees",
    "+5 points",
    "2024: a year",
    "1.5 litres",
    "`code` first",
    "$x$ inline math",
    "$$",
    "$$x = 1$$",
    "$$ y $$  ",
    "$$$$",
    "$$ a $$ (eq)",
    "$$ unclosed",
    "x $$",
    "end $$",
    "[link](https://example.org) text",
    "[label]: https://example.org",
    "[a]",
    "Term: definition of the term.",
    "a | b",
    "| a | b |",
    "|---|---|",
    "---|---",
    "| :-- | --: |",
    "-|-",
    "x | y | z",
    "a \\| b | c",
    "| x \\| y |",
    "~ tilde",
    "~~ two",
    # lists
    "- item",
    "* star item",
    "+ plus item",
    "-  two spaces",
    "-   three spaces",
    "-    four spaces",
    "-     five spaces",
    "-",
    "- ",
    "*",
    "1. first",
    "2. second",
    "3) paren",
    "10. ten",
    "1.",
    "1.x",
    "0. zero",
    "1234567890. long",
    "- - nested on one line",
    "- # heading item",
    "- ```",
    "- $$",
    "- > quote item",
    "- a | b",
    # blocks
    "```",
    "```python",
    "``` js ",
    "```   ",
    "````",
    "``` a `b`",
    "~~~",
    "~~~ text",
    "> quoted",
    ">   extra spaces",
    "> trailing  ",
    ">",
    "> ",
    ">> nested",
    "> - list in quote",
    "> `code` in quote",
    "> # heading in quote",
    "---",
    "***",
    "___",
    "- - -",
    "* * *",
    "===",
    "=",
    "--",
    ": definition",
    ":no space",
    "<div>",
    "<!-- comment -->",
    "<b>bold</b> text",
    "<https://example.org>",
    "<span>",
    "</div>",
    "<script>",
    "<-- arrow",
    "\tTabbed",
    "- \ttab after marker",
    "\u00a0nbsp first",
    "nbsp last\u00a0",
    "\u00a0",
    "\u2003em space",
    "\u3000",
    "\u2028",
    "\x0c",
    "\x85next line",
    "x\r",
    "nul\x00",
]
INDENTS = ["", "", "", "", " ", "  ", "  ", "   ", "    ", "     ", "      ", "        "]
BLANK = ["", "", "   ", " "]

tricky_line = st.one_of(
    st.tuples(st.sampled_from(INDENTS), st.sampled_from(SHAPES)).map("".join),
    st.sampled_from(BLANK),
)
tricky_body = st.tuples(
    st.lists(tricky_line, max_size=14).map("\n".join), st.sampled_from(["", "\n", "\n\n"])
).map("".join)


def scan_outline(body: str, first_line: int = 1) -> tuple[Unit, ...] | None:
    """The outline by markdown-it-pyrs, or None where it leaves the note to markdown-it-py."""
    tokens = block_tokens(body)
    return None if tokens is None else tuple(_walk(tokens, first_line - 1, body))


def check(body: str, first_line: int = 1) -> None:
    got = scan_outline(body, first_line)
    event("pyrs" if got is not None else "fell back")
    if got is not None:
        assert got == markdown_outline(body, first_line), body


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tricky_body, st.integers(1, 400))
def test_tricky_lines_parse_as_markdown_it_or_not_at_all(body: str, first_line: int) -> None:
    check(body, first_line)


# -- whole notes ---------------------------------------------------------------------

WORDS = [
    "the",
    "cell",
    "energy",
    "of",
    "Entropy",
    "*emph*",
    "**bold**",
    "`f()`",
    "$x^2$",
    "[link](https://example.org/a)",
    "a|b",
    "\u03b1",
    "→",
    "2024:",
    "-5",
    "x\u00a0y",
    "#tag",
    "<",
    ":",
]
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)
sentence_start = st.sampled_from(
    ["Mitosis", "The", "and", "A", "Term:", "**Term**:", "`code`", "$x$", "*x*", "[l](u)"]
)
text_line = st.tuples(sentence_start, words).map(" ".join)


@st.composite
def paragraph(draw: st.DrawFn) -> list[str]:
    return draw(st.lists(text_line, min_size=1, max_size=4))


@st.composite
def heading(draw: st.DrawFn) -> list[str]:
    return ["#" * draw(st.integers(1, 6)) + " " + draw(words)]


@st.composite
def fence(draw: st.DrawFn) -> list[str]:
    marker = draw(st.sampled_from(["```", "~~~", "````"]))
    info = draw(st.sampled_from(["", "python", " sql ", "c"]))
    body = draw(st.lists(st.sampled_from(["x = 1", "  indented", "", "# comment", "```"])))
    close = draw(st.sampled_from([marker, marker, marker + "`", "", marker[:2]]))
    return [marker + info, *body, *([close] if close else [])]


@st.composite
def math(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):
        return [draw(st.sampled_from(["$$x = y$$", "$$ a + b $$", "$$\\frac{a}{b}$$"]))]
    inner = draw(st.lists(st.sampled_from(["x = 1", "\\sum_i i", "", "  y"]), max_size=3))
    return ["$$", *inner, draw(st.sampled_from(["$$", "z $$", "  $$"]))]


@st.composite
def table(draw: st.DrawFn) -> list[str]:
    cols = draw(st.integers(1, 3))
    pipes = draw(st.booleans())
    row = "| " + " | ".join(["a"] * cols) + " |" if pipes else " | ".join(["a"] * cols)
    delim = "|" + "|".join(["---"] * cols) + "|" if pipes else "|".join([":--"] * cols)
    if not pipes and cols == 1:
        delim = "|---|"
    rows = draw(st.lists(st.sampled_from([row, "| x |", "b | c", "- item", "text"]), max_size=3))
    return [row, delim, *rows]


@st.composite
def quote(draw: st.DrawFn) -> list[str]:
    lines = draw(st.lists(st.tuples(sentence_start, words).map(" ".join), min_size=1, max_size=3))
    out = ["> " + ln for ln in lines]
    if len(out) > 1 and draw(st.booleans()):
        out.insert(1, ">")
    return out


@st.composite
def list_block(draw: st.DrawFn, indent: int = 0, depth: int = 0) -> list[str]:
    ordered = draw(st.booleans())
    bullet = draw(st.sampled_from(["-", "*", "+"]))
    out: list[str] = []
    for k in range(draw(st.integers(1, 4))):
        marker = f"{k + draw(st.sampled_from([0, 1, 1, 3]))}." if ordered else bullet
        gap = draw(st.sampled_from([" ", " ", " ", "  ", "    "]))
        pad = " " * indent
        out.append(f"{pad}{marker}{gap}{draw(text_line)}")
        inner = " " * (indent + len(marker) + len(gap))
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["cont", "lazy", "blank", "nested", "fence", "para"]))
            if kind == "cont":
                out.append(inner + draw(text_line))
            elif kind == "lazy":
                out.append(draw(text_line))
            elif kind == "blank":
                out.append("")
            elif kind == "nested" and depth < 3:
                shift = draw(st.sampled_from([0, 0, 1, 2]))
                out.extend(draw(list_block(len(inner) - shift, depth + 1)))
            elif kind == "fence":
                out.extend(inner + ln if ln else ln for ln in draw(fence()))
            elif kind == "para":
                out.extend(["", inner + draw(text_line)])
    return out


block = st.one_of(
    paragraph(), heading(), list_block(), fence(), math(), table(), quote(), st.just(["---"])
)
separator = st.sampled_from(["", "", "\n", "\n   "])


@st.composite
def note_body(draw: st.DrawFn, blocks: st.SearchStrategy[list[str]] = block) -> str:
    parts = ["\n".join(draw(blocks)) + draw(separator) for _ in range(draw(st.integers(1, 7)))]
    return "\n".join(parts) + draw(st.sampled_from(["", "\n"]))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(note_body(), st.integers(1, 400))
def test_whole_notes_parse_as_markdown_it_or_not_at_all(body: str, first_line: int) -> None:
    check(body, first_line)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(note_body(st.one_of(block, st.lists(tricky_line, min_size=1, max_size=3))))
def test_notes_with_tricky_lines_parse_as_markdown_it_or_not_at_all(body: str) -> None:
    check(body)


# -- the notes in the repository -----------------------------------------------------


def repo_bodies(tmp_path: Path) -> list[tuple[str, str, int]]:
    """(name, body, body_line) of every note the tests and benchmarks keep."""
    paths = [
        *sorted((REPO / "notes").rglob("*.md")),
        *sorted((REPO / "bench" / "eval").glob("*.md")),
        *sorted((REPO / "tests" / "golden").rglob("*.md")),
        *sorted((FIXTURES / "loose").rglob("*.md")),
    ]
    found = [(str(p.relative_to(REPO)), p, p.parent) for p in paths]
    for case in sorted((FIXTURES / "extraction").glob("*.yaml")):
        text = yaml.safe_load(case.read_text(encoding="utf-8"))["input"]
        path = write(tmp_path, f"notes/{case.stem}.md", text)
        found.append((case.name, path, tmp_path / "notes"))
    out = []
    for name, path, root in found:
        note, problems = read_note(path, root)
        assert note is not None, problems
        out.append((name, note.body, note.body_line))
    return out


def test_repository_notes_parse_as_markdown_it(tmp_path: Path) -> None:
    bodies = repo_bodies(tmp_path)
    assert len(bodies) > 100
    scanned = 0
    for name, body, body_line in bodies:
        got = scan_outline(body, body_line)
        if got is not None:
            scanned += 1
            assert got == markdown_outline(body, body_line), name
    print(f"pyrs parsed {scanned} of {len(bodies)} repository notes")
    assert scanned >= 0.95 * len(bodies)


def test_generated_corpus_is_parsed_by_pyrs_and_matches(tmp_path: Path) -> None:
    root = generated_corpus(tmp_path, 40)
    paths = sorted(root.rglob("*.md"))
    assert len(paths) == 40
    scanned = 0
    for path in paths:
        note, _ = read_note(path, root)
        assert note is not None
        got = scan_outline(note.body, note.body_line)
        if got is not None:
            scanned += 1
            assert got == markdown_outline(note.body, note.body_line), path.name
    assert scanned == len(paths)


# -- the contract, by example --------------------------------------------------------

HANDLED = [
    "# Title\n\nA paragraph\nwith a second line.\n",
    "Term: definition\nOther: more\n\n## Next\n",
    "- a\n  - b\n    - c\n- d\n",
    "1. one\n   - sub\n2. two\n\n3) new list\n",
    "- item\n  continued\nlazy line\n- next\n",
    "```py\ncode\n```\n\n~~~\nunclosed",
    "$$\nx = 1\n$$\n\n$$y$$\n",
    "$$\nx = 1\n$$\ntext right after\n$$ a $$ (label)\n",
    "$$\nunclosed math\n\ntext\n",
    "text\n$$\nnot math: a paragraph cannot be interrupted by $$\n$$\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\nx\n",
    "> quoted\n> text\n>\n> more\n\nafter\n",
    ">\n\n\nx\n",
    "para\n---\n\npara\n===\n",
    "Term\n: definition\n",
    "[ref]: https://example.org\n",
    "<div>\nhtml\n</div>\n",
    "    indented code\n",
    "\tx",
    "a\r\nb\rc",
    "nul\x00",
    "\u00a0nbsp line\nnext\u00a0\n",
    "~~~\nunclosed fence, last line without a newline",
    "text\n   ",
    "2. second\n2. second\n\tTabbed",
    "1. formula:\n   $$\n   x\n   $$\n",
]
UNSURE = [
    "1. formula:\n\n   $$\n   x\n   $$\n",
    "> quote\n2. ends it in markdown-it-py only\n",
    "> quote\n    lazy line with its indent kept\n",
    "a\n|---|\n",
    "| x \\| y |\n ---\n",
    "Term\n: a setext heading in markdown-it-py\n---\n",
    "| a |\n|---|\n| b |\n \u2028\n",
    "- a\n\n  <script>\n\n  x\n",
    "\n".join(f"{'> ' * k}level {k}" for k in range(40)),
]


@pytest.mark.parametrize("body", HANDLED)
def test_common_markdown_is_parsed_by_pyrs(body: str) -> None:
    got = scan_outline(body, 7)
    assert got is not None
    assert got == markdown_outline(body, 7)


@pytest.mark.parametrize("body", UNSURE)
def test_where_the_parsers_differ_markdown_it_py_decides(body: str) -> None:
    assert scan_outline(body) is None
    assert outline(body) == markdown_outline(body)


def test_empty_bodies() -> None:
    for body in ["", "\n", "   ", "\n\n  \n"]:
        assert scan_outline(body) == markdown_outline(body) == ()


def test_outline_is_the_pyrs_outline_when_there_is_one() -> None:
    body = HANDLED[0]
    assert outline(body, 3) == scan_outline(body, 3) == markdown_outline(body, 3)
