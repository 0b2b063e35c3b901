"""Rendering: card fields as HTML, checked against golden files that a person has read.

Each `tests/golden/render/<case>.md` is the back of a definition in a note under
`tests/golden/render/notes/course/`; `<case>.html` is the field it gives, followed by the
warnings as HTML comments. Regenerate with `pytest tests/test_render.py --force-regen`
and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

from flashgen.anki import css
from flashgen.cards import Card, Note, SourceRef
from flashgen.highlight import CSS_MARKER, style_css
from flashgen.media import MediaFiles
from flashgen.render import inline_html, markdown_html, render

GOLDEN = Path(__file__).parent / "golden" / "render"
NOTES = GOLDEN / "notes"
CASES = sorted(p.stem for p in GOLDEN.glob("*.md"))


def note_of(body: str, name: str = "week.md", body_line: int = 3) -> Note:
    """A note in `notes/course/` (it need not exist: only its folder is used)."""
    return Note(
        path=(NOTES / "course" / name).resolve(),
        display=f"notes/course/{name}",
        key=f"course/{Path(name).stem}",
        folder=("course",),
        meta={},
        body=body,
        body_line=body_line,
        content_hash="",
    )


def card_of(note: Note, back: str, kind: str = "definition", **kw: object) -> Card:
    fields: dict[str, object] = {
        "kind": kind,
        "deck": "Course",
        "front": "Term",
        "back": back,
        "items": (),
        "extra": "",
        "context": (),
        "source": SourceRef(note.display, note.body_line),
        "tags": (),
        "note_key": note.key,
        "term": "term",
    }
    fields.update(kw)
    return Card(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, file_regression: FileRegressionFixture) -> None:
    text = (GOLDEN / f"{case}.md").read_text(encoding="utf-8")
    note = note_of(text, f"{case}.md")
    rendered = render(card_of(note, text), note, MediaFiles())
    warnings = "".join(f"<!-- warning: {p} -->\n" for p in rendered.problems)
    file_regression.check(
        rendered.fields[1] + "\n" + warnings, fullpath=GOLDEN / f"{case}.html", encoding="utf-8"
    )


def test_images_become_media_under_content_names() -> None:
    text = (GOLDEN / "images.md").read_text(encoding="utf-8")
    note = note_of(text, "images.md")
    rendered = render(card_of(note, text), note, MediaFiles())
    by_file = {m.path.relative_to(NOTES.resolve()).as_posix(): m.name for m in rendered.media}
    assert sorted(by_file) == [
        "attachments/graph.png",
        "course/img/diagram.png",
        "other/img/diagram.png",
    ]
    assert by_file["course/img/diagram.png"] != by_file["other/img/diagram.png"]
    for name in by_file.values():
        assert len(name) == len("0123456789abcdef.png")
        assert f'src="{name}"' in rendered.fields[1]


def test_image_warnings_name_file_and_line() -> None:
    text = (GOLDEN / "images.md").read_text(encoding="utf-8")
    note = note_of(text, "images.md", body_line=10)
    rendered = render(card_of(note, text), note, MediaFiles())
    outside = "image outside the notes folder, not read"
    assert [str(p) for p in rendered.problems] == [
        "notes/course/images.md:14: image not found: ./2.png",
        f"notes/course/images.md:15: {outside}: ../../../../../etc/passwd",
        f"notes/course/images.md:16: {outside}: /etc/passwd",
        "notes/course/images.md:17: remote image needs a connection to show: "
        + "https://example.org/logo.png",
    ]


def test_front_is_inline_and_fields_follow_the_note_type() -> None:
    note = note_of("**Osmosis**: water & salt < membrane\n")
    card = card_of(
        note,
        "water & salt < membrane",
        front="**Osmosis** $H_2O$",
        extra="> an example",
        context=("Cells & <Membranes>", "Transport"),
        reverse=True,
    )
    rendered = render(card, note)
    assert rendered.model == "basic"
    assert rendered.fields == (
        "<strong>Osmosis</strong> \\(H_2O\\)",
        "<p>water &amp; salt &lt; membrane</p>",
        "<blockquote>\n<p>an example</p>\n</blockquote>",
        "Cells &amp; &lt;Membranes&gt; › Transport",
        "notes/course/week.md:3",
        "y",
    )


def test_key_points_keep_their_nesting() -> None:
    note = note_of("")
    card = card_of(note, "", kind="key_points", items=("first", "  nested $x$", "second"))
    assert render(card, note).fields[1] == (
        "<ul>\n<li>first\n<ul>\n<li>nested \\(x\\)</li>\n</ul>\n</li>\n<li>second</li>\n</ul>"
    )


def test_cloze_text_is_rendered_with_its_deletions() -> None:
    note = note_of("")
    card = card_of(note, "", kind="cloze", front="The {{c1::mitochondrion}} makes $ATP$.")
    rendered = render(card, note)
    assert rendered.model == "cloze"
    assert rendered.fields[0] == "<p>The {{c1::mitochondrion}} makes \\(ATP\\).</p>"


def test_without_a_note_images_are_left_alone() -> None:
    assert inline_html("![x](img/a.png)") == '<img src="img/a.png" alt="x">'


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("$5 and $10", "<p>$5 and $10</p>"),
        ("$500B", "<p>$500B</p>"),
        ("$x$", "<p>\\(x\\)</p>"),
        ("\\(a<b\\)", "<p>\\(a&lt;b\\)</p>"),
        ("\\\\(not math)", "<p>\\(not math)</p>"),
        ("a <b>b</b>", "<p>a <b>b</b></p>"),
        ("<img src=x onerror=alert(1)>", '<img src="x">'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', '<p><a rel="noopener noreferrer">x</a></p>'),
        ("`<script>`", "<p><code>&lt;script&gt;</code></p>"),
        ("[[Page|alias]] and [[Page#Heading]]", "<p>alias and Page › Heading</p>"),
        ("![[note#part]]", "<p>note › part</p>"),
        ("[[a]] *b*", "<p>a <em>b</em></p>"),
        ("[[<script>x|<b>y</b>]]", "<p>&lt;b&gt;y&lt;/b&gt;</p>"),
    ],
)
def test_small_cases(markdown: str, html: str) -> None:
    assert markdown_html(markdown) == html


def test_card_css_holds_the_generated_highlight_styles() -> None:
    generated = css()[css().index(CSS_MARKER) :]
    assert ".highlight .k {" in generated
    assert ".nightMode .highlight .k, .night_mode .highlight .k {" in generated
    import pygments

    if f"Pygments {pygments.__version__}," not in generated.splitlines()[0]:
        pytest.skip("card.css was generated with another Pygments version")
    assert generated == style_css()


def test_only_pygments_own_lexers_highlight(monkeypatch: pytest.MonkeyPatch) -> None:
    # A language Pygments lacks is not looked for among installed plugins (IPython's took
    # 250 ms to import), and plugins never change a card's HTML.
    import pygments.lexers

    from flashgen import highlight

    def no_plugins() -> list[type]:
        raise AssertionError("plugins were scanned")

    monkeypatch.setattr(pygments.lexers, "find_plugin_lexers", no_plugins)
    highlight._lexer.cache_clear()
    assert highlight.highlight("graph TD", "mermaid") is None
    assert markdown_html("```mermaid\ngraph TD\n```") == (
        '<pre><code class="language-mermaid">graph TD\n</code></pre>'
    )
    assert '<span class="k">def</span>' in (highlight.highlight("def f(): pass", "Python") or "")
