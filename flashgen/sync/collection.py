"""The collection target: a student's `collection.anki2`, changed with the `anki` package
while Anki is closed.

Notes are found by GUID (flashgen's own, set when a note is added), and only notes of
flashgen's note types are ever read or written. The collection is copied beside itself
before the first change (the last `BACKUPS` copies kept).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flashgen import anki as fg_anki
from flashgen.errors import FlashgenError
from flashgen.gather import ProgressFn
from flashgen.identity import LockEntry
from flashgen.sync.changes import Applied
from flashgen.sync.plan import Recorder, SyncPlan

if TYPE_CHECKING:
    from anki.cards import CardId
    from anki.collection import Collection
    from anki.decks import DeckId
    from anki.models import NotetypeDict
    from anki.notes import NoteId

BACKUPS = 3
"""How many backups of the collection a sync keeps."""
CHUNK = 1000
"""Notes per operation: each is recorded in the lock once its operation is done."""
"""How many backups of the collection a sync keeps."""


def target_id(path: Path) -> str:
    return f"collection:{path.resolve()}"


def _open_error(path: Path) -> FlashgenError:
    return FlashgenError(
        f"{path} is open in Anki (or another program): close Anki and sync again; "
        "nothing was changed"
    )


def check_closed(path: Path) -> None:
    """Stop, before anything is built or written, unless `path` is a collection that no
    program holds open. Anki holds its collection's SQLite database locked while it is
    open; a plain read finds that out without changing the file (no `anki` import)."""
    if not path.is_file():
        raise FlashgenError(f"no Anki collection at {path}: give the path of a collection.anki2")
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=0)
    except sqlite3.Error as exc:
        raise FlashgenError(f"cannot open the Anki collection {path}: {exc}") from exc
    try:
        conn.execute("select count() from col").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise _open_error(path) from exc
        raise FlashgenError(f"{path} is not an Anki collection ({exc})") from exc
    except sqlite3.DatabaseError as exc:
        raise FlashgenError(f"{path} is not an Anki collection ({exc})") from exc
    finally:
        conn.close()


def open_collection(path: Path) -> Collection:
    """The collection at `path`; a clear error when it is missing or open in Anki."""
    if not path.is_file():
        raise FlashgenError(f"no Anki collection at {path}: give the path of a collection.anki2")
    import anki.collection
    from anki.errors import DBError

    try:
        return anki.collection.Collection(str(path))
    except DBError as exc:
        if "already open" in str(exc):
            raise _open_error(path) from exc
        raise FlashgenError(f"cannot open the Anki collection {path}: {exc}") from exc
    except Exception as exc:
        raise FlashgenError(f"cannot open the Anki collection {path}: {exc}") from exc


def backup(path: Path, keep: int = BACKUPS) -> Path:
    """Copy the collection to `<name>.flashgen-YYYYmmdd-HHMMSS.bak` beside it; keep the
    last `keep` such copies."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    copy = path.with_name(f"{path.name}.flashgen-{stamp}.bak")
    n = 1
    while copy.exists():
        n += 1
        copy = path.with_name(f"{path.name}.flashgen-{stamp}-{n}.bak")
    try:
        shutil.copy2(path, copy)
    except OSError as exc:
        raise FlashgenError(
            f"cannot back up {path} to {copy}: {exc.strerror}; nothing was changed"
        ) from exc
    old = sorted(
        path.parent.glob(f"{path.name}.flashgen-*.bak"), key=lambda p: p.stat().st_mtime_ns
    )
    for stale in old[:-keep]:
        stale.unlink(missing_ok=True)
    return copy


def apply(
    path: Path,
    plan: SyncPlan,
    recorder: Recorder,
    progress: ProgressFn | None = None,
) -> Applied:
    """Apply `plan` to the collection at `path`, recording each change as it is made."""
    col = open_collection(path)
    done = Applied()
    try:
        done.backup = backup(path)
        _Writer(col, recorder, done, _ticker(progress, plan.changes)).run(plan)
    except (FlashgenError, KeyboardInterrupt):
        raise
    except Exception as exc:
        # The anki package's errors (a full disk, a damaged collection): what was applied
        # is recorded in the lock all the same (see `flashgen.sync.sync`).
        raise FlashgenError(
            f"the sync into {path} stopped: {exc or type(exc).__name__}; what was applied "
            f"is recorded in the lock, and the collection as it was is in {done.backup}"
        ) from exc
    finally:
        col.close()
    return done


def _ticker(progress: ProgressFn | None, total: int) -> Callable[[], None]:
    count = [0]

    def tick() -> None:
        count[0] += 1
        if progress is not None:
            progress("Syncing", count[0], total)

    return tick


class _Writer:
    """One sync's changes to one open collection."""

    def __init__(
        self, col: Collection, recorder: Recorder, done: Applied, tick: Callable[[], None]
    ) -> None:
        self.col = col
        self.recorder = recorder
        self.done = done
        self.tick = tick
        self.kinds: dict[fg_anki.ModelName, NotetypeDict] = {}
        self.decks: dict[str, DeckId] = {}

    def run(self, plan: SyncPlan) -> None:
        for model in plan.notetypes:
            self.install(model)
            self.tick()
        for name, file in plan.media.items():
            self.col.media.write_data(name, file.read_bytes())
            self.recorder.stored(name)
            self.done.media += 1
        held = self.held()
        # A card to add that the collection already has (an imported package's note, or a
        # record lost) is updated in place instead.
        changes: list[tuple[LockEntry, str | None]] = [(e, None) for e in plan.add]
        changes += [(u.entry, u.held.deck) for u in plan.update]
        for start in range(0, len(changes), CHUNK):
            chunk = changes[start : start + CHUNK]
            self.add([e for e, _ in chunk if e.guid not in held])
            self.update([(e, was, held[e.guid]) for e, was in chunk if e.guid in held])
        for start in range(0, len(plan.delete), CHUNK):
            batch = plan.delete[start : start + CHUNK]
            nids = [held[d.guid] for d in batch if d.guid in held]
            if nids:
                self.col.remove_notes(nids)
            for d in batch:
                self.recorder.dropped(d.guid)
                self.done.deleted += 1
                self.done.card("deleted", d.held.deck, d.entry.front if d.entry else d.guid)
                self.tick()
        for guid in plan.forget:
            self.recorder.dropped(guid)

    # -- note types ----------------------------------------------------------------------

    def notetype(self, model: fg_anki.ModelName) -> NotetypeDict | None:
        """flashgen's note type in the collection: by flashgen's id (what an imported
        package or a sync adds), else by name (one added some other way, as AnkiConnect's
        createModel does: Anki chose its id). Its fields must be flashgen's."""
        if model in self.kinds:
            return self.kinds[model]
        from anki.models import NotetypeId

        found = self.col.models.get(NotetypeId(fg_anki.MODEL_IDS[model]))
        if found is None:
            found = self.col.models.by_name(fg_anki.MODEL_NAMES[model])
        if found is not None:
            fields = tuple(f["name"] for f in found["flds"])
            if fields != _fields(model):
                raise FlashgenError(
                    f'the note type "{found["name"]}" in the collection has the fields '
                    f"{', '.join(fields)}, not flashgen's: rename it in Anki (Tools → Manage "
                    "Note Types) and sync again"
                )
            self.kinds[model] = found
        return found

    def import_notetype(self, model: fg_anki.ModelName) -> None:
        """Add flashgen's note type with flashgen's id, by importing a package that holds
        it (then deleting the package's one placeholder note): a package built later then
        updates these notes, where a note type with another id would make Anki add
        "flashgen Basic+" beside it."""
        import tempfile

        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        with tempfile.TemporaryDirectory(prefix="flashgen-sync-") as tmp:
            package = Path(tmp) / "notetype.apkg"
            fg_anki.write_notetype_package(package, model)
            self.col.import_anki_package(
                ImportAnkiPackageRequest(
                    package_path=str(package), options=ImportAnkiPackageOptions()
                )
            )
        assert self.col.db is not None
        placeholder = self.col.db.list(
            "select id from notes where guid = ?", fg_anki.PLACEHOLDER_GUID
        )
        if placeholder:
            self.col.remove_notes(placeholder)
        self.kinds.pop(model, None)

    def install(self, model: fg_anki.ModelName) -> NotetypeDict:
        """Add the note type, or bring its CSS and templates up to date (fields never change)."""
        models = self.col.models
        spec = fg_anki.notetype_spec(model)
        found = self.notetype(model)
        if found is None:
            self.import_notetype(model)
            found = self.notetype(model)
            if found is None:
                raise FlashgenError(f"could not add the note type {spec.name} to the collection")
        if found["css"] != spec.css or _templates(found) != _templates(spec):
            by_name = {t["name"]: t for t in found["tmpls"]}
            for tmpl in spec.templates:
                if tmpl["name"] in by_name:
                    by_name[tmpl["name"]]["qfmt"] = tmpl["qfmt"]
                    by_name[tmpl["name"]]["afmt"] = tmpl["afmt"]
            found["css"] = spec.css
            models.update_dict(found)
            self.kinds.pop(model, None)
        installed = self.notetype(model)
        assert installed is not None
        self.recorder.notetype(model)
        self.done.notetypes += 1
        return installed

    # -- notes ---------------------------------------------------------------------------

    def held(self) -> dict[str, NoteId]:
        """flashgen's notes in the collection by GUID: only notes of its note types (a
        note of another type with the same GUID is the student's: never touched)."""
        from anki.notes import NoteId

        mids = [k["id"] for k in (self.notetype("basic"), self.notetype("cloze")) if k]
        if not mids:
            return {}
        assert self.col.db is not None
        rows = self.col.db.all(f"select guid, id from notes where mid in {_ids(mids)}")
        return {str(guid): NoteId(nid) for guid, nid in rows}

    def deck(self, name: str) -> DeckId:
        from anki.decks import DeckId

        did = self.decks.get(name)
        if did is None:
            did = self.decks[name] = DeckId(self.col.decks.id(name, create=True) or 0)
        return did

    def add(self, entries: Sequence[LockEntry]) -> None:
        """Add the cards' notes, with flashgen's GUIDs, in one operation."""
        if not entries:
            return
        from anki.collection import AddNoteRequest

        requests = []
        for entry in entries:
            note = self.col.new_note(self.kind(entry))
            note.guid = entry.guid
            note.fields = list(entry.fields)
            note.tags = list(entry.tags)
            requests.append(AddNoteRequest(note, self.deck(entry.deck)))
        self.col.add_notes(requests)
        for entry in entries:
            self.recorder.held(entry)
            self.done.added += 1
            self.done.card("added", entry.deck, entry.front)
            self.tick()

    def update(self, items: Sequence[tuple[LockEntry, str | None, NoteId]]) -> None:
        """Update the notes in place (same notes and cards: review history kept), then move
        the cards that are not in their note's deck."""
        if not items:
            return
        notes = []
        for entry, _, nid in items:
            note = self.col.get_note(nid)
            note.fields = list(entry.fields)
            note.tags = list(entry.tags)
            notes.append(note)
        self.col.update_notes(notes)
        assert self.col.db is not None
        want = {int(nid): self.deck(entry.deck) for entry, _, nid in items}
        away: dict[DeckId, list[CardId]] = {}
        for cid, nid, did in self.col.db.all(
            f"select id, nid, did from cards where nid in {_ids(want)}"
        ):
            if did != want[nid]:
                away.setdefault(want[nid], []).append(cid)
        for did, cids in away.items():
            self.col.set_deck(cids, did)
        for entry, was, _ in items:
            if entry.state == "removed":
                self.done.tagged += 1
                self.done.card("tagged flashgen::removed", entry.deck, entry.front)
            elif was is not None and was != entry.deck:
                self.done.moved += 1
                self.done.card("moved", entry.deck, entry.front, was)
            else:
                self.done.updated += 1
                self.done.card("updated", entry.deck, entry.front)
            self.recorder.held(entry)
            self.tick()

    def kind(self, entry: LockEntry) -> NotetypeDict:
        model: fg_anki.ModelName = "cloze" if entry.model == "cloze" else "basic"
        return self.notetype(model) or self.install(model)


def _templates(kind: NotetypeDict | fg_anki.NotetypeSpec) -> list[tuple[str, str, str]]:
    tmpls = kind.templates if isinstance(kind, fg_anki.NotetypeSpec) else kind["tmpls"]
    return [(t["name"], t["qfmt"], t["afmt"]) for t in tmpls]


def _ids(ids: Iterable[int]) -> str:
    """An SQL list of integer ids: `(1,2,3)`."""
    return "(" + ",".join(str(int(i)) for i in ids) + ")"


def _fields(model: fg_anki.ModelName) -> tuple[str, ...]:
    return fg_anki.notetype_spec(model).fields


class CollectionTarget:
    """A collection file, opened with the `anki` package (Anki must be closed)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def name(self) -> str:
        return str(self.path)

    def target_id(self) -> str:
        check_closed(self.path)
        return target_id(self.path)

    def apply(self, plan: SyncPlan, recorder: Recorder, progress: ProgressFn | None) -> Applied:
        return apply(self.path, plan, recorder, progress)
