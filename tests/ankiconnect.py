"""An AnkiConnect-protocol test server over a real `anki` collection (issue 17).

Clean-room: written from the AnkiConnect add-on's public README (its request and response
examples, parameter names and the behaviour it documents) and the `anki` package's public
Python API, not from the add-on's source code. Only the actions a sync needs are served;
any other answers ``"unsupported action"``.

What the README says that a sync implementer must know:

* A request is ``{"action", "version", "params"}``; with ``"version": 6`` the answer is
  ``{"result": ..., "error": null}`` or ``{"result": null, "error": "message"}``. Without a
  version the request counts as version 4 and the answer is the bare result, with no error.
* ``multi`` takes ``{"actions": [...]}`` and answers a list, one answer per action, each in
  the shape of *that action's own* ``version``: a sub-action without ``"version": 6`` gets a
  bare result, and its errors are lost. One failing sub-action does not fail the others.
* ``addNote`` takes deckName, modelName, fields, tags and options; there is no way to set a
  note's GUID or its modification time, so a sync must map its own ids to Anki's note ids.
* Duplicates: a new note is refused ("trigger exception") unless ``options.allowDuplicate``
  is true. ``options.duplicateScope == "deck"`` checks only the target deck (or
  ``duplicateScopeOptions.deckName``), children only with ``checkChildren``, other note
  types only with ``checkAllModels``; any other scope checks the whole collection. As Anki
  does, a duplicate is a note of the same type whose first field is the same.
* ``addNotes`` answers a list of ids with ``null`` for each note that could not be added
  (the README's documented shape, served here by default). Newer add-on versions are
  reported (issue threads) to fail the whole call instead: set
  ``AnkiConnectHandle.add_notes_all_or_nothing`` to test a client against that.
* ``importPackage`` takes a path "relative to Anki's collection.media folder, not to the
  client"; ``deleteMediaFile`` removes a media file.
* ``changeDeck`` creates the deck if missing; ``createDeck`` never overwrites a deck;
  ``storeMediaFile`` replaces a file of the same name unless ``deleteExisting`` is false.

Where the README is silent, this server's choices: an unknown note or card id in
``notesInfo``/``cardsInfo`` answers ``{}`` in its place; a field name the note type lacks is
an error in ``addNote`` and ``updateNoteFields``; a missing deck or model in ``addNote`` is
an error; ``createModel`` with an existing name is an error.
"""

from __future__ import annotations

import base64
import inspect
import json
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Literal

import anki.collection  # before anki.cards: importing that one first is a circular import
from anki.cards import CardId
from anki.consts import MODEL_CLOZE
from anki.dbproxy import DBProxy
from anki.decks import DeckId
from anki.errors import AnkiError, NotFoundError
from anki.models import NotetypeId
from anki.notes import Note, NoteFieldsCheckResult, NoteId
from anki.utils import ids2str

API_VERSION = 6
UNSUPPORTED = "unsupported action"


class ActionError(Exception):
    """An action's failure: its message becomes the answer's "error"."""


class AnkiConnectHandle:
    """The served collection, the server's switches, and helpers to assert with."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.col = anki.collection.Collection(str(root / "collection.anki2"))
        self.lock = threading.RLock()
        self.api_version = API_VERSION
        self.profile = "User 1"
        self.add_notes_all_or_nothing = False
        self.failures: dict[str, str] = {}
        self.port = 0
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.actions: dict[str, Callable[..., Any]] = {
            "version": self.version,
            "getActiveProfile": self.get_active_profile,
            "deckNames": self.deck_names_action,
            "createDeck": self.create_deck,
            "changeDeck": self.change_deck,
            "modelNames": self.model_names,
            "createModel": self.create_model,
            "updateModelTemplates": self.update_model_templates,
            "updateModelStyling": self.update_model_styling,
            "findNotes": self.find_notes,
            "findCards": self.find_cards,
            "notesInfo": self.notes_info,
            "cardsInfo": self.cards_info,
            "addNote": self.add_note,
            "addNotes": self.add_notes,
            "updateNoteFields": self.update_note_fields,
            "deleteNotes": self.delete_notes,
            "addTags": self.add_tags,
            "removeTags": self.remove_tags,
            "storeMediaFile": self.store_media_file,
            "deleteMediaFile": self.delete_media_file,
            "importPackage": self.import_package,
            "multi": self.multi,
        }

    # -- serving -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve (again) on 127.0.0.1: a free port the first time, the same port after."""
        handle = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._send(b"Anki-Connect", "text/plain")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = handle.answer(body)
                self._send(json.dumps(answer).encode("utf-8"), "application/json")

            def _send(self, data: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket: connections are refused until start()."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = self._thread = None

    def close(self) -> None:
        self.stop()
        with self.lock:
            self.col.close()

    def fail_action(self, action: str, message: str) -> None:
        """From now on `action` answers `message` as its error, inside multi too."""
        self.failures[action] = message

    def clear_failures(self) -> None:
        self.failures.clear()

    # -- the protocol --------------------------------------------------------------------

    def answer(self, body: bytes) -> Any:
        try:
            request = json.loads(body)
        except ValueError as exc:
            return {"result": None, "error": str(exc)}
        if not isinstance(request, dict):
            return {"result": None, "error": "a request is a JSON object"}
        with self.lock:
            return self.dispatch(request)

    def dispatch(self, request: dict[str, Any]) -> Any:
        version = request.get("version", 4)
        try:
            result, error = self.invoke(request.get("action"), request.get("params") or {}), None
        except Exception as exc:  # noqa: BLE001 - any failure is the answer's "error"
            result, error = None, str(exc)
        if isinstance(version, int) and version <= 4:
            return result
        return {"result": result, "error": error}

    def invoke(self, action: Any, params: dict[str, Any]) -> Any:
        if action not in self.actions:
            raise ActionError(UNSUPPORTED)
        if action in self.failures:
            raise ActionError(self.failures[action])
        method = self.actions[action]
        try:
            inspect.signature(method).bind(**params)
        except TypeError as exc:
            raise ActionError(f"{action}() {exc}") from None
        return method(**params)

    def multi(self, actions: list[dict[str, Any]]) -> list[Any]:
        return [self.dispatch(request) for request in actions]

    # -- decks and models ----------------------------------------------------------------

    def version(self) -> int:
        return self.api_version

    def get_active_profile(self) -> str:
        """The README's ``getActiveProfile``: the name of the profile Anki has open."""
        return self.profile

    def deck_names_action(self) -> list[str]:
        return [d.name for d in self.col.decks.all_names_and_ids()]

    def create_deck(self, deck: str) -> int:
        return int(self.col.decks.id(deck, create=True) or 0)

    def change_deck(self, cards: list[int], deck: str) -> None:
        self.col.set_deck(_card_ids(cards), self.create_deck(deck))

    def model_names(self) -> list[str]:
        return [m.name for m in self.col.models.all_names_and_ids()]

    def _model(self, name: str) -> dict[str, Any]:
        model = self.col.models.by_name(name)
        if model is None:
            raise ActionError(f"model was not found: {name}")
        return model

    def create_model(
        self,
        modelName: str,  # noqa: N803 (the README's parameter names)
        inOrderFields: list[str],  # noqa: N803
        cardTemplates: list[dict[str, str]],  # noqa: N803
        css: str | None = None,
        isCloze: bool = False,  # noqa: N803
    ) -> dict[str, Any]:
        models = self.col.models
        if models.by_name(modelName) is not None:
            raise ActionError(f"model name already exists: {modelName}")
        model = models.new(modelName)
        if isCloze:
            model["type"] = MODEL_CLOZE
        if css is not None:
            model["css"] = css
        for name in inOrderFields:
            models.add_field(model, models.new_field(name))
        for number, spec in enumerate(cardTemplates, start=1):
            template = models.new_template(spec.get("Name") or f"Card {number}")
            template["qfmt"], template["afmt"] = spec["Front"], spec["Back"]
            models.add_template(model, template)
        models.add_dict(model)
        return self._model(modelName)

    def update_model_templates(self, model: dict[str, Any]) -> None:
        stored = self._model(model["name"])
        by_name = {t["name"]: t for t in stored["tmpls"]}
        for name, sides in model["templates"].items():
            if name not in by_name:
                raise ActionError(f"template was not found: {name}")
            if "Front" in sides:
                by_name[name]["qfmt"] = sides["Front"]
            if "Back" in sides:
                by_name[name]["afmt"] = sides["Back"]
        self.col.models.update_dict(stored)

    def update_model_styling(self, model: dict[str, Any]) -> None:
        stored = self._model(model["name"])
        stored["css"] = model["css"]
        self.col.models.update_dict(stored)

    # -- notes and cards -----------------------------------------------------------------

    def find_notes(self, query: str) -> list[int]:
        return [int(n) for n in self.col.find_notes(query)]

    def find_cards(self, query: str) -> list[int]:
        return [int(c) for c in self.col.find_cards(query)]

    def _note(self, nid: int) -> Note:
        try:
            return self.col.get_note(NoteId(int(nid)))
        except NotFoundError:
            raise ActionError(f"note was not found: {nid}") from None

    def notes_info(self, notes: list[int]) -> list[dict[str, Any]]:
        infos: list[dict[str, Any]] = []
        for nid in notes:
            try:
                note = self._note(nid)
            except ActionError:
                infos.append({})
                continue
            infos.append(
                {
                    "noteId": note.id,
                    "modelName": note.note_type()["name"],  # type: ignore[index]
                    "tags": list(note.tags),
                    "fields": _fields(note),
                    "cards": [int(c) for c in note.card_ids()],
                }
            )
        return infos

    def cards_info(self, cards: list[int]) -> list[dict[str, Any]]:
        infos: list[dict[str, Any]] = []
        for cid in cards:
            try:
                card = self.col.get_card(CardId(int(cid)))
            except NotFoundError:
                infos.append({})
                continue
            note, model = card.note(), card.note_type()
            infos.append(
                {
                    "cardId": card.id,
                    "note": note.id,
                    "deckName": self.col.decks.name(card.did),
                    "modelName": model["name"],
                    "question": card.question(),
                    "answer": card.answer(),
                    "css": model["css"],
                    "fields": _fields(note),
                    "fieldOrder": card.ord,
                    "ord": card.ord,
                    "interval": card.ivl,
                    "factor": card.factor,
                    "type": int(card.type),
                    "queue": int(card.queue),
                    "due": card.due,
                    "reps": card.reps,
                    "lapses": card.lapses,
                    "left": card.left,
                    "mod": card.mod,
                }
            )
        return infos

    def _set_fields(self, note: Note, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            if name not in note:
                raise ActionError(f"field not in note type: {name}")
            note[name] = value

    def add_note(self, note: dict[str, Any]) -> int:
        for media in ("audio", "video", "picture"):
            if note.get(media):
                raise ActionError(f"{media} is not served by this test server")
        model = self._model(note["modelName"])
        did = self.col.decks.id_for_name(note["deckName"])
        if did is None:
            raise ActionError(f"deck was not found: {note['deckName']}")
        new = self.col.new_note(model)
        self._set_fields(new, note.get("fields", {}))
        new.tags = list(note.get("tags") or [])
        if new.fields_check() == NoteFieldsCheckResult.EMPTY:
            raise ActionError("cannot create note because it is empty")
        options = note.get("options") or {}
        if not options.get("allowDuplicate") and self._is_duplicate(new, did, options):
            raise ActionError("cannot create note because it is a duplicate")
        self.col.add_note(new, did)
        return int(new.id)

    def _is_duplicate(self, note: Note, did: DeckId, options: dict[str, Any]) -> bool:
        """The README's rule, with Anki's own `dupe:` search (same first field, HTML aside):
        same note type unless checkAllModels, anywhere unless duplicateScope is "deck"."""
        scope = options.get("duplicateScopeOptions") or {}
        mids = [note.mid]
        if scope.get("checkAllModels"):
            mids = [NotetypeId(m.id) for m in self.col.models.all_names_and_ids()]
        nids: set[int] = set()
        for mid in mids:
            dupe = anki.collection.SearchNode.Dupe(notetype_id=mid, first_field=note.fields[0])
            nids.update(
                self.col.find_notes(
                    self.col.build_search_string(anki.collection.SearchNode(dupe=dupe))
                )
            )
        if nids and options.get("duplicateScope") == "deck":
            if scope.get("deckName"):
                did = self.col.decks.id_for_name(scope["deckName"]) or DeckId(0)
            dids = self.col.decks.deck_and_child_ids(did) if scope.get("checkChildren") else [did]
            in_deck = f"select nid from cards where did in {ids2str(dids)} and nid in {{}}"
            return bool(self._db.list(in_deck.format(ids2str(nids))))
        return bool(nids)

    def add_notes(self, notes: list[dict[str, Any]]) -> list[int | None]:
        ids: list[int | None] = []
        errors: list[str] = []
        for note in notes:
            try:
                ids.append(self.add_note(note))
            except (ActionError, AnkiError) as exc:
                ids.append(None)
                errors.append(str(exc))
        if errors and self.add_notes_all_or_nothing:
            self.col.remove_notes(_note_ids(nid for nid in ids if nid is not None))
            raise ActionError(str(errors))
        return ids

    def update_note_fields(self, note: dict[str, Any]) -> None:
        stored = self._note(note["id"])
        self._set_fields(stored, note.get("fields", {}))
        self.col.update_note(stored)

    def delete_notes(self, notes: list[int]) -> None:
        self.col.remove_notes(_note_ids(notes))

    def add_tags(self, notes: list[int], tags: str) -> None:
        self.col.tags.bulk_add(_note_ids(notes), tags)

    def remove_tags(self, notes: list[int], tags: str) -> None:
        self.col.tags.bulk_remove(_note_ids(notes), tags)

    # -- media ---------------------------------------------------------------------------

    def store_media_file(
        self,
        filename: str,
        data: str | None = None,
        path: str | None = None,
        url: str | None = None,
        deleteExisting: bool = True,  # noqa: N803
    ) -> str:
        if data is not None:
            content = base64.b64decode(data)
        elif path is not None:
            content = Path(path).read_bytes()
        elif url is not None:
            with urllib.request.urlopen(url, timeout=10) as response:
                content = response.read()
        else:
            raise ActionError('storeMediaFile needs one of "data", "path" or "url"')
        if deleteExisting and (self.media_dir / filename).exists():
            self.col.media.trash_files([filename])
        return self.col.media.write_data(filename, content)

    def delete_media_file(self, filename: str) -> None:
        self.col.media.trash_files([filename])

    def import_package(self, path: str) -> bool:
        """The README: imports an .apkg, its path "relative to Anki's collection.media
        folder, not to the client" (an absolute path stays as it is)."""
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        request = ImportAnkiPackageRequest(
            package_path=str(self.media_dir / path), options=ImportAnkiPackageOptions()
        )
        self.col.import_anki_package(request)
        return True

    # -- helpers for assertions ----------------------------------------------------------

    @property
    def _db(self) -> DBProxy:
        assert self.col.db is not None
        return self.col.db

    @property
    def media_dir(self) -> Path:
        return Path(self.col.media.dir())

    def notes(self, query: str = "") -> list[Note]:
        with self.lock:
            return [self.col.get_note(nid) for nid in sorted(self.col.find_notes(query))]

    def note(self, nid: int) -> Note:
        with self.lock:
            return self._note(nid)

    def card_decks(self, query: str = "") -> dict[int, str]:
        """Card id -> the name of the deck the card is in, for the cards `query` finds."""
        with self.lock:
            return {
                int(cid): self.col.decks.name(self.col.get_card(cid).did)
                for cid in sorted(self.col.find_cards(query))
            }

    def deck_names(self) -> list[str]:
        with self.lock:
            return sorted(self.deck_names_action())

    def model(self, name: str) -> dict[str, Any] | None:
        with self.lock:
            return self.col.models.by_name(name)

    def answer_cards(self, query: str = "", ease: Literal[1, 2, 3, 4] = 3) -> int:
        """Answer every card `query` finds once, as a student would (3: "Good")."""
        with self.lock:
            cids = self.col.find_cards(query)
            for cid in cids:
                card = self.col.get_card(cid)
                card.start_timer()
                self.col.sched.answerCard(card, ease)
            return len(cids)

    def reviews(self, card_id: int) -> int:
        """How many reviews the collection's revlog holds for a card."""
        with self.lock:
            return int(self._db.scalar("select count() from revlog where cid = ?", card_id))


def _note_ids(ids: Iterable[int]) -> list[NoteId]:
    return [NoteId(int(i)) for i in ids]


def _card_ids(ids: Iterable[int]) -> list[CardId]:
    return [CardId(int(i)) for i in ids]


def _fields(note: Note) -> dict[str, dict[str, Any]]:
    return {name: {"value": value, "order": i} for i, (name, value) in enumerate(note.items())}


@contextmanager
def ankiconnect_server(tmp_path: Path) -> Iterator[tuple[str, AnkiConnectHandle]]:
    """Serve a fresh collection under `tmp_path`: yields (url, handle)."""
    handle = AnkiConnectHandle(tmp_path / "ankiconnect")
    handle.start()
    try:
        yield handle.url, handle
    finally:
        handle.close()
