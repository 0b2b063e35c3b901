"""The preview page in a real browser: headless Chromium, loaded from disk, network off."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.chromium import needs_chromium, run_chromium
from tests.conftest import run_cli
from tests.test_preview import write_notes

pytestmark = needs_chromium

# Runs after every image has loaded; writes what it sees into the DOM for --dump-dom.
PROBE = """<script>
window.addEventListener("load", () => {
  const decks = {};
  for (const section of document.querySelectorAll("section.fg-deck")) {
    decks[section.dataset.deck] = section.querySelectorAll("article.fg-preview-card").length;
  }
  const images = [...document.images].map((img) => [img.complete, img.naturalWidth]);
  const requests = performance.getEntriesByType("resource").map((entry) => entry.name);
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({ decks, images, requests });
  document.body.appendChild(out);
});
</script>
"""


def chromium(tmp_path: Path, *args: str) -> str:
    return run_chromium(*args, profile=tmp_path / "chromium-profile", offline=True, budget_ms=10000)


def test_preview_renders_every_card_and_image_offline(in_tmp: Path) -> None:
    write_notes(in_tmp)
    assert run_cli("preview")[0] == 0
    page = in_tmp / "decks" / "preview.html"
    probe = page.with_name("probe.html")
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )

    dom = chromium(in_tmp, "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert found is not None, dom[-2000:]
    seen = json.loads(html.unescape(found.group(1)))
    assert seen["decks"] == {"Databases": 3, "net::Week 1": 4}
    assert len(seen["images"]) == 3
    assert all(complete and width == 40 for complete, width in seen["images"])
    assert [url for url in seen["requests"] if not url.startswith(("data:", "file:"))] == []

    shot = in_tmp / "preview.png"
    chromium(in_tmp, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG")
