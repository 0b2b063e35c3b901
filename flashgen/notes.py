"""Read one note file: bytes → text → frontmatter + body, or a Problem saying why not."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import yaml

from flashgen.cards import Note, Problem, SourceRef

_FRONTMATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_MAX_ALIASES = 50
_KEY_LINE = re.compile(r"^([^\s#:][^:]*?)\s*:", re.MULTILINE)
DEFAULT_MAX_NOTE_BYTES = 10 * 1024 * 1024
"""Notes larger than this are skipped with a warning (pasted logs, exports)."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
"""YAML 1.2's booleans: YAML 1.1 also reads yes/no/on/off/y/n as booleans, so `tags: [on]`
would be the tag `True`; those stay the text the student wrote."""


def _yaml12_booleans(loader: type[yaml.SafeLoader | yaml.CSafeLoader]) -> None:
    """Make only true/false booleans for `loader` (a subclass: SafeLoader stays as it is)."""
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
        for first, resolvers in loader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(_BOOL_TAG, _BOOL, list("tTfF"))


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses YAML alias bombs ("billion laughs"), with YAML 1.2 booleans."""

    _alias_count = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._alias_count += 1
            if self._alias_count > _MAX_ALIASES:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {_MAX_ALIASES} YAML aliases", event.start_mark
                )
        return super().compose_node(parent, index)


_yaml12_booleans(_BoundedLoader)

_FAST_LOADER: type[yaml.CSafeLoader] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's SafeLoader with the same booleans as `_BoundedLoader`."""

    _yaml12_booleans(_FastLoader)
    _FAST_LOADER = _FastLoader


def _load_yaml(text: str) -> object:
    """Frontmatter YAML: libyaml when there can be no alias (no `*`), else the alias-bounded
    pure-Python loader; errors always come from the latter, so messages do not depend on
    whether libyaml is installed."""
    if _FAST_LOADER is not None and "*" not in text:
        try:
            return yaml.load(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_BoundedLoader)


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def decode(raw: bytes, display: str) -> tuple[str | None, Problem | None]:
    """Bytes to text with normalised newlines, or a Problem naming the offending line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(raw.decode("utf-16")), None
        except UnicodeDecodeError:
            return None, Problem(SourceRef(display, 1), "not valid UTF-16; note skipped", "error")
    if b"\x00" in raw[:8192]:
        return None, Problem(
            SourceRef(display, 1), "looks like a binary file (NUL bytes); skipped", "error"
        )
    try:
        return _newlines(raw.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        return None, Problem(
            SourceRef(display, line),
            f"not valid UTF-8 (byte 0x{byte:02x} at offset {exc.start}); "
            "note skipped: save it as UTF-8",
            "error",
        )


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def key_lines(frontmatter: str) -> dict[str, int]:
    """File line of each top-level frontmatter key (the opening `---` is line 1)."""
    return {
        m.group(1).strip(): frontmatter.count("\n", 0, m.start()) + 2
        for m in _KEY_LINE.finditer(frontmatter)
    }


def split_frontmatter(text: str, display: str) -> tuple[dict[str, object], str, int, list[Problem]]:
    """Return (meta, body, 1-based line where the body starts, problems)."""
    match = _FRONTMATTER.match(text)
    if match is None:
        if text.startswith("---\n"):
            msg = "frontmatter has no closing '---' line; read as text"
            return {}, text, 1, [Problem(SourceRef(display, 1), msg)]
        return {}, text, 1, []
    body = text[match.end() :]
    body_line = text[: match.end()].count("\n") + 1
    try:
        loaded = _load_yaml(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return (
            {},
            body,
            body_line,
            [
                Problem(
                    SourceRef(display, line), f"broken frontmatter: {what}; using defaults", "error"
                )
            ],
        )
    if loaded is None:
        return {}, body, body_line, []
    if not isinstance(loaded, dict):
        kind = type(loaded).__name__
        return (
            {},
            body,
            body_line,
            [
                Problem(
                    SourceRef(display, 2),
                    f"frontmatter is a {kind}, not a mapping; using defaults",
                    "error",
                )
            ],
        )
    return {str(k): v for k, v in loaded.items()}, body, body_line, []


def read_note(
    path: Path, root: Path, max_bytes: int = DEFAULT_MAX_NOTE_BYTES
) -> tuple[Note | None, list[Problem]]:
    """Read and decode one note; a note that cannot be read gives None and a Problem."""
    display = display_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [
                Problem(
                    SourceRef(display, 1),
                    f"note is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; skipped",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(SourceRef(display, 1), f"cannot read: {exc.strerror}", "error")]
    text, problem = decode(raw, display)
    if text is None:
        return None, [problem] if problem else []
    meta, body, body_line, problems = split_frontmatter(text, display)
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    key = meta.get("id")
    fm = _FRONTMATTER.match(text)
    note = Note(
        path=path,
        display=display,
        key=str(key) if isinstance(key, (str, int)) else rel.with_suffix("").as_posix(),
        folder=rel.parent.parts,
        meta=meta,
        body=body,
        body_line=body_line,
        content_hash=hashlib.sha256(raw).hexdigest(),
        meta_lines=key_lines(fm.group(1)) if fm else {},
    )
    return note, problems
