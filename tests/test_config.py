"""Configuration: where it is found, what it sets, precedence, and every mistake reported at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flashgen.config import Config, find_config, load_config
from flashgen.decks import DeckNames, deck_name
from flashgen.project import find_project
from tests.conftest import run_cli, write

NOTE = "# Net\n\nLatency: the time one message takes to arrive.\n"
KEY_POINTS = "Roles:\n- one\n- two\n"


def cards(*args: str) -> list[dict[str, object]]:
    code, out, err = run_cli("list", "--format", "json", *args)
    assert code == 0, err
    return list(json.loads(out))


def test_defaults_without_a_file(in_tmp: Path) -> None:
    assert load_config() == Config(project=find_project())
    assert load_config().where.lock == in_tmp / "notes" / "flashgen.lock.json"


def test_flashgen_toml_is_found_above_the_notes(in_tmp: Path) -> None:
    write(in_tmp, "course/flashgen.toml", 'output = "out"\nnotes = "lectures"\n')
    write(in_tmp, "course/lectures/a.md", NOTE)
    cfg = load_config([Path("course/lectures")])
    assert cfg.file == in_tmp / "course" / "flashgen.toml"
    assert cfg.notes == (Path("course/lectures"),)
    assert cfg.output == Path("course/out")
    code, _, err = run_cli("build", "course/lectures")
    assert code == 0
    assert err == "Net: +1 new\nBuilt 1 card in 1 deck → 1 package in course/out/\n"
    assert (in_tmp / "course" / "out" / "net.apkg").is_file()


def test_notes_and_output_from_the_file_are_relative_to_it(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(in_tmp, "course/flashgen.toml", 'notes = ["lectures", "labs"]\noutput = "out"\n')
    monkeypatch.chdir(in_tmp / "course")
    cfg = load_config()
    assert cfg.notes == (Path("lectures"), Path("labs"))
    assert cfg.output == Path("out")


def test_pyproject_without_the_table_is_passed_over(in_tmp: Path) -> None:
    write(in_tmp, "pyproject.toml", '[tool.flashgen]\ntag-prefix = "uni"\n')
    write(in_tmp, "course/pyproject.toml", '[project]\nname = "x"\n')
    write(in_tmp, "course/notes/a.md", NOTE)
    assert find_config(in_tmp / "course" / "notes") == in_tmp / "pyproject.toml"
    assert load_config([Path("course/notes")]).tag_prefix == "uni"


def test_flashgen_toml_beats_pyproject_in_the_same_folder(in_tmp: Path) -> None:
    write(in_tmp, "pyproject.toml", '[tool.flashgen]\ntag-prefix = "py"\n')
    write(in_tmp, "flashgen.toml", 'tag-prefix = "fg"\n')
    assert load_config().tag_prefix == "fg"


def test_every_setting_reaches_the_cards(in_tmp: Path) -> None:
    write(
        in_tmp,
        "flashgen.toml",
        'deck-prefix = "School"\ndeck-names = "folders"\ntag-prefix = "course"\n'
        "reverse = true\n[kinds]\nkey_points = false\n",
    )
    write(in_tmp, "notes/net/week-1.md", "---\ntags: [exam-1]\n---\n" + NOTE + "\n" + KEY_POINTS)
    [card] = cards()
    assert card["deck"] == "School::net"
    assert card["kind"] == "definition"
    assert card["tags"] == ["course::exam-1", "flashgen::source::net::week-1"]
    code, _, _ = run_cli("build")
    assert code == 0


def test_deck_names_title_ignores_folders(in_tmp: Path) -> None:
    write(in_tmp, "flashgen.toml", 'deck-names = "title"\n')
    write(in_tmp, "notes/net/week-1.md", NOTE)
    assert [c["deck"] for c in cards()] == ["Net"]


def test_precedence_defaults_file_frontmatter_command_line(in_tmp: Path) -> None:
    write(in_tmp, "flashgen.toml", "[kinds]\nkey_points = false\n")
    write(in_tmp, "notes/plain.md", "# Plain\n\n" + KEY_POINTS)
    write(in_tmp, "notes/on.md", "---\nflashgen: {key_points: true}\n---\n# On\n\n" + KEY_POINTS)

    def kinds(*args: str) -> list[tuple[object, object]]:
        return [(c["deck"], c["kind"]) for c in cards(*args)]

    # the file turns key points off; one note's frontmatter turns them back on
    assert kinds() == [("On", "key_points")]
    # the command line beats both
    assert kinds("--config", "kinds.key_points = true") == [
        ("On", "key_points"),
        ("Plain", "key_points"),
    ]
    assert kinds("--config", "kinds.key_points = false") == []


def test_reverse_on_the_command_line_beats_frontmatter(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "---\nreverse: false\n---\n" + NOTE)
    write(in_tmp, "flashgen.toml", "reverse = true\n")
    from flashgen.build import collect_cards

    assert [c.reverse for c in collect_cards([Path("notes")], load_config().options()).cards] == [
        False
    ]
    forced = load_config(settings=["reverse = true"]).options()
    assert [c.reverse for c in collect_cards([Path("notes")], forced).cards] == [True]


def test_output_on_the_command_line_beats_the_file(in_tmp: Path) -> None:
    write(in_tmp, "flashgen.toml", 'output = "from-file"\n')
    write(in_tmp, "notes/a.md", NOTE)
    code, _, err = run_cli("build", "-o", "given")
    assert (code, err) == (0, "Net: +1 new\nBuilt 1 card in 1 deck → 1 package in given/\n")
    assert not (in_tmp / "from-file").exists()


def test_named_config_file(in_tmp: Path) -> None:
    write(in_tmp, "settings/mine.toml", 'deck-prefix = "Mine"\n')
    write(in_tmp, "notes/a.md", NOTE)
    assert [c["deck"] for c in cards("--config", "settings/mine.toml")] == ["Mine::Net"]


def test_unknown_keys_and_wrong_types_all_reported_at_once(in_tmp: Path) -> None:
    write(
        in_tmp,
        "flashgen.toml",
        'reverese = true\nmedia-max-mb = "2MB"\noutput = 3\n[kinds]\ncloze = "no"\nqa2 = true\n',
    )
    write(in_tmp, "notes/a.md", NOTE)
    code, out, err = run_cli("build")
    assert code == 2
    assert out == ""
    assert err == (
        "Error: invalid configuration (5 problems):\n"
        "  flashgen.toml: reverese: unknown key (did you mean 'reverse'?)\n"
        '  flashgen.toml: media-max-mb: must be a positive number of megabytes, got "2MB"\n'
        "  flashgen.toml: output: must be a path, got 3\n"
        '  flashgen.toml: kinds.cloze: must be true or false, got "no"\n'
        "  flashgen.toml: kinds.qa2: unknown key (did you mean 'qa'?)\n"
    )
    assert not (in_tmp / "decks").exists()


def test_bad_key_in_pyproject_names_the_table(in_tmp: Path) -> None:
    write(in_tmp, "pyproject.toml", '[tool.flashgen]\ndeck-names = "by-folder"\ncolour = 1\n')
    code, _, err = run_cli("check")
    assert code == 2
    assert err == (
        "Error: invalid configuration (2 problems):\n"
        '  pyproject.toml: tool.flashgen.deck-names: must be one of "folders-and-title", '
        '"folders", "title"; got "by-folder"\n'
        "  pyproject.toml: tool.flashgen.colour: unknown key\n"
    )


def test_bad_key_on_the_command_line(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", NOTE)
    code, _, err = run_cli("list", "--config", "reverse = 'yes'", "--config", "nope = 1")
    assert code == 2
    assert err == (
        "Error: invalid configuration (2 problems):\n"
        '  --config: reverse: must be true or false, got "yes"\n'
        "  --config: nope: unknown key (did you mean 'notes'?)\n"
    )


def test_invalid_toml(in_tmp: Path) -> None:
    write(in_tmp, "flashgen.toml", "reverse = \n")
    code, _, err = run_cli("build")
    assert code == 2
    assert err == "Error: flashgen.toml: invalid TOML: Invalid value (at line 1, column 11)\n"


def test_missing_named_config_file(in_tmp: Path) -> None:
    code, _, err = run_cli("build", "--config", "nope.toml")
    assert (code, err) == (2, "Error: --config nope.toml: no such file\n")


def test_media_size_limit(in_tmp: Path) -> None:
    write(in_tmp, "notes/a.md", "# Net\n\nLatency: delay ![big](big.png) here.\n")
    write(in_tmp, "notes/big.png", b"\x89PNG" + bytes(1_572_860))
    write(in_tmp, "flashgen.toml", "media-max-mb = 1\n")
    code, _, err = run_cli("check")
    assert (code, err) == (0, "Checked 1 note: 1 warning.\n")
    code, out, _ = run_cli("check", "--config", "media-max-mb = 2")
    assert (code, out) == (0, "")
    code, out, _ = run_cli("check", "-q")
    assert out == "notes/a.md:3: warning: image is 1.5 MB, over the 1 MB limit; left out: big.png\n"


@pytest.mark.parametrize(
    ("naming", "prefix", "folder", "frontmatter", "expected"),
    [
        ("folders-and-title", "", ("mlops",), None, "mlops::Lecture 5 Tools"),
        ("folders", "", ("mlops", "week 5"), None, "mlops::week 5"),
        ("folders", "", (), None, "Lecture 5 Tools"),  # no folder: the title
        ("title", "", ("mlops",), None, "Lecture 5 Tools"),
        ("title", "Uni::CS", ("mlops",), None, "Uni::CS::Lecture 5 Tools"),
        ("folders", "Uni", ("mlops",), "MLOps::Week 5", "Uni::MLOps::Week 5"),
    ],
)
def test_deck_naming(
    naming: DeckNames, prefix: str, folder: tuple[str, ...], frontmatter: str | None, expected: str
) -> None:
    assert deck_name(folder, "Lecture 5: Tools", frontmatter, naming, prefix) == expected
