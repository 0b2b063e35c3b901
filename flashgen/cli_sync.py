"""`flashgen sync`: build, then apply the changes straight to Anki (see `flashgen.sync`)."""

from __future__ import annotations

from pathlib import Path

import click

from flashgen.cli_options import (
    _config_option,
    _output_option,
    _paths_argument,
    _quiet,
    _report_problems,
)


@click.command()
@_paths_argument
@_output_option
@click.option(
    "--collection",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The Anki collection file (collection.anki2) to change; Anki must be closed.",
)
@click.option(
    "--anki-connect",
    "anki_connect",
    is_flag=False,
    flag_value="http://127.0.0.1:8765",
    default=None,
    metavar="[URL]",
    help="Sync through the AnkiConnect add-on of a running Anki  [URL default: "
    "http://127.0.0.1:8765]",
)
@click.option(
    "--keep-removed",
    is_flag=True,
    help="Tag cards whose source is gone flashgen::removed instead of deleting them.",
)
@click.option("--dry-run", is_flag=True, help="Print what the sync would change; write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="List each card the sync changes.")
@_config_option
def sync(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    collection: Path | None,
    anki_connect: str | None,
    keep_removed: bool,
    dry_run: bool,
    quiet: bool,
    verbose: bool,
    settings: tuple[str, ...],
) -> None:
    """Build, then apply the changes straight to Anki: new, edited, moved and deleted cards."""
    from contextlib import closing

    from flashgen.config import load_config
    from flashgen.errors import ConfigError
    from flashgen.output import Progress
    from flashgen.report import format_report
    from flashgen.sync import SyncTarget
    from flashgen.sync import sync as run_sync
    from flashgen.sync.plan import preview

    if (collection is None) == (anki_connect is None):
        raise ConfigError("sync needs one of --collection PATH or --anki-connect [URL]")
    target: SyncTarget
    if collection is not None:
        from flashgen.sync.collection import CollectionTarget

        target = CollectionTarget(collection)
    else:
        from flashgen.sync.ankiconnect import AnkiConnectTarget

        assert anki_connect is not None
        if not anki_connect.startswith(("http://", "https://")):
            # `--anki-connect notes` took the notes folder for the address.
            raise ConfigError(
                f"--anki-connect: '{anki_connect}' is not an http:// address; give paths "
                "before --anki-connect, or its address after it"
            )
        target = AnkiConnectTarget(anki_connect)
    cfg = load_config(paths, out_dir, settings)
    with closing(Progress(show=not quiet)) as progress:
        outcome = run_sync(
            cfg.notes,
            cfg.output,
            target,
            cfg.options(),
            cfg.media_max_bytes,
            project=cfg.where,
            keep_removed=keep_removed,
            dry_run=dry_run,
            progress=progress,
        )
    _report_problems(outcome.build.problems, quiet)
    if quiet:
        return
    say = _quiet(quiet)
    for line in format_report(outcome.build.report, verbose, synced=True):
        say(line)
    if outcome.plan.unwritable:
        say(
            f"{outcome.plan.unwritable} card{'s' * (outcome.plan.unwritable != 1)} not synced: "
            "the lock has no fields for them (written by an old flashgen); delete "
            f"{cfg.output}/.flashgen-cache and sync again"
        )
    if outcome.plan.empty:
        say(f"No changes to sync into {target.name}")
        return
    applied = outcome.applied or preview(outcome.plan)
    if verbose:
        say(f"In {target.name}:")
        for line in applied.lines:
            say(line)
    if outcome.applied is None:
        say(f"Would sync into {target.name}: {applied.summary()} (dry run: nothing written)")
        return
    if applied.backup is not None:
        say(f"Backed up the collection to {applied.backup}")
    say(f"Synced into {target.name}: {applied.summary()}")
