"""The AnkiConnect target: a running Anki, changed through the AnkiConnect add-on's API
(version 6, https://foosoft.net/projects/anki-connect/), batched with `multi`.

AnkiConnect cannot add a note with a given GUID, nor find one by it: the lock keeps, per
target, the Anki note id of each note a sync added (`Held.nid`). Each sub-action of a
`multi` carries `"version": 6`, so each answers its own error; every change is recorded as
it succeeds, and the first error stops the sync with a message naming the action.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flashgen import anki as fg_anki
from flashgen.errors import FlashgenError
from flashgen.gather import ProgressFn
from flashgen.identity import LockEntry
from flashgen.sync.changes import Applied
from flashgen.sync.plan import Recorder, SyncPlan

DEFAULT_URL = "http://127.0.0.1:8765"
API_VERSION = 6
BATCH = 100
"""Actions per `multi` request."""
TIMEOUT = 60.0


class AnkiConnectError(FlashgenError):
    """An action AnkiConnect refused, or no answer at all."""


@dataclass(frozen=True, slots=True)
class Action:
    """One AnkiConnect action, and what to do when it succeeds."""

    action: str
    params: Mapping[str, Any]
    what: str
    """What the action was for, in the error message."""
    done: Callable[[Any], None] = field(default=lambda result: None)


class AnkiConnectTarget:
    """Anki through AnkiConnect at `url` (Anki running, the add-on installed)."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        self.profile = ""

    @property
    def name(self) -> str:
        return f"AnkiConnect at {self.url}"

    # -- the protocol --------------------------------------------------------------------

    def post(self, payload: Mapping[str, Any]) -> Any:
        """One request; its decoded answer. A clear error when nothing answers."""
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, OSError):
                reason = reason.strerror or str(reason)
            raise AnkiConnectError(
                f"cannot reach AnkiConnect at {self.url} ({reason}): start Anki with the "
                "AnkiConnect add-on, or give its address with --anki-connect URL; nothing "
                "was changed in Anki"
            ) from exc
        except (OSError, ValueError) as exc:
            raise AnkiConnectError(
                f"no AnkiConnect answer from {self.url} ({exc}); nothing was changed in Anki"
            ) from exc

    def call(self, action: str, what: str = "", **params: Any) -> Any:
        """One action's result; an AnkiConnectError naming it when it fails."""
        answer = self.post({"action": action, "version": API_VERSION, "params": params})
        return _result(action, what, answer)

    def target_id(self) -> str:
        answer = self.post({"action": "version", "version": API_VERSION})
        version = answer.get("result") if isinstance(answer, dict) else answer
        if not isinstance(version, int) or version < API_VERSION:
            raise AnkiConnectError(
                f"AnkiConnect at {self.url} speaks API version {version}; flashgen needs "
                f"version {API_VERSION}: update the AnkiConnect add-on"
            )
        try:
            self.profile = str(self.call("getActiveProfile"))
        except AnkiConnectError:  # an add-on too old to say: one record per address
            self.profile = ""
        return f"ankiconnect:{self.url}#{self.profile}"

    def run(self, actions: Sequence[Action]) -> None:
        """The actions in `multi` batches, each one's `done` called as it succeeds; the
        first failure raises once its batch is recorded."""
        for start in range(0, len(actions), BATCH):
            batch = actions[start : start + BATCH]
            answers = self.call(
                "multi",
                actions=[
                    {"action": a.action, "version": API_VERSION, "params": dict(a.params)}
                    for a in batch
                ],
            )
            if not isinstance(answers, list) or len(answers) != len(batch):
                raise AnkiConnectError(f"AnkiConnect at {self.url} answered multi wrongly")
            failed: AnkiConnectError | None = None
            for action, answer in zip(batch, answers, strict=True):
                try:
                    result = _result(action.action, action.what, answer)
                except AnkiConnectError as exc:
                    failed = failed or exc
                    continue
                action.done(result)
            if failed is not None:
                raise failed

    # -- a sync --------------------------------------------------------------------------

    def apply(self, plan: SyncPlan, recorder: Recorder, progress: ProgressFn | None) -> Applied:
        return _Sync(self, plan, recorder, progress).run()


def _result(action: str, what: str, answer: Any) -> Any:
    if not isinstance(answer, dict) or "error" not in answer:
        raise AnkiConnectError(f"AnkiConnect answered {action} without an error field")
    if answer["error"] is not None:
        about = f" ({what})" if what else ""
        raise AnkiConnectError(
            f"AnkiConnect refused {action}{about}: {answer['error']}; the changes before it "
            "are applied and recorded in the lock: fix this and sync again"
        )
    return answer.get("result")


class _Sync:
    """One sync through AnkiConnect."""

    def __init__(
        self,
        conn: AnkiConnectTarget,
        plan: SyncPlan,
        recorder: Recorder,
        progress: ProgressFn | None,
    ) -> None:
        self.conn = conn
        self.plan = plan
        self.recorder = recorder
        self.progress = progress
        self.done = Applied()
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress("Syncing", self.count, self.plan.changes)

    def run(self) -> Applied:
        plan = self.plan
        self.notetypes()
        decks = {e.deck for e in plan.add} | {u.entry.deck for u in plan.update}
        have = set(self.conn.call("deckNames"))
        self.conn.run(
            [Action("createDeck", {"deck": d}, f'deck "{d}"') for d in sorted(decks - have)]
        )
        self.conn.run([self._media(name, path) for name, path in plan.media.items()])
        # An update whose note is gone from Anki (deleted there) is added again.
        nids = [u.held.nid for u in plan.update if u.held.nid is not None]
        infos = self._infos(nids)
        again = [u.entry for u in plan.update if infos.get(u.held.nid or 0) is None]
        self.conn.run([self._add(e) for e in (*plan.add, *again)])
        updates: list[Action] = []
        for u in plan.update:
            info = infos.get(u.held.nid or 0)
            if info is not None:
                updates.extend(self._update(u.entry, u.held.deck, info))
        self.conn.run(updates)
        self.conn.run(self._deletes())
        for guid in plan.forget:
            self.recorder.dropped(guid)
        return self.done

    def notetypes(self) -> None:
        names = set(self.conn.call("modelNames"))
        wanted = set(self.plan.notetypes)
        used = {e.model for e in self.plan.add} | {u.entry.model for u in self.plan.update}
        wanted.update(
            m for m in fg_anki.MODEL_NAMES if m in used and fg_anki.MODEL_NAMES[m] not in names
        )
        actions: list[Action] = []
        for model in sorted(wanted):
            spec = fg_anki.notetype_spec(model)
            if spec.name not in names:
                self.import_notetype(model)
            templates = {t["name"]: {"Front": t["qfmt"], "Back": t["afmt"]} for t in spec.templates}
            what = f'note type "{spec.name}"'
            actions.append(
                Action(
                    "updateModelTemplates",
                    {"model": {"name": spec.name, "templates": templates}},
                    what,
                )
            )
            actions.append(
                Action(
                    "updateModelStyling",
                    {"model": {"name": spec.name, "css": spec.css}},
                    what,
                    self._notetype_done(model),
                )
            )
        self.conn.run(actions)

    def import_notetype(self, model: fg_anki.ModelName) -> None:
        """Add flashgen's note type with flashgen's id: `createModel` would let Anki choose
        one, and a package built later would then make Anki add "flashgen Basic+". So a
        package holding the note type (and one placeholder note) is stored in the media
        folder, imported (`importPackage`), and then it and its note are deleted."""
        import tempfile
        from pathlib import Path

        spec = fg_anki.notetype_spec(model)
        name = f"_flashgen-note-type-{model}.apkg"
        with tempfile.TemporaryDirectory(prefix="flashgen-sync-") as tmp:
            package = Path(tmp) / name
            fg_anki.write_notetype_package(package, model)
            data = base64.b64encode(package.read_bytes()).decode("ascii")
        what = f'note type "{spec.name}"'
        self.conn.call("storeMediaFile", what, filename=name, data=data)
        try:
            self.conn.call("importPackage", what, path=name)
        finally:
            self.conn.call("deleteMediaFile", what, filename=name)
        query = f'"note:{spec.name}" {fg_anki.PLACEHOLDER_TEXT}'
        placeholder = self.conn.call("findNotes", what, query=query)
        if placeholder:
            self.conn.call("deleteNotes", what, notes=placeholder)

    def _notetype_done(self, model: fg_anki.ModelName) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            self.recorder.notetype(model)
            self.done.notetypes += 1
            self.tick()

        return done

    def _media(self, name: str, path: Any) -> Action:
        def done(result: Any) -> None:
            self.recorder.stored(name)
            self.done.media += 1

        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return Action("storeMediaFile", {"filename": name, "data": data}, f"image {name}", done)

    def _infos(self, nids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """notesInfo of each note that still exists, by id."""
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(nids), BATCH * 10):
            chunk = list(nids[start : start + BATCH * 10])
            for nid, info in zip(chunk, self.conn.call("notesInfo", notes=chunk), strict=True):
                if isinstance(info, dict) and info.get("noteId") == nid:
                    out[nid] = info
        return out

    def _add(self, entry: LockEntry) -> Action:
        spec = fg_anki.notetype_spec("cloze" if entry.model == "cloze" else "basic")

        def done(result: Any) -> None:
            self.recorder.held(entry, int(result))
            self.done.added += 1
            self.done.card("added", entry.deck, entry.front)
            self.tick()

        note = {
            "deckName": entry.deck,
            "modelName": spec.name,
            "fields": dict(zip(spec.fields, entry.fields, strict=True)),
            "tags": list(entry.tags),
            # flashgen tells notes apart by its lock, not by their first field
            "options": {"allowDuplicate": True},
        }
        return Action("addNote", {"note": note}, f'card "{entry.front}" in {entry.deck}', done)

    def _update(self, entry: LockEntry, was: str, info: Mapping[str, Any]) -> list[Action]:
        """The actions that bring one note up to date; the last records it."""
        nid = int(info["noteId"])
        spec = fg_anki.notetype_spec("cloze" if entry.model == "cloze" else "basic")
        what = f'card "{entry.front}" in {entry.deck}'
        fields = dict(zip(spec.fields, entry.fields, strict=True))
        actions = [Action("updateNoteFields", {"note": {"id": nid, "fields": fields}}, what)]
        tags = set(info.get("tags") or ())
        extra, missing = sorted(tags - set(entry.tags)), sorted(set(entry.tags) - tags)
        if extra:
            actions.append(Action("removeTags", {"notes": [nid], "tags": " ".join(extra)}, what))
        if missing:
            actions.append(Action("addTags", {"notes": [nid], "tags": " ".join(missing)}, what))
        moved = was != entry.deck
        if moved:
            cards = [int(c) for c in info.get("cards") or ()]
            actions.append(Action("changeDeck", {"cards": cards, "deck": entry.deck}, what))

        def done(result: Any) -> None:
            self.recorder.held(entry, nid)
            if entry.state == "removed":
                self.done.tagged += 1
                self.done.card("tagged flashgen::removed", entry.deck, entry.front)
            elif moved:
                self.done.moved += 1
                self.done.card("moved", entry.deck, entry.front, was)
            else:
                self.done.updated += 1
                self.done.card("updated", entry.deck, entry.front)
            self.tick()

        # Recorded once every one of the note's actions succeeded; otherwise the next sync
        # does them all again (each is idempotent).
        return _all_or_nothing(actions, done)

    def _deletes(self) -> list[Action]:
        actions: list[Action] = []
        for d in self.plan.delete:
            front = d.entry.front if d.entry else d.guid

            def done(
                result: Any, guid: str = d.guid, deck: str = d.held.deck, f: str = front
            ) -> None:
                self.recorder.dropped(guid)
                self.done.deleted += 1
                self.done.card("deleted", deck, f)
                self.tick()

            if d.held.nid is None:
                done(None)  # never known to AnkiConnect: nothing to delete there
                continue
            actions.append(Action("deleteNotes", {"notes": [d.held.nid]}, f'card "{front}"', done))
        return actions


def _all_or_nothing(actions: list[Action], done: Callable[[Any], None]) -> list[Action]:
    """`actions` whose last one calls `done` only when every one of them succeeded."""
    ok = [False] * len(actions)

    def mark(i: int) -> Callable[[Any], None]:
        def call(result: Any) -> None:
            ok[i] = True
            if all(ok):
                done(result)

        return call

    return [Action(a.action, a.params, a.what, mark(i)) for i, a in enumerate(actions)]
