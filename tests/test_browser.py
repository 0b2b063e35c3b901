"""Cards as a student sees them: rendered by Anki through the note type's own templates and
CSS, then opened in headless Chromium. MathJax does not run here (Anki brings its own), so
formulas are checked by their delimiters in the DOM; images must actually load."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from flashgen import anki
from flashgen.build import build_decks
from flashgen.cards import Card, SourceRef
from flashgen.render import render
from tests.chromium import needs_chromium, run_chromium
from tests.conftest import AnkiCollection, write
from tests.images import png

pytestmark = needs_chromium

NOTE = r"""# Cells

## Energy

Mitochondrion: makes ATP when $\Delta G < 0$, see \(x^2\) and $$E = mc^2$$ ![diagram](img/diagram.png)
Ribosome: reads `mRNA` codons for $5 and $10 a sample ![[graph.png|40]]
The ==mitochondrion== makes $ATP$ from \(ADP\).
"""

CODE = """```python
def is_small(x: float) -> bool:
    return x < 1  # compare
```"""

# Runs after every image has loaded or failed; the results go into the DOM for --dump-dom.
PROBE = r"""
window.addEventListener("load", () => {
  const sides = [...document.querySelectorAll("section[data-card]")].map((s) => {
    const text = s.textContent;
    const keyword = s.querySelector("pre.highlight .k");
    return {
      card: s.dataset.card,
      side: s.dataset.side,
      inline: text.match(/\\\(.*?\\\)/gs) || [],
      display: text.match(/\\\[.*?\\\]/gs) || [],
      text: text,
      highlight: [...s.querySelectorAll("pre.highlight span[class]")].map((e) => e.className),
      keywordColor: keyword ? getComputedStyle(keyword).color : null,
      codeColor: keyword ? getComputedStyle(keyword.closest("pre")).color : null,
      images: [...s.querySelectorAll("img")].map((i) => ({
        src: i.getAttribute("src"), complete: i.complete, width: i.naturalWidth,
      })),
      background: getComputedStyle(s).backgroundColor,
      overflowing: s.scrollWidth > s.clientWidth,
    };
  });
  const out = {sides, pageWidth: document.documentElement.scrollWidth, viewport: innerWidth};
  document.getElementById("results").textContent = JSON.stringify(out);
});
"""


def chromium(*args: str, profile: Path) -> str:
    return run_chromium(*args, profile=profile)


def results(page: Path, width: int, profile: Path) -> dict[str, Any]:
    dom = chromium(f"--window-size={width},2000", "--dump-dom", page.as_uri(), profile=profile)
    found = re.search(r'<pre id="results">(.*?)</pre>', dom, re.DOTALL)
    assert found is not None and found.group(1), dom[-2000:]
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


def code_card() -> Card:
    """Extraction does not yet put fenced code into cards, so this card is made directly."""
    return Card(
        kind="definition",
        deck="Code",
        front="Is it small?",
        back=CODE,
        items=(),
        extra="",
        context=("Python",),
        source=SourceRef("notes/code.md", 3),
        tags=(),
        note_key="code",
        term="is it small?",
    )


def cards_page(col: AnkiCollection, night: bool) -> str:
    mode = " nightMode night_mode" if night else ""
    sections = []
    for cid in sorted(col.col.find_cards("")):
        card = col.col.get_card(cid)
        for side, body in (("front", card.question()), ("back", card.answer())):
            sections.append(
                f'<section class="card card{card.ord + 1}{mode}" data-card="{cid}" '
                f'data-side="{side}">{body}</section>'
            )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<base href="{Path(col.col.media.dir()).as_uri()}/"></head>\n<body>\n'
        + "\n".join(sections)
        + f'\n<pre id="results"></pre>\n<script>{PROBE}</script>\n</body></html>\n'
    )


def test_cards_in_headless_chromium(tmp_path: Path, anki_col: AnkiCollection) -> None:
    notes = tmp_path / "notes"
    write(notes, "bio/cells.md", NOTE)
    write(notes, "bio/img/diagram.png", png(60, 30, (200, 40, 40)))
    write(notes, "attachments/graph.png", png(30, 30, (40, 160, 40)))
    out = tmp_path / "decks"
    result = build_decks([notes], out)
    assert result.problems == ()
    rendered = render(code_card())
    anki.write_package(
        out / "code.apkg",
        [anki.PackageNote("fg-code-card", "basic", "Code", rendered.fields, (), 1)],
        {},
        {"basic": 1},
    )
    for apkg in sorted(out.glob("*.apkg")):
        anki_col.import_apkg(apkg)
    assert len(anki_col.col.find_cards("")) == 4

    profile = tmp_path / "chromium-profile"
    light = tmp_path / "cards.html"
    light.write_text(cards_page(anki_col, night=False), encoding="utf-8")
    night = tmp_path / "cards-night.html"
    night.write_text(cards_page(anki_col, night=True), encoding="utf-8")

    desktop = results(light, 1024, profile)
    sides = desktop["sides"]
    all_text = "".join(s["text"] for s in sides)

    # Formulas reach MathJax in its delimiters, `<` decoded, no `$` left around them.
    inline = [m for s in sides for m in s["inline"]]
    assert "\\(\\Delta G < 0\\)" in inline
    assert "\\(x^2\\)" in inline and "\\(ATP\\)" in inline and "\\(ADP\\)" in inline
    assert "\\[E = mc^2\\]" in [m for s in sides for m in s["display"]]
    assert "$\\Delta" not in all_text and "$$" not in all_text
    assert "for $5 and $10 a sample" in all_text
    assert any("[...]" in s["text"] for s in sides if s["side"] == "front")  # the cloze

    # Code: highlighted token classes, coloured by the note type's CSS.
    code = [s for s in sides if s["highlight"]]
    assert code, "no highlighted code on any card"
    assert {"k", "nf", "o", "c1"} <= set(code[0]["highlight"])
    assert code[0]["keywordColor"] != code[0]["codeColor"]

    # Every image has loaded: two images, each on the back of its card.
    images = [i for s in sides for i in s["images"]]
    assert len({i["src"] for i in images}) == 2
    assert all(i["complete"] and i["width"] > 0 for i in images), images
    assert all(re.fullmatch(r"[0-9a-f]{16}\.png", i["src"]) for i in images)

    # A phone-width screen never scrolls sideways; night mode is dark, with its own colours.
    phone = results(light, 375, profile)
    assert phone["pageWidth"] <= phone["viewport"]
    assert not [s["card"] for s in phone["sides"] if s["overflowing"]]
    dark = results(night, 375, profile)
    assert {s["background"] for s in dark["sides"]} == {"rgb(28, 28, 30)"}
    assert {s["background"] for s in desktop["sides"]} == {"rgb(255, 255, 255)"}
    dark_code = next(s for s in dark["sides"] if s["highlight"])
    assert dark_code["keywordColor"] != code[0]["keywordColor"]

    # Screenshots stay in tmp_path as the test's artefacts.
    for page in (light, night):
        shot = page.with_suffix(".png")
        chromium("--window-size=420,2400", f"--screenshot={shot}", page.as_uri(), profile=profile)
        assert shot.stat().st_size > 0
