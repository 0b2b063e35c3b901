"""`flashgen sync --anki-connect` over the AnkiConnect test server (issue 17): the same
scenario as `test_sync_collection`, and the ways a connection fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashgen.lockfile import load_lock
from tests.ankiconnect import AnkiConnectHandle, ankiconnect_server
from tests.conftest import run_cli, write
from tests.images import png
from tests.test_sync_collection import CELLS, _notes


def _sync(notes: Path, out: Path, url: str, *extra: str) -> str:
    code, _, stderr = run_cli("sync", str(notes), "-o", str(out), "--anki-connect", url, *extra)
    assert code == 0, stderr
    return stderr


def _own_note(handle: AnkiConnectHandle) -> int:
    with handle.lock:
        col = handle.col
        own = col.new_note(col.models.by_name("Basic"))  # type: ignore[arg-type]
        own["Front"], own["Back"] = "My own card", "written in Anki"
        col.add_note(own, col.decks.id("Mine", create=True))  # type: ignore[arg-type]
        return int(own.id)


def _nids(handle: AnkiConnectHandle, front: str) -> list[int]:
    return [int(n.id) for n in handle.notes(f'"Front:{front}"')]


def test_sync_scenario(tmp_path: Path) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        own = _own_note(handle)
        own_fields = handle.note(own).fields
        said = _sync(notes, out, url)
        assert said.endswith(f"Synced into AnkiConnect at {url}: 4 added, 1 note type\n")
        [mito] = _nids(handle, "Mitochondria")
        assert handle.answer_cards(f"nid:{mito}") == 1
        [card] = handle.card_decks(f"nid:{mito}")
        write(notes, "biology/diagram.png", png(4, 4, (200, 10, 10)))
        write(
            notes,
            "biology/cells.md",
            "# Cells\n\nMitochondria: the powerhouse of the cell, making ATP ![](diagram.png)\n"
            "Nucleus: holds the cell's DNA\n",
        )
        (notes / "chemistry").rename(notes / "physical-chemistry")
        said = _sync(notes, out, url, "-v")
        assert said.endswith(
            f"Synced into AnkiConnect at {url}: 1 updated, 1 moved, 1 deleted, 1 image\n"
        )
        assert _nids(handle, "Mitochondria") == [mito]
        assert handle.reviews(card) == 1 and "ATP" in handle.note(mito)["Back"]
        assert _nids(handle, "Ribosome") == []
        [bond] = _nids(handle, "Covalent bond")
        assert set(handle.card_decks(f"nid:{bond}").values()) == {"physical-chemistry::Bonds"}
        assert [p.suffix for p in handle.media_dir.iterdir() if p.is_file()] == [".png"]
        assert handle.note(own).fields == own_fields
        models = [m for m in ("flashgen Basic", "flashgen Basic+") if handle.model(m)]
        assert models == ["flashgen Basic"]
        assert (handle.model("flashgen Basic") or {})["id"] == 1579730105
        assert handle.notes("flashgennotetypeplaceholder") == []
        assert not (handle.media_dir / "_flashgen-note-type-basic.apkg").exists()
        # A second sync changes nothing, and says so.
        lock = (notes / "flashgen.lock.json").read_bytes()
        with handle.lock:
            mod = handle.col.mod
        said = _sync(notes, out, url)
        assert said.endswith(f"No changes to sync into AnkiConnect at {url}\n")
        assert (notes / "flashgen.lock.json").read_bytes() == lock
        with handle.lock:
            assert handle.col.mod == mod


def test_keep_removed_tags_them(tmp_path: Path) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        _sync(notes, out, url)
        write(notes, "biology/cells.md", "# Cells\n\nMitochondria: the powerhouse of the cell\n")
        said = _sync(notes, out, url, "--keep-removed")
        assert said.endswith(f"Synced into AnkiConnect at {url}: 2 tagged flashgen::removed\n")
        assert len(handle.notes("tag:flashgen::removed")) == 2


def test_refused_connection(tmp_path: Path) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        handle.stop()
        code, _, stderr = run_cli("sync", str(notes), "-o", str(out), "--anki-connect", url)
    assert code == 1
    assert stderr == (
        f"Error: cannot reach AnkiConnect at {url} (Connection refused): start Anki with the "
        "AnkiConnect add-on, or give its address with --anki-connect URL; nothing was "
        "changed in Anki\n"
    )
    assert not out.exists()


def test_wrong_api_version(tmp_path: Path) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        handle.api_version = 5
        code, _, stderr = run_cli("sync", str(notes), "-o", str(out), "--anki-connect", url)
    assert code == 1
    assert stderr == (
        f"Error: AnkiConnect at {url} speaks API version 5; flashgen needs version 6: "
        "update the AnkiConnect add-on\n"
    )


@pytest.mark.parametrize("action", ["addNote", "updateNoteFields", "changeDeck", "deleteNotes"])
def test_a_failing_action_is_named_and_the_lock_says_what_anki_holds(
    tmp_path: Path, action: str
) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        _sync(notes, out, url)
        ribosome = "Ribosome: the site of protein synthesis\n"
        edited = CELLS.replace("powerhouse", "power plant").replace(ribosome, "")
        write(notes, "biology/cells.md", edited)
        (notes / "biology" / "more.md").write_text("# More\n\nLysosome: breaks down waste\n")
        (notes / "chemistry").rename(notes / "physical-chemistry")
        handle.fail_action(action, "collection is busy")
        code, _, stderr = run_cli("sync", str(notes), "-o", str(out), "--anki-connect", url)
        assert code == 1
        assert f"Error: AnkiConnect refused {action} (card " in stderr
        assert stderr.endswith(
            ": collection is busy; the changes before it are applied and recorded in the "
            "lock: fix this and sync again\n"
        )
        [target] = load_lock(notes / "flashgen.lock.json").targets.values()
        held = {h.nid for h in target.cards.values()}
        assert {int(n.id) for n in handle.notes("note:flashgen*")} == held
        handle.clear_failures()
        said = _sync(notes, out, url)
        assert "Synced into" in said
        assert _sync(notes, out, url).endswith(f"No changes to sync into AnkiConnect at {url}\n")
        assert len(_nids(handle, "Lysosome")) == 1


def test_new_css_and_templates_are_applied_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashgen import anki as fg_anki

    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        _sync(notes, out, url)
        mid = (handle.model("flashgen Basic") or {})["id"]
        monkeypatch.setattr(fg_anki, "css", lambda: ".card { color: teal; }\n")
        said = _sync(notes, out, url)
        assert said.endswith(f"Synced into AnkiConnect at {url}: 1 note type\n")
        kind = handle.model("flashgen Basic") or {}
        assert kind["id"] == mid and kind["css"] == ".card { color: teal; }\n"
        assert handle.model("flashgen Basic+") is None


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        said = _sync(notes, out, url, "--dry-run")
        assert said.endswith(
            f"Would sync into AnkiConnect at {url}: 4 added, 1 note type "
            "(dry run: nothing written)\n"
        )
        assert handle.notes() == [] and handle.model("flashgen Basic") is None
        assert not (notes / "flashgen.lock.json").exists()


def test_two_profiles_are_two_targets(tmp_path: Path) -> None:
    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        _sync(notes, out, url)
        handle.profile = "Other"
        # The same Anki under another profile: a target of its own (here the same
        # collection, so every card is added again: the test server has one collection).
        assert _sync(notes, out, url).endswith(": 4 added, 1 note type\n")
        targets = load_lock(notes / "flashgen.lock.json").targets
        assert sorted(targets) == [f"ankiconnect:{url}#Other", f"ankiconnect:{url}#User 1"]


def test_a_path_after_anki_connect_is_not_taken_for_its_address(tmp_path: Path) -> None:
    notes = _notes(tmp_path)
    code, _, stderr = run_cli("sync", "--anki-connect", str(notes))
    assert code == 2
    assert stderr.endswith(
        f"Error: --anki-connect: '{notes}' is not an http:// address; give paths before "
        "--anki-connect, or its address after it\n"
    )


def test_packages_imported_after_a_sync_find_flashgens_note_type(tmp_path: Path) -> None:
    """The note type has flashgen's id: no "flashgen Basic+", no conflicts. (The notes do
    not have flashgen's GUIDs, which AnkiConnect cannot set: an import adds them again, as
    the README says.)"""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    notes, out = _notes(tmp_path), tmp_path / "decks"
    with ankiconnect_server(tmp_path) as (url, handle):
        _sync(notes, out, url)
        write(notes, "biology/cells.md", CELLS.replace("powerhouse", "power plant"))
        code, _, stderr = run_cli("build", str(notes), "-o", str(out))
        assert code == 0, stderr
        with handle.lock:
            for apkg in sorted(out.glob("*.apkg")):
                request = ImportAnkiPackageRequest(
                    package_path=str(apkg), options=ImportAnkiPackageOptions()
                )
                log = handle.col.import_anki_package(request).log
                assert len(log.conflicting) == 0
        assert handle.model("flashgen Basic+") is None
        assert len(_nids(handle, "Mitochondria")) == 2
