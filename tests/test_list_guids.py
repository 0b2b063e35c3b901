"""`flashgen list --format json` shows the GUID a renamed card really has in the package."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import AnkiCollection, run_cli, write

NOTE = "# Data\n\nLakehouse architechture: storage and processing engines in one open platform.\n"


def test_list_shows_inherited_guid_after_a_rename(in_tmp: Path, anki_col: AnkiCollection) -> None:
    write(in_tmp, "notes/data.md", NOTE)
    assert run_cli("build")[0] == 0
    before = json.loads(run_cli("list", "--format", "json")[1])
    write(in_tmp, "notes/data.md", NOTE.replace("architechture", "architecture"))
    assert run_cli("build")[0] == 0
    after = json.loads(run_cli("list", "--format", "json")[1])
    assert [c["front"] for c in after] == ["Lakehouse architecture"]
    assert after[0]["guid"] == before[0]["guid"]
    log = anki_col.import_apkg(in_tmp / "decks" / "data.apkg")
    assert log.new == 1
    assert [n.guid for n in anki_col.notes()] == [after[0]["guid"]]
