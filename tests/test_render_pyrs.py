"""markdown-it-pyrs renders a field exactly as markdown-it-py would, or leaves it to it.

`render.pyrs_html` is markdown_html's fast path; `renderer().render` is the reference.
Whenever pyrs_html returns HTML, the sanitised field must be byte for byte the one
markdown-it-py's HTML gives; None ("leave it to markdown-it-py") is always allowed. The
texts come from the repository's notes, the benchmark generator, and three generators: lines
on the edges of markdown's rules (from test_blocks), fields of paragraphs, lists and tables,
and strings of markdown's significant characters. The last examples are the differences
found so far, each refused. RENDER_EXAMPLES raises the number of generated examples for a
long local run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import flashgen.render as render_module
from flashgen.extract import Options
from flashgen.media import MediaFiles
from flashgen.render import pyrs_html, renderer, sanitise
from flashgen.work import process_note
from tests.conftest import REPO, generated_corpus
from tests.test_blocks import BLANK, INDENTS, SHAPES, repo_bodies

EXAMPLES = int(os.environ.get("RENDER_EXAMPLES", "300"))


def reference(text: str) -> str:
    return sanitise(renderer().render(text)).strip()


def check(text: str) -> bool:
    """True when pyrs rendered `text`; asserts its field is markdown-it-py's."""
    got = pyrs_html(text)
    if got is None:
        return False
    assert sanitise(got).strip() == reference(text), text
    return True


def field_texts(paths: list[tuple[Path, Path]]) -> list[str]:
    """Every text markdown_html renders while building these notes."""
    seen: list[str] = []
    original = render_module.markdown_html

    def spy(text: str, image_src: render_module.ImageSrc | None = None) -> str:
        seen.append(text)
        return original(text, image_src)

    render_module.markdown_html = spy
    try:
        for path, root in paths:
            process_note(path, root, Options(), MediaFiles())
    finally:
        render_module.markdown_html = original
    return seen


# -- generated markdown --------------------------------------------------------------

LINES = [s for s in SHAPES if pyrs_html(s) is not None]
edge_line = st.one_of(
    st.tuples(st.sampled_from(INDENTS), st.sampled_from(LINES)).map("".join),
    st.sampled_from(BLANK),
)
edge_body = st.tuples(
    st.lists(edge_line, max_size=14).map("\n".join), st.sampled_from(["", "\n", "\n\n"])
).map("".join)

ATOMS = [
    *"*_[]()!`~|-+#>\\&;:. \n\n1aZé'\"=/%?",
    *["  \n", "    ", "- ", "1. ", "> ", "# ", "---", "===", "|---|", "| a |", ":-:", "-:"],
    *["&amp;", "&#35;", "&#0;", "&nbsp;", "&bogus;", "&#xD800;", "**", "__", "~~", "``"],
    *["http://x.org/a b", "https://ex.com/ä?q=1&r=2", "www.x.com", "[a]", "[a][]", "[^1]"],
    *["![i](p.png)", '![i](p.png "t")', "[l](u 't')", "[l](<u v>)", "javascript:", "*a*"],
    *["**a**", "`c`", "\u0301", "ß", "İ", "ΣΑΣ", "a_b_c", "→", "©", "«", "—", "😀", "°", "\u00d7"],
]
atom_string = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=40).map("".join)

WORDS = ["the", "cell", "*emph*", "**bold**", "_u_", "__b__", "~~s~~", "`f()`", "x\\*y"]
WORDS += ["[l](https://example.org/a)", "![i](p.png)", "a|b", "\u03b1", "→", "é", "2024:", "-5"]
WORDS += ["#tag", ":", "&amp;", "1.", "(c)", '"q"', "a\\b", "[a]"]
STARTS = ["Mitosis", "The", "**Term**:", "_Term_:", "`code`", "*x*", "- ", "1. ", "> ", "## ", "| "]
PREFIXES = ["- ", "  - ", "    - ", "* ", "1. ", "2) ", "   ", "> ", "> - "]
CELLS = ["a", "`x`", "**b**", "_i_", "1", "", "[l](u)"]
KINDS = ("*", "_", "~", "`", "[", "|", ">")


def one_flavour(items: list[str], flavour: set[str]) -> list[str]:
    """The items without the emphasis, code, link, pipe and quote marks not in `flavour`."""
    return [w for w in items if not set(w) & (set(KINDS) - flavour)]


@st.composite
def block_body(draw: st.DrawFn) -> str:
    """A field of paragraphs, lists, quotes and tables; most with one kind of delimiter,
    code or links, quotes or pipes, as pyrs renders only those."""
    flavour = {draw(st.sampled_from(k)) for k in ("*_~", "`[", "|>")}
    if draw(st.integers(0, 4)) == 0:
        flavour |= set(KINDS)
    words = st.lists(st.sampled_from(one_flavour(WORDS, flavour)), min_size=1, max_size=12)
    line = st.tuples(st.sampled_from(one_flavour(STARTS, flavour) or ["The"]), words).map(
        lambda t: t[0] + " " + " ".join(t[1])
    )
    cells = one_flavour(CELLS, flavour)
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["paragraph", "list", "table", "rule", "code"]))
        if kind in ("table", "rule") and ("|" in flavour) != (kind == "table"):
            kind = "paragraph"  # a rule is a one-cell delimiter row, refused beside pipes
        if kind == "paragraph":
            lines = draw(st.lists(line, min_size=1, max_size=2))
        elif kind == "list":
            prefixes = one_flavour(PREFIXES, flavour)
            items = st.tuples(st.sampled_from(prefixes), line).map("".join)
            lines = draw(st.lists(items, min_size=1, max_size=6))
        elif kind == "table":
            cols = draw(st.integers(1, 3))
            pipes = draw(st.booleans())
            row = draw(st.lists(st.sampled_from(cells), max_size=9))
            head = "| " + " | ".join(["h"] * cols) + " |" if pipes else " | ".join(["h"] * cols)
            delim = "|" + "|".join([":--"] * cols) + "|" if pipes else "|".join(["---"] * cols)
            body = [" | ".join(row[i : i + cols]) for i in range(0, len(row), cols)]
            lines = [head, delim, *body]
        elif kind == "rule":
            lines = ["---"]
        else:
            lines = ["    code", "    more"]
        parts.append("\n".join(lines) + draw(st.sampled_from(["", "", "\n", "\n   "])))
    return "\n".join(parts)


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@SETTINGS
@given(edge_body)
def test_edge_lines_render_as_markdown_it_or_not_at_all(text: str) -> None:
    event("pyrs" if check(text) else "markdown-it-py")


@SETTINGS
@given(block_body())
def test_blocks_render_as_markdown_it_or_not_at_all(text: str) -> None:
    event("pyrs" if check(text) else "markdown-it-py")


@SETTINGS
@given(atom_string)
def test_markdown_characters_render_as_markdown_it_or_not_at_all(text: str) -> None:
    event("pyrs" if check(text) else "markdown-it-py")


# -- the notes in the repository and the benchmark corpus ----------------------------


def test_repository_fields_render_as_markdown_it(tmp_path: Path) -> None:
    paths = [
        *(
            (p, p.parent)
            for d in ("notes", "bench/eval", "tests/golden")
            for p in (REPO / d).rglob("*.md")
        ),
        *((p, p.parent) for p in (REPO / "tests" / "fixtures" / "loose").rglob("*.md")),
    ]
    for name, body, _ in repo_bodies(tmp_path):  # the extraction fixtures, as notes
        if name.endswith((".yaml", ".yml")):
            path = tmp_path / "fixtures" / "notes" / f"{Path(name).stem}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
            paths.append((path, path.parent))
    texts = field_texts(sorted(paths))
    assert len(texts) > 500
    routed = sum(check(t) for t in texts)
    print(f"pyrs rendered {routed} of {len(texts)} repository fields")
    assert routed >= 0.8 * len(texts)


def test_generated_corpus_fields_render_as_markdown_it(tmp_path: Path) -> None:
    root = generated_corpus(tmp_path, 40)
    texts = field_texts([(p, root) for p in sorted(root.rglob("*.md"))])
    routed = sum(check(t) for t in texts)
    assert routed >= 0.8 * len(texts), (routed, len(texts))


# -- the contract, by example --------------------------------------------------------

RENDERED = [
    "Plain words.",
    "**Term**: a definition with *emphasis*, `code` and [a link](https://example.org).",
    "- a\n  - b\n    - c\n- d",
    "1. one\n2. two",
    "| a | b |\n|:--|--:|\n| 1 | 2 |",
    "# Heading\n\nA paragraph.\n\n> a quote",
    "![alt](p.png)",
    "x &amp; y &copy;",
    "~~gone~~",
]

REFUSED = {
    "soft break (breaks: on)": "one\ntwo",
    "hard break": "one  \ntwo",
    "dollar math": "$x^2$",
    "bracket math": "\\(x\\)",
    "obsidian embed": "![[a.png]]",
    "raw html": "<b>x</b>",
    "autolink": "<https://example.org>",
    "fence": "```py\nx = 1\n```",
    "tilde fence": "~~~\nx\n~~~",
    "indented code": "    x = 1",
    "no-break space": "\u00a0x",
    "tab": "\tx",
    "line separator": "x\u2028",
    "deep blockquote": ">" * 20 + " x",
    "deep list": "- " * 11 + "x",
    "deep brackets": "[" * 20 + "x" + "]" * 20 + "(u)",
    "pyrs panic: open code span in a link label": "[a `b",
    "pyrs panic, after a closed span": "[a `b` `",
    "emphasis of two kinds": "_a*_ *b*",
    "strikethrough and emphasis": "~~a*~~ *b*",
    "symbol beside a delimiter": "*a*→",
    "code span of spaces": "`    `",
    "reference definition": "[a]: u\\\n\n[a]",
    "backslash at a line end": "a\\\nb",
    "empty list item after a quote": "> a  \n-",
    "ordered item after a quote": "> a  \n2. b",
    "one-column table without a pipe": "a\n-:",
    "one-column table": "| a |\n---",
    "table after a quoted line": "> a\n| h | h |\n|---|---|",
    "table after a quoted line with a pipe": "> a|b\n| h | h |\n|---|---|",
    "list after a table": "| a | b |\n|---|---|\n0. x",
    "empty blockquote": ">",
    "entity in a link destination": "[a](&nbsp;)",
    "code span across a lazy line": "> `a\n b`",
    "code span across a lazy line in a list": "- > `a\n   b`",
}


@pytest.mark.parametrize("text", RENDERED)
def test_common_fields_are_rendered_by_pyrs(text: str) -> None:
    assert check(text)


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_what_pyrs_renders_differently_is_left_to_markdown_it_py(text: str) -> None:
    assert pyrs_html(text) is None
