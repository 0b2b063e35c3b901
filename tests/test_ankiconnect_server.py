"""The AnkiConnect test server (tests/ankiconnect.py), spoken to over HTTP as a sync client
would, each answer checked against what the real collection holds afterwards."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ankiconnect import AnkiConnectHandle, ankiconnect_server

Served = tuple[str, AnkiConnectHandle]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with ankiconnect_server(tmp_path) as pair:
        yield pair


def post(url: str, payload: Any) -> Any:
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def call(url: str, action: str, **params: Any) -> dict[str, Any]:
    answer = post(url, {"action": action, "version": 6, "params": params})
    assert isinstance(answer, dict)
    assert set(answer) == {"result", "error"}
    return answer


def ok(url: str, action: str, **params: Any) -> Any:
    answer = call(url, action, **params)
    assert answer["error"] is None, answer
    return answer["result"]


def fails(url: str, action: str, **params: Any) -> str:
    answer = call(url, action, **params)
    assert answer["result"] is None
    assert isinstance(answer["error"], str)
    return answer["error"]


def basic(front: str, back: str = "b", deck: str = "Default", **extra: Any) -> dict[str, Any]:
    return {
        "deckName": deck,
        "modelName": "Basic",
        "fields": {"Front": front, "Back": back},
        **extra,
    }


def test_version_unsupported_actions_and_bad_params(served: Served) -> None:
    url, anki = served
    with urllib.request.urlopen(url, timeout=10) as banner:  # a GET, as from a browser
        assert banner.read() == b"Anki-Connect"
    assert call(url, "version") == {"result": 6, "error": None}
    assert post(url, {"action": "deckNames"}) == ["Default"]  # no version: the bare result
    assert fails(url, "guiBrowse", query="") == "unsupported action"
    assert fails(url, "requestPermission") == "unsupported action"
    assert "unexpected keyword argument 'foobar'" in fails(url, "deckNames", foobar=1)
    assert "'note'" in fails(url, "addNote")

    anki.api_version = 5  # an older add-on: the client must refuse to go on
    assert ok(url, "version") == 5


def test_decks_and_models(served: Served) -> None:
    url, anki = served
    did = ok(url, "createDeck", deck="Lang::French")
    assert ok(url, "createDeck", deck="Lang::French") == did  # never overwritten
    assert anki.deck_names() == ["Default", "Lang", "Lang::French"]
    assert sorted(ok(url, "deckNames")) == anki.deck_names()

    model = ok(
        url,
        "createModel",
        modelName="fg Basic",
        inOrderFields=["Question", "Answer"],
        css=".card { color: red; }",
        cardTemplates=[
            {"Name": "Forward", "Front": "{{Question}}", "Back": "{{FrontSide}}<hr>{{Answer}}"},
            {"Front": "{{Answer}}", "Back": "{{Question}}"},
        ],
    )
    stored = anki.model("fg Basic")
    assert stored is not None
    assert model["id"] == stored["id"]
    assert [f["name"] for f in stored["flds"]] == ["Question", "Answer"]
    assert [t["name"] for t in stored["tmpls"]] == ["Forward", "Card 2"]
    assert stored["css"] == ".card { color: red; }"
    assert "fg Basic" in ok(url, "modelNames")
    assert "already exists" in fails(
        url, "createModel", modelName="fg Basic", inOrderFields=["A"], cardTemplates=[]
    )

    cloze = ok(
        url,
        "createModel",
        modelName="fg Cloze",
        inOrderFields=["Text"],
        isCloze=True,
        cardTemplates=[{"Front": "{{cloze:Text}}", "Back": "{{cloze:Text}}"}],
    )
    assert cloze["type"] == 1

    templates = {"Forward": {"Front": "Q: {{Question}}"}}  # only this side changes
    ok(url, "updateModelTemplates", model={"name": "fg Basic", "templates": templates})
    ok(url, "updateModelStyling", model={"name": "fg Basic", "css": ".card {}"})
    stored = anki.model("fg Basic")
    assert stored is not None
    assert stored["tmpls"][0]["qfmt"] == "Q: {{Question}}"
    assert stored["tmpls"][0]["afmt"] == "{{FrontSide}}<hr>{{Answer}}"
    assert stored["tmpls"][1]["qfmt"] == "{{Answer}}"
    assert stored["css"] == ".card {}"
    assert fails(url, "updateModelStyling", model={"name": "Nope", "css": ""}) == (
        "model was not found: Nope"
    )


def test_add_notes_and_the_duplicate_rule(served: Served) -> None:
    url, anki = served
    ok(url, "createDeck", deck="Geo")
    nid = ok(url, "addNote", note=basic("Capital of France?", "Paris", "Geo", tags=["geo"]))
    [note] = anki.notes()
    assert (note.id, note["Front"], note["Back"], note.tags) == (
        nid,
        "Capital of France?",
        "Paris",
        ["geo"],
    )
    assert list(anki.card_decks(f"nid:{nid}").values()) == ["Geo"]

    # the same first field, same note type: refused collection-wide, whatever the deck
    dup = "cannot create note because it is a duplicate"
    assert fails(url, "addNote", note=basic("Capital of France?", "x")) == dup
    # ... but not with duplicateScope "deck" when the target deck holds none
    in_deck = {"duplicateScope": "deck"}
    ok(url, "addNote", note=basic("Capital of France?", "y", options=in_deck))
    assert fails(url, "addNote", note=basic("Capital of France?", "z", options=in_deck)) == dup
    in_geo = {"duplicateScope": "deck", "duplicateScopeOptions": {"deckName": "Geo"}}
    assert fails(url, "addNote", note=basic("Capital of France?", "z", options=in_geo)) == dup
    ok(url, "addNote", note=basic("Capital of France?", "z", options={"allowDuplicate": True}))
    # another note type with the same first field is no duplicate
    reversed_ = {**basic("Capital of France?"), "modelName": "Basic (and reversed card)"}
    ok(url, "addNote", note=reversed_)
    assert len(anki.notes()) == 4

    assert fails(url, "addNote", note=basic("")) == "cannot create note because it is empty"
    assert fails(url, "addNote", note=basic("q", deck="Nope")) == "deck was not found: Nope"
    assert "Nope" in fails(url, "addNote", note={**basic("q"), "fields": {"Nope": "x"}})

    # addNotes, as the README documents it: null in place of each note not added
    ids = ok(url, "addNotes", notes=[basic("one"), basic("Capital of France?"), basic("two")])
    assert ids[1] is None
    assert [n["Front"] for n in anki.notes("front:one or front:two")] == ["one", "two"]
    assert sorted(n.id for n in anki.notes("front:one or front:two")) == sorted(ids[::2])

    anki.add_notes_all_or_nothing = True  # what newer add-ons are reported to do
    before = len(anki.notes())
    assert dup in fails(url, "addNotes", notes=[basic("three"), basic("one")])
    assert len(anki.notes()) == before


def test_update_note_fields_keeps_cards_and_reviews(served: Served) -> None:
    url, anki = served
    nid = ok(url, "addNote", note=basic("old front", "old back", tags=["a"]))
    [card_id] = ok(url, "findCards", query=f"nid:{nid}")
    assert anki.answer_cards(f"cid:{card_id}") == 1
    assert anki.reviews(card_id) == 1
    [before] = ok(url, "cardsInfo", cards=[card_id])
    assert before["reps"] == 1

    assert ok(url, "updateNoteFields", note={"id": nid, "fields": {"Back": "new back"}}) is None
    note = anki.note(nid)
    assert (note["Front"], note["Back"]) == ("old front", "new back")
    assert [c.id for c in note.cards()] == [card_id]
    assert anki.reviews(card_id) == 1
    [after] = ok(url, "cardsInfo", cards=[card_id])
    for key in ("cardId", "note", "deckName", "interval", "reps", "due", "queue", "type"):
        assert after[key] == before[key], key
    assert after["fields"]["Back"] == {"value": "new back", "order": 1}

    [info] = ok(url, "notesInfo", notes=[nid])
    assert info == {
        "noteId": nid,
        "modelName": "Basic",
        "tags": ["a"],
        "fields": {
            "Front": {"value": "old front", "order": 0},
            "Back": {"value": "new back", "order": 1},
        },
        "cards": [card_id],
    }
    assert fails(url, "updateNoteFields", note={"id": 123, "fields": {}}) == (
        "note was not found: 123"
    )

    ok(url, "addTags", notes=[nid], tags="b c")
    assert sorted(anki.note(nid).tags) == ["a", "b", "c"]
    ok(url, "removeTags", notes=[nid], tags="a c")
    assert anki.note(nid).tags == ["b"]
    assert ok(url, "findNotes", query="tag:b") == [nid]


def test_change_deck_moves_the_cards_and_delete_notes(served: Served) -> None:
    url, anki = served
    two = {**basic("two cards"), "modelName": "Basic (and reversed card)"}
    nid = ok(url, "addNote", note=two)
    keep = ok(url, "addNote", note=basic("keep"))
    cards = sorted(ok(url, "findCards", query=f"nid:{nid}"))
    assert len(cards) == 2

    assert ok(url, "changeDeck", cards=cards[:1], deck="Moved::Here") is None
    assert "Moved::Here" in anki.deck_names()  # created on the way
    assert anki.card_decks(f"nid:{nid}") == {cards[0]: "Moved::Here", cards[1]: "Default"}
    infos = ok(url, "cardsInfo", cards=[*cards, 42])
    assert [i["deckName"] for i in infos[:2]] == ["Moved::Here", "Default"]
    assert infos[0]["note"] == nid
    assert infos[2] == {}

    assert ok(url, "deleteNotes", notes=[nid]) is None
    assert [n.id for n in anki.notes()] == [keep]
    assert anki.card_decks(f"nid:{nid}") == {}
    assert ok(url, "notesInfo", notes=[nid]) == [{}]


def test_store_media_file(served: Served, tmp_path: Path) -> None:
    url, anki = served
    data = b"\x89PNG\r\n\x1a\n not really"
    encoded = base64.b64encode(data).decode()
    assert ok(url, "storeMediaFile", filename="fg-1.png", data=encoded) == "fg-1.png"
    assert (anki.media_dir / "fg-1.png").read_bytes() == data

    source = tmp_path / "local.svg"
    source.write_text("<svg/>", encoding="utf-8")
    assert ok(url, "storeMediaFile", filename="fg-2.svg", path=str(source)) == "fg-2.svg"
    assert (anki.media_dir / "fg-2.svg").read_text(encoding="utf-8") == "<svg/>"

    # the same name again replaces the file, unless deleteExisting is false
    new = base64.b64encode(b"<svg></svg>").decode()
    assert ok(url, "storeMediaFile", filename="fg-2.svg", data=new) == "fg-2.svg"
    assert (anki.media_dir / "fg-2.svg").read_bytes() == b"<svg></svg>"
    kept = ok(url, "storeMediaFile", filename="fg-2.svg", data=encoded, deleteExisting=False)
    assert kept != "fg-2.svg"
    assert (anki.media_dir / kept).read_bytes() == data
    assert (anki.media_dir / "fg-2.svg").read_bytes() == b"<svg></svg>"
    assert "data" in fails(url, "storeMediaFile", filename="x.png")


def test_multi_answers_each_action_in_its_own_version(served: Served) -> None:
    url, anki = served
    anki.fail_action("createDeck", "collection is not available")
    actions = [
        {"action": "deckNames"},
        {"action": "deckNames", "version": 6},
        {"action": "createDeck", "version": 6, "params": {"deck": "Never"}},
        {"action": "addNote", "version": 6, "params": {"note": basic("in multi")}},
        {"action": "invalidAction", "version": 6, "params": {"useless": 1}},
    ]
    results = ok(url, "multi", actions=actions)
    assert results[0] == ["Default"]
    assert results[1] == {"result": ["Default"], "error": None}
    assert results[2] == {"result": None, "error": "collection is not available"}
    assert results[3]["error"] is None
    assert results[4] == {"result": None, "error": "unsupported action"}
    assert "Never" not in anki.deck_names()
    assert [n.id for n in anki.notes()] == [results[3]["result"]]

    assert fails(url, "createDeck", deck="Never") == "collection is not available"
    anki.clear_failures()
    ok(url, "createDeck", deck="Now")
    assert "Now" in anki.deck_names()


def test_stopped_server_refuses_then_serves_the_same_port(served: Served) -> None:
    url, anki = served
    ok(url, "createDeck", deck="Kept")
    anki.stop()
    with pytest.raises(urllib.error.URLError) as refused:
        call(url, "version")
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    anki.start()
    assert anki.url == url
    assert "Kept" in ok(url, "deckNames")
