"""Settings: defaults < `flashgen.toml` or `[tool.flashgen]` < frontmatter < command line.

The file is found from the notes root upwards; `--config PATH` names one instead, and
`--config 'KEY = VALUE'` sets one key on the command line (as ruff does). Every unknown
key and wrong type is collected and reported at once, naming the file and the key.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast, get_args

from flashgen.cards import KINDS, Kind
from flashgen.decks import DeckNames
from flashgen.errors import ConfigError
from flashgen.extract import Options, rule_settings, rules_of_setting
from flashgen.media import MAX_MEDIA_BYTES
from flashgen.notes import display_path
from flashgen.project import Project, find_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = "flashgen.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting, resolved: paths are ready to use from the working directory."""

    notes: tuple[Path, ...] = (Path("notes"),)
    output: Path = Path("decks")
    deck_prefix: str = ""
    """Parent deck of every deck: `School` → `School::mlops::Lecture 5`."""
    deck_names: DeckNames = "folders-and-title"
    kinds: frozenset[Kind] = frozenset(KINDS)
    reverse: bool = False
    """Add a reverse card (definition → term) to each definition."""
    tag_prefix: str = ""
    """Parent tag of the frontmatter tags: `course` → `course::exam-1`."""
    media_max_mb: float = MAX_MEDIA_BYTES / (1024 * 1024)
    """Images larger than this (in MiB) are left out of the decks with a warning."""
    file: Path | None = None
    """The configuration file that was read, if any."""
    forced: tuple[tuple[str, bool], ...] = ()
    """Card kinds and `reverse` set on the command line: they beat frontmatter."""
    project: Project | None = None
    """The notes folder(s), the lock file and the part a command covers (`project`)."""
    rules_off: frozenset[str] = frozenset()
    """Extraction rules turned off by the `[rules]` table (see flashgen.extract.SETTINGS)."""

    @property
    def where(self) -> Project:
        """`project`, found from `notes` when the configuration was not loaded from files."""
        return self.project if self.project is not None else find_project(self.notes)

    @property
    def media_max_bytes(self) -> int:
        return int(self.media_max_mb * 1024 * 1024)

    def options(self) -> Options:
        """What the extraction stage needs."""
        return Options(
            kinds=self.kinds,
            reverse=self.reverse,
            deck_prefix=self.deck_prefix,
            deck_names=self.deck_names,
            tag_prefix=self.tag_prefix,
            forced=self.forced,
            off=self.rules_off,
        )


Check = Callable[[object], "str | None"]
"""Returns what is wrong with a value, or None when it is fine."""


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _text(value: object) -> str | None:
    return None if isinstance(value, str) else f"must be text, got {_show(value)}"


def _path(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"must be a path, got {_show(value)}"


def _paths(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return None
    return f"must be a path or a list of paths, got {_show(value)}"


def _bool(value: object) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {_show(value)}"


def _megabytes(value: object) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return None
    return f"must be a positive number of megabytes, got {_show(value)}"


def _deck_names(value: object) -> str | None:
    choices = get_args(DeckNames)
    if value in choices:
        return None
    return f"must be one of {', '.join(_show(c) for c in choices)}; got {_show(value)}"


_KEYS: dict[str, Check] = {
    "notes": _paths,
    "output": _path,
    "deck-prefix": _text,
    "deck-names": _deck_names,
    "kinds": lambda v: None,  # a table, checked key by key
    "rules": lambda v: None,  # a table, checked key by key
    "reverse": _bool,
    "tag-prefix": _text,
    "media-max-mb": _megabytes,
}


def _validate(data: Mapping[str, object], where: str, prefix: str) -> list[str]:
    """Every problem in one table, as `where: key: message` lines."""
    errors: list[str] = []

    def unknown(key: str, known: Sequence[str], dotted: str) -> None:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        errors.append(f"{where}: {dotted}: unknown key{hint}")

    for key, value in data.items():
        dotted = prefix + key
        check = _KEYS.get(key)
        if check is None:
            unknown(key, list(_KEYS), dotted)
        elif key == "kinds":
            if not isinstance(value, dict):
                errors.append(f"{where}: {dotted}: must be a table of kind = true/false")
                continue
            for kind, on in value.items():
                if kind not in KINDS:
                    unknown(kind, KINDS, f"{dotted}.{kind}")
                elif (msg := _bool(on)) is not None:
                    errors.append(f"{where}: {dotted}.{kind}: {msg}")
        elif key == "rules":
            if not isinstance(value, dict):
                errors.append(f"{where}: {dotted}: must be a table of setting = true/false")
                continue
            for name, on in value.items():
                if rules_of_setting(name) is None:
                    unknown(name, rule_settings(), f"{dotted}.{name}")
                elif (msg := _bool(on)) is not None:
                    errors.append(f"{where}: {dotted}.{name}: {msg}")
        elif (msg := check(value)) is not None:
            errors.append(f"{where}: {dotted}: {msg}")
    return errors


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {display_path(path)}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{display_path(path)}: not valid UTF-8; save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display_path(path)}: invalid TOML: {exc}") from exc


def _table(path: Path) -> tuple[dict[str, object], str] | None:
    """The flashgen settings in a file and their key prefix; None if the file has none."""
    data = _read_toml(path)
    if path.name != PYPROJECT:
        return data, ""
    tool = data.get("tool")
    section = tool.get("flashgen") if isinstance(tool, dict) else None
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{display_path(path)}: tool.flashgen must be a table")
    return section, "tool.flashgen."


def find_config(start: Path) -> Path | None:
    """The nearest `flashgen.toml`, or `pyproject.toml` with `[tool.flashgen]`, at or above start."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder / CONFIG_FILE
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _table(pyproject) is not None:
            return pyproject
    return None


def _split_settings(settings: Sequence[str]) -> tuple[Path | None, list[str]]:
    """`--config` values: at most one file, any number of `KEY = VALUE` overrides."""
    files = [Path(s) for s in settings if "=" not in s]
    if len(files) > 1:
        raise ConfigError("--config names more than one file; pass one file and KEY = VALUE pairs")
    if files and not files[0].is_file():
        raise ConfigError(f"--config {files[0]}: no such file")
    return (files[0] if files else None), [s for s in settings if "=" in s]


def _merge(into: dict[str, object], extra: Mapping[str, object]) -> None:
    for key, value in extra.items():
        old = into.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            into[key] = {**old, **value}
        else:
            into[key] = value


def _near(base: Path, value: str) -> Path:
    """A path from the configuration, relative to its file, shown as the user would type it."""
    path = Path(value)
    return path if path.is_absolute() else Path(display_path(base / path))


def load_config(
    paths: Sequence[Path] = (), output: Path | None = None, settings: Sequence[str] = ()
) -> Config:
    """Read the configuration for a command: its notes paths, `-o` and `--config` values."""
    named, overrides = _split_settings(settings)
    file = named if named is not None else find_config(paths[0] if paths else Path.cwd())
    errors: list[str] = []
    values: dict[str, object] = {}
    if file is not None:
        found = _table(file)
        if found is None:
            raise ConfigError(f"{display_path(file)}: has no [tool.flashgen] table")
        table, prefix = found
        errors.extend(_validate(table, display_path(file), prefix))
        values.update(table)
    cli: dict[str, object] = {}
    for text in overrides:
        try:
            _merge(cli, tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"--config {text!r}: not a TOML KEY = VALUE pair ({exc})")
    errors.extend(_validate(cli, "--config", ""))
    if errors:
        count = f"{len(errors)} problem{'s' * (len(errors) != 1)}"
        raise ConfigError(f"invalid configuration ({count}):\n  " + "\n  ".join(errors))
    _merge(values, cli)
    base = file.parent if file is not None else Path.cwd()
    return _resolve(values, cli, base, paths, output, file)


def _resolve(
    values: Mapping[str, object],
    cli: Mapping[str, object],
    base: Path,
    paths: Sequence[Path],
    output: Path | None,
    file: Path | None,
) -> Config:
    default = Config()
    notes_value = values.get("notes")
    configured: tuple[Path, ...] | None = None
    if notes_value is not None:
        listed = [notes_value] if isinstance(notes_value, str) else cast(list[str], notes_value)
        configured = tuple(_near(base, n) for n in listed)
    notes = tuple(paths) if paths else configured or default.notes
    if output is None:
        out = values.get("output")
        output = _near(base, out) if isinstance(out, str) else default.output
    kinds = set(default.kinds)
    for kind, on in cast(Mapping[str, bool], values.get("kinds", {})).items():
        (kinds.add if on else kinds.discard)(cast(Kind, kind))
    off: set[str] = set()
    for name, on in cast(Mapping[str, bool], values.get("rules", {})).items():
        (off.difference_update if on else off.update)(rules_of_setting(name) or ())
    forced = list(cast(Mapping[str, bool], cli.get("kinds", {})).items())
    if "reverse" in cli:
        forced.append(("reverse", cast(bool, cli["reverse"])))
    return Config(
        notes=notes,
        output=output,
        deck_prefix=str(values.get("deck-prefix", default.deck_prefix)),
        deck_names=cast(DeckNames, values.get("deck-names", default.deck_names)),
        kinds=frozenset(kinds),
        reverse=bool(values.get("reverse", default.reverse)),
        tag_prefix=str(values.get("tag-prefix", default.tag_prefix)),
        media_max_mb=float(cast(float, values.get("media-max-mb", default.media_max_mb))),
        file=file,
        forced=tuple(forced),
        project=find_project(notes if paths else (), configured, file),
        rules_off=frozenset(off),
    )
