"""Command line: options in, one library call, messages out. Heavy imports stay inside commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from flashgen import __version__
from flashgen.cards import KINDS
from flashgen.cli_options import (
    _config_option,
    _output_option,
    _paths_argument,
    _quiet,
    _report_problems,
    _verbose_option,
)
from flashgen.cli_sync import sync

EPILOG = """\b
Exit codes:
  0  success
  1  a build or sync error (unwritable output, damaged lock, Anki open or
     unreachable), errors found by check, or warnings with --strict
  2  bad command line or configuration

\b
Configuration: flashgen.toml or [tool.flashgen] in pyproject.toml, found
from the notes folder upwards; see docs/commands.md.
"""

if TYPE_CHECKING:
    from flashgen.build import BuildResult
    from flashgen.config import Config


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="flashgen")
def main() -> None:
    """Turn markdown class notes into Anki decks."""


@main.command()
@_paths_argument
@_output_option
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@_verbose_option
@click.option("--prune", is_flag=True, help="Forget removed cards (lock and packages).")
@click.option(
    "--reset-lock", is_flag=True, help="Start a new lock file; the old one is kept as .bak."
)
@_config_option
def build(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    strict: bool,
    quiet: bool,
    verbose: bool,
    prune: bool,
    reset_lock: bool,
    settings: tuple[str, ...],
) -> None:
    """Build .apkg decks from notes (default: notes/) into decks/."""
    from flashgen.config import load_config

    cfg = load_config(paths, out_dir, settings)
    result = _build(cfg, quiet, prune=prune, reset_lock=reset_lock)
    warnings = _report_build(result, cfg.output, quiet, verbose)
    if strict and warnings:
        raise SystemExit(1)


def _build(
    cfg: Config, quiet: bool, *, prune: bool = False, reset_lock: bool = False
) -> BuildResult:
    """One build of `cfg`'s notes, with a progress bar unless `quiet` (`build`, `watch`)."""
    from contextlib import closing

    from flashgen.build import build_decks
    from flashgen.output import Progress

    with closing(Progress(show=not quiet)) as progress:
        return build_decks(
            cfg.notes,
            cfg.output,
            cfg.options(),
            max_media_bytes=cfg.media_max_bytes,
            prune=prune,
            reset_lock=reset_lock,
            progress=progress,
            project=cfg.where,
        )


def _report_build(result: BuildResult, out_dir: Path, quiet: bool, verbose: bool = False) -> int:
    """What `build` and each `watch` rebuild print; returns the number of warnings."""
    from flashgen.report import format_report

    warnings = _report_problems(result.problems, quiet)
    if not quiet:
        for line in format_report(result.report, verbose):
            click.echo(line, err=True)
        decks = result.deck_count
        files = len(result.written)
        count = result.card_count
        click.echo(
            f"Built {count} card{'s' * (count != 1)} in {decks} deck{'s' * (decks != 1)} → "
            f"{files} package{'s' * (files != 1)} in {out_dir}/"
            + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else ""),
            err=True,
        )
    return warnings


@main.command(name="list")
@_paths_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default="table",
    show_default=True,
    help="A table to read, JSON (every field), or CSV/TSV (front, back, tags) for other apps.",
)
@click.option(
    "--deck", "decks", multiple=True, help="Only cards in this deck or its sub-decks (repeatable)."
)
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind (repeatable)."
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print the notes' problems.")
@_config_option
def list_command(
    paths: tuple[Path, ...],
    fmt: str,
    decks: tuple[str, ...],
    kinds: tuple[str, ...],
    quiet: bool,
    settings: tuple[str, ...],
) -> None:
    """Print the cards the notes give, without writing anything."""
    import shutil

    from flashgen.build import collect_cards
    from flashgen.config import load_config
    from flashgen.export import card_json, delimited, known_guids, matches, table
    from flashgen.project import lock_to_read

    cfg = load_config(paths, None, settings)
    result = collect_cards(cfg.notes, cfg.options(), cfg.where)
    _report_problems(result.problems, quiet)
    # A --deck that names no deck is a typo, not an empty list (--kind may still empty it).
    by_deck = {c.deck: c for c in result.cards}
    for deck in decks:
        if not any(matches(c, (deck,), ()) for c in by_deck.values()):
            from flashgen.errors import FlashgenError

            known = ", ".join(sorted(by_deck, key=str.casefold))
            raise FlashgenError(
                f"no deck matches '{deck}'; the decks are: {known}"
                if known
                else f"no deck matches '{deck}'; no cards were found in the notes"
            )
    cards = [c for c in result.cards if matches(c, decks, kinds)]
    if fmt == "json":
        guids = known_guids(lock_to_read(cfg.where, cfg.output))
        data = [card_json(c, guids.get(c.key)) for c in cards]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif fmt in ("csv", "tsv"):
        click.echo(delimited(cards, "," if fmt == "csv" else "\t"), nl=False)
    elif cards:
        click.echo(table(cards, shutil.get_terminal_size().columns))


@main.command()
@click.argument("target", metavar="FILE[:LINE]")
@_config_option
def explain(target: str, settings: tuple[str, ...]) -> None:
    """Say which rule made each card of a note, and why a block made none."""
    from flashgen.config import load_config
    from flashgen.errors import FlashgenError
    from flashgen.explain import explain as explain_note
    from flashgen.notes import read_note

    path, line = Path(target), None
    head, sep, tail = target.rpartition(":")
    if sep and tail.isdigit() and not path.exists():
        path, line = Path(head), int(tail)
    if not path.is_file():
        raise FlashgenError(f"{target}: no such note")
    cfg = load_config((path,), None, settings)
    note, problems = read_note(path, cfg.where.root_of(path.resolve()))
    for p in problems:
        click.echo(str(p), err=True)
    if note is None:
        raise SystemExit(1)
    for message in explain_note(note, cfg.options(), line):
        click.echo(message)


@main.command()
@_paths_argument
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings, not only errors.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="`path:line: level: message` lines, or a JSON list for editors and CI.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
@_config_option
def check(
    paths: tuple[Path, ...], strict: bool, fmt: str, quiet: bool, settings: tuple[str, ...]
) -> None:
    """Check notes for problems, without writing anything."""
    from flashgen.check import check_notes
    from flashgen.config import load_config
    from flashgen.output import echo, plural, problem_line

    cfg = load_config(paths, None, settings)
    result = check_notes(cfg.notes, cfg.options(), cfg.media_max_bytes, cfg.where)
    if fmt == "json":
        rows = [
            {"path": p.source.path, "line": p.source.line, "level": p.level, "message": p.message}
            for p in result.problems
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for p in result.problems:
            echo(problem_line(p, err=False), err=False)
    if not quiet:
        counts = [(result.errors, "error"), (result.warnings, "warning")]
        found = ", ".join(plural(n, word) for n, word in counts if n) or "no problems"
        echo(f"Checked {plural(result.files, 'note')}: {found}.")
    if result.errors or (strict and result.warnings):
        raise SystemExit(1)


@main.command()
@_paths_argument
@click.option(
    "-o",
    "--output",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The HTML file to write  [default: decks/preview.html]",
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in a web browser.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@_config_option
def preview(
    paths: tuple[Path, ...],
    out_file: Path | None,
    open_page: bool,
    quiet: bool,
    settings: tuple[str, ...],
) -> None:
    """Write one HTML page showing every card as Anki will show it."""
    import webbrowser

    from flashgen.config import load_config
    from flashgen.output import echo, plural
    from flashgen.preview import write_preview

    cfg = load_config(paths, None, settings)
    target = out_file or cfg.output / "preview.html"
    result = write_preview(cfg.notes, target, cfg.options(), cfg.media_max_bytes, cfg.where)
    _report_problems(result.problems, quiet)
    if not quiet:
        echo(f"Wrote {target}: {plural(result.cards, 'card')} in {plural(result.decks, 'deck')}")
    if open_page:
        webbrowser.open(target.resolve().as_uri())


@main.command()
@_paths_argument
@_output_option
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@_verbose_option
@_config_option
def watch(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    quiet: bool,
    verbose: bool,
    settings: tuple[str, ...],
) -> None:
    """Rebuild the decks each time a note is saved; Ctrl-C stops."""
    from flashgen.config import load_config
    from flashgen.output import echo
    from flashgen.watch import watch_notes

    cfg = load_config(paths, out_dir, settings)

    def rebuild() -> None:
        now = load_config(paths, out_dir, settings)
        _report_build(_build(now, quiet), now.output, quiet, verbose)

    watch_notes(cfg.notes, cfg.output, cfg.file, rebuild, say=_quiet(quiet), error=echo)


@main.command()
@_paths_argument
@_output_option
@_verbose_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are changes (like git diff).")
@click.option("--prune", is_flag=True, help="Also show the removed cards `build --prune` forgets.")
@_config_option
def diff(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    verbose: bool,
    exit_code: bool,
    prune: bool,
    settings: tuple[str, ...],
) -> None:
    """Print what the next build would change, without writing anything."""
    from flashgen.build import diff_decks
    from flashgen.config import load_config
    from flashgen.report import format_report

    cfg = load_config(paths, out_dir, settings)
    result = diff_decks(
        cfg.notes,
        cfg.output,
        cfg.options(),
        max_media_bytes=cfg.media_max_bytes,
        prune=prune,
        project=cfg.where,
    )
    _report_problems(result.problems, quiet=False)
    for line in format_report(result.report, verbose):
        click.echo(line)
    if exit_code and result.report.has_changes:
        raise SystemExit(1)


main.add_command(sync)
