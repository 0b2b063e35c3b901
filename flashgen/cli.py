"""Command line: options in, one library call, messages out. Heavy imports stay inside commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from flashgen import __version__

EPILOG = """\b
Exit codes:
  0  success
  1  a build error (unwritable output, damaged lock), or warnings with --strict
  2  bad command line or configuration
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="flashgen")
def main() -> None:
    """Turn markdown class notes into Anki decks."""


def _paths(paths: tuple[Path, ...]) -> list[Path]:
    return list(paths) or [Path("notes")]


def _report_problems(problems: object, quiet: bool) -> int:
    from flashgen.cards import Problem

    count = 0
    assert isinstance(problems, tuple)
    for p in problems:
        assert isinstance(p, Problem)
        count += 1
        if not quiet:
            click.echo(str(p), err=True)
    return count


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("decks"),
    show_default=True,
    help="Folder for the .apkg files and the lock file.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
def build(paths: tuple[Path, ...], out_dir: Path, strict: bool, quiet: bool) -> None:
    """Build .apkg decks from notes (default: notes/) into decks/."""
    from flashgen.build import build_decks

    result = build_decks(_paths(paths), out_dir)
    warnings = _report_problems(result.problems, quiet)
    if not quiet:
        decks = len({c.deck for c in result.cards})
        files = len(result.written)
        click.echo(
            f"Built {len(result.cards)} card{'s' * (len(result.cards) != 1)} in {decks} deck{'s' * (decks != 1)} → "
            f"{files} package{'s' * (files != 1)} in {out_dir}/"
            + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else ""),
            err=True,
        )
    if strict and warnings:
        raise SystemExit(1)


@main.command(name="list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def list_command(paths: tuple[Path, ...], fmt: str) -> None:
    """Print the cards the notes give, without writing anything."""
    from flashgen.build import collect_cards
    from flashgen.export import card_json

    result = collect_cards(_paths(paths))
    _report_problems(result.problems, quiet=False)
    if fmt == "json":
        click.echo(json.dumps([card_json(c) for c in result.cards], indent=2, ensure_ascii=False))
        return
    for c in result.cards:
        back = c.back_text.replace("\n", " / ")
        click.echo(f"{c.deck}\t{c.kind}\t{c.front}\t{back}\t{c.source}")
