"""Output conventions: help and version stay light, colour only on a terminal, a quiet progress bar."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from flashgen.cards import Problem, SourceRef
from flashgen.output import Progress, colour_on
from tests.conftest import REPO, run_cli, write

HEAVY = ("anki", "genanki", "markdown_it", "nh3", "pygments", "watchfiles", "yaml")


def test_help_lists_commands_exit_codes_and_configuration(in_tmp: Path) -> None:
    code, out, _ = run_cli("--help")
    assert code == 0
    commands = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[0] for line in commands.splitlines()] == [
        "build",
        "check",
        "diff",
        "explain",
        "list",
        "preview",
        "sync",
        "watch",
    ]
    assert out.endswith(
        "  Exit codes:\n"
        "    0  success\n"
        "    1  a build or sync error (unwritable output, damaged lock, Anki open or\n"
        "       unreachable), errors found by check, or warnings with --strict\n"
        "    2  bad command line or configuration\n"
        "\n"
        "  Configuration: flashgen.toml or [tool.flashgen] in pyproject.toml, found\n"
        "  from the notes folder upwards; see docs/commands.md.\n"
    )


def test_version(in_tmp: Path) -> None:
    assert run_cli("--version") == (0, "flashgen, version 0.1.0\n", "")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["check", "--help"]])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    script = (
        "import sys\n"
        "from flashgen.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith('flashgen.')), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    assert (
        done.stderr
        == "['flashgen.cards', 'flashgen.cli', 'flashgen.cli_options', 'flashgen.cli_sync']\n"
    )


def test_unknown_command_and_option_exit_2(in_tmp: Path) -> None:
    code, _, err = run_cli("bild")
    assert code == 2
    assert err.endswith("Error: No such command 'bild'. Did you mean 'build'?\n")
    code, _, err = run_cli("check", "--strictt")
    assert code == 2
    assert err.endswith("Error: No such option '--strictt'. Did you mean '--strict'?\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_on(Terminal())
    assert not colour_on(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_on(Terminal())
    monkeypatch.setenv("NO_COLOR", "")  # https://no-color.org: set and not empty
    assert colour_on(Terminal())


def check_in_a_terminal(root: Path, env: dict[str, str]) -> str:
    """`flashgen check` with its output on a pseudo-terminal, as a person runs it."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flashgen", "check"],
        cwd=root,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=child,
        stderr=child,
    )
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 0
    return out.decode()


def test_check_colours_levels_on_a_terminal(in_tmp: Path) -> None:
    write(in_tmp, "notes/empty.md", "just text\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = check_in_a_terminal(in_tmp, env)
    assert coloured == (
        "notes/empty.md:1: \x1b[33m\x1b[1mwarning\x1b[0m: no cards found in this note\r\n"
        "Checked 1 note: 1 warning.\r\n"
    )
    plain = check_in_a_terminal(in_tmp, {**env, "NO_COLOR": "1"})
    assert plain == (
        "notes/empty.md:1: warning: no cards found in this note\r\nChecked 1 note: 1 warning.\r\n"
    )


def test_check_prints_no_colour_into_a_pipe(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    write(in_tmp, "notes/empty.md", "just text\n")
    assert run_cli("check")[1] == "notes/empty.md:1: warning: no cards found in this note\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_waits_a_moment_then_draws_and_erases_itself() -> None:
    clock, term = Clock(), Terminal()
    bar = Progress(stream=term, delay=0.5, clock=clock)
    bar("Reading notes", 1, 10)
    assert term.getvalue() == ""  # a quick build prints nothing
    clock.now = 0.6
    bar("Reading notes", 5, 10)
    clock.now = 0.65
    bar("Reading notes", 6, 10)  # too soon to redraw
    clock.now = 0.8
    bar("Rendering cards", 30, 40)
    bar.close()
    assert term.getvalue() == (
        "\r\x1b[KReading notes [###############---------------] 5/10"
        "\r\x1b[KRendering cards [######################--------] 30/40"
        "\r\x1b[K"
    )


def test_progress_bar_silent_off_a_terminal_and_with_quiet() -> None:
    clock = Clock()
    pipe = io.StringIO()
    bar = Progress(stream=pipe, delay=0, clock=clock)
    bar("Reading notes", 5, 10)
    bar.close()
    term = Terminal()
    quiet = Progress(show=False, stream=term, delay=0, clock=clock)
    quiet("Reading notes", 5, 10)
    quiet.close()
    assert pipe.getvalue() == term.getvalue() == ""


def test_problem_line_format() -> None:
    from flashgen.output import problem_line

    p = Problem(SourceRef("notes/a.md", 3), "broken", "error")
    assert problem_line(p) == "notes/a.md:3: error: broken"


def test_shell_completion_as_documented() -> None:
    from click.testing import CliRunner

    from flashgen.cli import main

    env = {
        "_FLASHGEN_COMPLETE": "bash_complete",
        "COMP_WORDS": "flashgen list --format ",
        "COMP_CWORD": "3",
    }
    result = CliRunner().invoke(main, [], env=env, prog_name="flashgen")
    assert (result.exit_code, result.stdout) == (
        0,
        "plain,table\nplain,json\nplain,csv\nplain,tsv\n",
    )


def test_a_build_that_finds_nothing_changed_does_not_import_genanki(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.md").write_text("Osmosis: water crossing a membrane.\n")
    script = (
        "import sys\n"
        "from flashgen.cli import main\n"
        "try:\n    main(['build', 'notes', '-q'])\nexcept SystemExit:\n    pass\n"
        "print('genanki' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=True,
        ).stderr
        for _ in range(2)
    ]
    assert runs == ["True\n", "False\n"]  # the first build writes a package; the second nothing
    assert (tmp_path / "decks" / "n.apkg").is_file()
