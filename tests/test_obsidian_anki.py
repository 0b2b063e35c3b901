"""An Obsidian note in a real Anki collection: an image embed, inline #tags, a callout
definition, a Dataview field and wikilinks, as the student sees them in Obsidian."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flashgen.build import build_decks, collect_cards
from flashgen.export import card_json
from tests.conftest import AnkiCollection, write
from tests.images import png

GREEN = png(16, 16, (30, 160, 30))
SRC = re.compile(r'<img[^>]*\bsrc="([^"]+)"')

NOTE = """\
---
tags: [psych101]
created: 2024-10-02
---
# Memory

source:: [[PSYC101 Lecture 9]]
status:: #seedling

#psychology #exam/unit-1

> [!definition] Encoding
> The process of turning sensory input into a form that can be stored.
> ![[memory-model.png|300]]

> [!tip] Mnemonic
> Chunking:: grouping items into larger meaningful units, see [[Working memory|WM]].

Retrieval: bringing stored information back, as in [[Recall#Cued recall]] #card
"""


def test_an_obsidian_note_in_a_real_collection(
    tmp_path: Path, in_tmp: Path, anki_col: AnkiCollection
) -> None:
    root = tmp_path / "notes"
    write(root, "psych/memory.md", NOTE)
    write(root, "attachments/memory-model.png", GREEN)  # found by name, as Obsidian does
    out = tmp_path / "decks"
    result = build_decks([root], out)
    assert [str(p) for p in result.problems] == []
    logs = [anki_col.import_apkg(apkg) for apkg in sorted(out.glob("*.apkg"))]
    assert [(log.new, log.updated) for log in logs] == [(3, 0)]

    guids = {c.front: str(card_json(c)["guid"]) for c in collect_cards([root]).cards}
    assert sorted(guids) == ["Chunking", "Encoding", "Retrieval"]
    encoding = anki_col.note_by_guid(guids["Encoding"])
    assert "[!" not in encoding["Front"] + encoding["Back"]
    assert encoding["Back"].startswith("<p>The process of turning sensory input")
    green = hashlib.sha256(GREEN).hexdigest()[:16] + ".png"
    assert SRC.findall(encoding["Back"]) == [green]
    assert 'width="300"' in encoding["Back"]
    media = Path(anki_col.col.media.dir())
    assert (media / green).read_bytes() == GREEN

    chunking = anki_col.note_by_guid(guids["Chunking"])
    assert chunking["Back"] == "<p>grouping items into larger meaningful units, see WM.</p>"
    retrieval = anki_col.note_by_guid(guids["Retrieval"])
    assert retrieval["Back"] == (
        "<p>bringing stored information back, as in Recall › Cued recall</p>"
    )
    for note in (encoding, chunking, retrieval):
        assert sorted(note.tags) == sorted(
            [
                "card",
                "exam/unit-1",
                "flashgen::source::psych::memory",
                "psych101",
                "psychology",
                "seedling",
            ]
        )
