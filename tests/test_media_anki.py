"""Images in a real Anki collection: packaged under content names, imported, replaced on edit."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

from click.testing import CliRunner

from flashgen.build import build_decks, collect_cards
from flashgen.cli import main
from flashgen.export import card_json
from tests.conftest import AnkiCollection, write
from tests.images import opened, png

RED = png(30, 20, (220, 30, 30))
BLUE = png(20, 30, (30, 30, 220))
GREEN = png(16, 16, (30, 160, 30))
SECRET = png(3, 3, (1, 2, 3))
SRC = re.compile(r'<img[^>]*\bsrc="([^"]+)"')


def notes_tree(tmp_path: Path) -> Path:
    """Two `diagram.png` of different content, one image used by two notes, a missing image,
    and three ways of reaching a file outside the notes root."""
    root = tmp_path / "notes"
    write(
        root,
        "bio/cells.md",
        "# Cells\n\n"
        "Mitochondrion: makes ATP, see ![diagram](img/diagram.png)\n\n"
        "Ribosome: reads mRNA ![[shared.png]]\n\n"
        "Lysosome: digests waste ![two](./2.png)\n",
    )
    write(root, "bio/img/diagram.png", RED)
    write(
        root,
        "chem/bonds.md",
        "# Bonds\n\n"
        "Covalent bond: shares electrons ![diagram](img/diagram.png)\n\n"
        "Ionic bond: transfers electrons ![[shared.png|80]]\n\n"
        "Traversal: reaches out ![x](../../outside/secret.png)\n\n"
        f"Absolute: reaches out ![x]({tmp_path / 'outside' / 'secret.png'})\n\n"
        "Symlink: reaches out ![x](img/link.png)\n\n"
        "Passwd: reaches out ![x](../../etc/passwd)\n",
    )
    write(root, "chem/img/diagram.png", BLUE)
    write(root, "attachments/shared.png", GREEN)
    write(tmp_path, "outside/secret.png", SECRET)
    os.symlink(tmp_path / "outside" / "secret.png", root / "chem" / "img" / "link.png")
    return root


def media_dir(col: AnkiCollection) -> Path:
    return Path(col.col.media.dir())


def imported(col: AnkiCollection, out: Path) -> list[tuple[int, int, int, int]]:
    logs = [col.import_apkg(apkg) for apkg in sorted(out.glob("*.apkg"))]
    return [(log.new, log.updated, log.duplicate, log.conflicting) for log in logs]


def test_images_in_a_real_collection(
    tmp_path: Path, in_tmp: Path, anki_col: AnkiCollection
) -> None:
    root = notes_tree(tmp_path)
    out = tmp_path / "decks"
    with opened() as paths:
        result = build_decks([root], out)
    # Nothing under tmp_path but the notes and the decks, and never the file behind the link.
    stray = [p for p in paths if p.is_relative_to(tmp_path) and not p.is_relative_to(root)]
    assert [p for p in stray if not p.is_relative_to(out)] == []
    assert [p for p in paths if p.name in ("secret.png", "link.png", "passwd")] == []

    outside = "image outside the notes folder, not read"
    assert [str(p) for p in result.problems] == [
        "notes/bio/cells.md:7: image not found: ./2.png",
        f"notes/chem/bonds.md:7: {outside}: ../../outside/secret.png",
        f"notes/chem/bonds.md:9: {outside}: {tmp_path / 'outside' / 'secret.png'}",
        f"notes/chem/bonds.md:11: {outside}: img/link.png",
        f"notes/chem/bonds.md:13: {outside}: ../../etc/passwd",
    ]
    cli = CliRunner().invoke(main, ["build", "notes", "-o", "decks"])
    assert cli.exit_code == 0, cli.output
    for problem in result.problems:
        assert str(problem) in cli.stderr

    for apkg in out.glob("*.apkg"):
        with zipfile.ZipFile(apkg) as zf:
            assert all(zf.read(n) != SECRET for n in zf.namelist())

    assert imported(anki_col, out) == [(3, 0, 0, 0), (6, 0, 0, 0)]
    media = media_dir(anki_col)
    names = {hashlib.sha256(data).hexdigest()[:16] + ".png": data for data in (RED, BLUE, GREEN)}
    assert sorted(p.name for p in media.iterdir()) == sorted(names)
    for name, data in names.items():
        assert (media / name).read_bytes() == data

    guids = {c.front: str(card_json(c)["guid"]) for c in collect_cards([root]).cards}
    srcs = {}
    for front, guid in guids.items():
        note = anki_col.note_by_guid(guid)
        found = SRC.findall(note["Back"])
        for src in found:
            assert (media / src).is_file(), (front, src)
        srcs[front] = found
    red, blue, green = (f"{hashlib.sha256(d).hexdigest()[:16]}.png" for d in (RED, BLUE, GREEN))
    assert srcs == {
        "Mitochondrion": [red],
        "Ribosome": [green],
        "Lysosome": [],
        "Covalent bond": [blue],
        "Ionic bond": [green],
        "Traversal": [],
        "Absolute": [],
        "Symlink": [],
        "Passwd": [],
    }
    assert '<img alt="two">' in anki_col.note_by_guid(guids["Lysosome"])["Back"]
    assert all(p.read_bytes() != SECRET for p in media.iterdir())

    # The student edits one image: the note it is in now shows the new one.
    orange = png(30, 20, (240, 140, 0))
    (root / "bio" / "img" / "diagram.png").write_bytes(orange)
    build_decks([root], out)
    assert imported(anki_col, out) == [(0, 1, 2, 0), (0, 0, 6, 0)]
    new_name = f"{hashlib.sha256(orange).hexdigest()[:16]}.png"
    mito = anki_col.note_by_guid(guids["Mitochondrion"])
    assert SRC.findall(mito["Back"]) == [new_name]
    assert (media / new_name).read_bytes() == orange
    assert SRC.findall(anki_col.note_by_guid(guids["Covalent bond"])["Back"]) == [blue]
    assert len(anki_col.notes()) == 9


def test_an_image_under_a_definition_line_is_on_its_card(
    tmp_path: Path, in_tmp: Path, anki_col: AnkiCollection
) -> None:
    """An image on the line right under a one-line definition is on that card's back, under
    the definition as under a `Q:`/`A:` answer, and its file is in the package."""
    root = tmp_path / "notes"
    write(
        root,
        "ml/metrics.md",
        "# Lecture\n\n"
        "Confusion matrix: a table of predicted against actual classes.\n"
        "![a confusion matrix](img/cm.png)\n\n"
        "Q: What is a table of predicted against actual classes?\n"
        "A: a table of predicted against actual classes.\n"
        "![a confusion matrix](img/cm.png)\n\n"
        "**Precision**: the share of predicted positives that are positive.\n"
        "![precision](img/precision.png)\n\n"
        "ROC curve - true against false positive rate over all thresholds.\n"
        "![[roc.png]]\n\n"
        "F1 score :: the harmonic mean of precision and recall.\n"
        "![f1](img/cm.png)\n\n"
        "- Recall: the share of positives that are found.\n"
        "  ![recall](img/precision.png)\n",
    )
    write(root, "ml/img/cm.png", RED)
    write(root, "ml/img/precision.png", BLUE)
    write(root, "attachments/roc.png", GREEN)
    out = tmp_path / "decks"
    result = build_decks([root], out)
    assert [str(p) for p in result.problems] == []

    packed: set[bytes] = set()
    for apkg in out.glob("*.apkg"):
        with zipfile.ZipFile(apkg) as zf:
            packed.update(zf.read(n) for n in zf.namelist())
    files = {"cm.png": RED, "precision.png": BLUE, "roc.png": GREEN}
    assert [name for name, data in files.items() if data not in packed] == []

    assert imported(anki_col, out) == [(6, 0, 0, 0)]
    red, blue, green = (f"{hashlib.sha256(d).hexdigest()[:16]}.png" for d in (RED, BLUE, GREEN))
    media = media_dir(anki_col)
    assert sorted(p.name for p in media.iterdir()) == sorted((red, blue, green))
    assert (media / red).read_bytes() == RED

    guids = {c.front: str(card_json(c)["guid"]) for c in collect_cards([root]).cards}
    backs = {front: anki_col.note_by_guid(guid)["Back"] for front, guid in guids.items()}
    cm = backs["Confusion matrix"]
    assert cm == (
        "<p>a table of predicted against actual classes.<br>\n"
        f'<img src="{red}" alt="a confusion matrix"></p>'
    )
    assert cm == backs["What is a table of predicted against actual classes?"]
    assert {front: SRC.findall(back) for front, back in backs.items()} == {
        "Confusion matrix": [red],
        "What is a table of predicted against actual classes?": [red],
        "Precision": [blue],
        "ROC curve": [green],
        "F1 score": [red],
        "Recall": [blue],
    }
    for srcs in map(SRC.findall, backs.values()):
        assert all((media / src).is_file() for src in srcs)
