"""Shared test helpers: a real Anki collection, note trees in tmp_path."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

# hypothesis keeps its example database outside the repository: tests never write into it.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "flashgen-hypothesis")

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@dataclass
class ImportLog:
    new: int
    updated: int
    duplicate: int
    conflicting: int


class AnkiCollection:
    """A real Anki collection (the `anki` package), for importing built decks."""

    def __init__(self, path: Path) -> None:
        from anki.collection import Collection

        self.col = Collection(str(path))

    def import_apkg(self, apkg: Path, with_scheduling: bool = False) -> ImportLog:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        req = ImportAnkiPackageRequest(
            package_path=str(apkg),
            options=ImportAnkiPackageOptions(with_scheduling=with_scheduling),
        )
        log = self.col.import_anki_package(req).log
        return ImportLog(len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting))

    def notes(self, query: str = "") -> list:  # type: ignore[type-arg]
        return [self.col.get_note(nid) for nid in sorted(self.col.find_notes(query))]

    def note_by_guid(self, guid: str):  # type: ignore[no-untyped-def]
        for note in self.notes():
            if note.guid == guid:
                return note
        raise KeyError(guid)

    def answer_all(self) -> int:
        """Answer every card once ("Good"), as a student would on the first day."""
        count = 0
        for cid in self.col.find_cards(""):
            card = self.col.get_card(cid)
            card.start_timer()
            self.col.sched.answerCard(card, 3)
            count += 1
        return count

    def model_names(self) -> list[str]:
        return sorted(m["name"] for m in self.col.models.all())

    def deck_names(self) -> list[str]:
        return sorted(d.name for d in self.col.decks.all_names_and_ids())

    def close(self) -> None:
        self.col.close()


@pytest.fixture
def anki_col(tmp_path: Path) -> Iterator[AnkiCollection]:
    (tmp_path / "collection").mkdir()
    col = AnkiCollection(tmp_path / "collection" / "collection.anki2")
    yield col
    col.close()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from tmp_path, so relative paths in messages are short and exact."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_repo_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    os.environ.pop("FLASHGEN_CONFIG", None)


def lock_beside(out: Path, notes: Path):  # type: ignore[no-untyped-def]
    """The project of `notes` with its lock in the output folder `out`: for tests that build
    the same notes into two folders and compare them, each with a lock of its own."""
    from flashgen.project import LOCK_NAME, Project

    return Project((notes.resolve(),), out.resolve() / LOCK_NAME)


def generated_corpus(tmp_path: Path, files: int) -> Path:
    """The bench corpus generator's notes in flashgen's syntax (`files` of them), in tmp_path."""
    import subprocess
    import sys

    out = tmp_path / "corpus"
    script = REPO / "bench" / "gen_corpus.py"
    subprocess.run(
        [sys.executable, script, out, f"--files={files}", "--formats=native"],
        check=True,
        capture_output=True,
    )
    return out / "native"


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run flashgen in-process: exit code, stdout, stderr."""
    from click.testing import CliRunner

    from flashgen.cli import main

    result = CliRunner().invoke(main, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def damage_cached_result(out: Path, note_name: str, data: bytes = b"\x00not a result") -> None:
    """Overwrite the cached result of the note called `note_name` (a file in the cache's
    `results/` folder) with `data`."""
    import pickle

    from flashgen.cache import CACHE_DIR, CACHE_FILE, RESULTS_DIR

    index = out / CACHE_DIR / CACHE_FILE
    entries = pickle.loads(pickle.loads(index.read_bytes())[3])
    (entry,) = [e for k, e in entries.items() if k.endswith(note_name)]
    (out / CACHE_DIR / RESULTS_DIR / entry.result_file).write_bytes(data)
