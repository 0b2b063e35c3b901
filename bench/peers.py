#!/usr/bin/env python3
"""Time flashgen next to two peer tools on the same notes in each one's syntax.

Peers, installed into a throwaway venv (bench/.venv-peers, reused while its
pinned versions match):

  ankdown 0.7.1               ankdown -r DIR -p OUT/ankdown.apkg   (one package)
  markdown-anki-decks 1.1.1   mdankideck DIR OUT/                  (one package per note)
  flashgen                    python -m flashgen build DIR -o OUT/

Each tool reads the corpus from bench/gen_corpus.py in its own syntax (same
cards and filler text) and writes into a fresh empty folder; runs are whole
processes, interleaved (flashgen, ankdown, mad, flashgen, ...) so drift in
machine load hits every tool alike. When flashgen cannot run yet, the peers
are timed alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gen_corpus import ensure_corpus
from run import (
    BENCH,
    RSS_NOTE,
    CommandError,
    Sample,
    flashgen_cmd,
    flashgen_env,
    flashgen_version,
    markdown_table,
    measure,
)

VENV = BENCH / ".venv-peers"
PINS = {"ankdown": "0.7.1", "markdown-anki-decks": "1.1.1"}
EXTRA = ["click<8.2"]
"""markdown-anki-decks 1.1.1 uses typer 0.4, which breaks with click 8.2."""


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    syntax: str
    """Corpus format folder the tool reads (see gen_corpus.FORMATS)."""
    command: Callable[[Path, Path], list[str | Path]]
    """(notes folder, empty output folder) -> argv."""
    env: dict[str, str] | None = None


def peer_tools(venv: Path) -> list[Tool]:
    bin_dir = venv / "bin"
    return [
        Tool(
            "ankdown 0.7.1",
            "ankdown",
            lambda src, out: [bin_dir / "ankdown", "-r", src, "-p", out / "ankdown.apkg"],
        ),
        Tool(
            "markdown-anki-decks 1.1.1",
            "mad",
            lambda src, out: [bin_dir / "mdankideck", src, out],
        ),
    ]


FLASHGEN = Tool(
    "flashgen", "native", lambda src, out: flashgen_cmd("build", src, "-o", out), flashgen_env()
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def installed_versions(venv: Path) -> dict[str, str] | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    proc = subprocess.run([python, "-c", code, *PINS], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None
    versions: dict[str, str] = json.loads(proc.stdout)
    return versions


def ensure_venv(venv: Path) -> None:
    """Create venv with the pinned peers unless it already has them."""
    if installed_versions(venv) == PINS:
        return
    log(f"creating {venv} with {', '.join(f'{n}=={v}' for n, v in PINS.items())}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    proc = subprocess.run(
        [*pip, *(f"{n}=={v}" for n, v in PINS.items()), *EXTRA],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or installed_versions(venv) != PINS:
        sys.exit(f"pip install into {venv} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def count_notes(out: Path) -> int | None:
    """Notes in every .apkg under out, or None when a package is not a readable collection."""
    total = 0
    for pkg in sorted(out.rglob("*.apkg")):
        with zipfile.ZipFile(pkg) as z, tempfile.TemporaryDirectory() as d:
            names = set(z.namelist())
            name = next((n for n in ("collection.anki21", "collection.anki2") if n in names), None)
            if name is None:  # e.g. only the zstd-compressed collection.anki21b
                return None
            db = sqlite3.connect(z.extract(name, d))
            try:
                total += db.execute("select count(*) from notes").fetchone()[0]
            finally:
                db.close()
    return total


def ratio_cell(peer: list[Sample], base: list[Sample]) -> str:
    """Peer/flashgen: ratio of medians, and the range of the per-run ratios."""
    med = statistics.median(s.seconds for s in peer) / statistics.median(s.seconds for s in base)
    per_run = [p.seconds / b.seconds for p, b in zip(peer, base, strict=True)]
    return f"{med:.2f} ({min(per_run):.2f}-{max(per_run):.2f})"


def bench_size(files: int, tools: list[Tool], runs: int) -> list[list[str]]:
    corpus, manifests = ensure_corpus(files, sorted({t.syntax for t in tools}))
    samples: dict[str, list[Sample]] = {t.name: [] for t in tools}
    notes: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory(prefix="flashgen-peers-") as tmp_name:
        tmp = Path(tmp_name)
        for i in range(runs):
            for t in tools:
                out = tmp / f"{t.syntax}-{i}"
                out.mkdir()
                log(f"  {files} notes, run {i + 1}/{runs}: {t.name}")
                cmd = t.command(corpus / t.syntax, out)
                # flashgen keeps its lock with the notes: gone, each run is a cold build
                (corpus / t.syntax / "flashgen.lock.json").unlink(missing_ok=True)
                # a fresh user cache too, should a tool keep one there
                env = {**(t.env or os.environ), "XDG_CACHE_HOME": str(out / ".cache")}
                samples[t.name].append(measure(cmd, env=env, cwd=tmp))
                if i == 0:
                    notes[t.name] = count_notes(out)
                shutil.rmtree(out)
    base = samples.get(FLASHGEN.name)
    rows = []
    for t in tools:
        secs = [s.seconds for s in samples[t.name]]
        n = notes[t.name]
        rows.append(
            [
                f"{files:,}",
                t.name,
                t.syntax,
                f"{manifests[t.syntax]['cards']:,}",
                "?" if n is None else f"{n:,}",
                f"{statistics.median(secs):.2f}",
                f"{min(secs):.2f}-{max(secs):.2f}",
                f"{statistics.median(s.cpu for s in samples[t.name]):.2f}",
                f"{max(s.max_rss_kib for s in samples[t.name]) / 1024:.0f}",
                "-" if base is None or t is FLASHGEN else ratio_cell(samples[t.name], base),
            ]
        )
    return rows


HEADER = [
    "notes",
    "tool",
    "syntax",
    "cards in corpus",
    "notes in output",
    "median s",
    "min-max s",
    "CPU s (median)",
    "peak RSS MiB",
    "peer/flashgen (per-run range)",
]


def show_command(t: Tool) -> str:
    argv = t.command(Path("NOTES"), Path("OUT"))
    repo = BENCH.parent
    return " ".join(
        os.path.relpath(a, repo) if isinstance(a, Path) and a.is_absolute() else str(a)
        for a in argv
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--files",
        default="200,2000",
        help="comma-separated corpus sizes in notes (default 200,2000)",
    )
    ap.add_argument("--runs", type=int, default=3, help="runs of each tool (default 3)")
    ap.add_argument("--venv", type=Path, default=VENV, help=f"peers' venv (default {VENV})")
    a = ap.parse_args(argv)
    sizes = [int(n) for n in a.files.split(",") if n]
    if a.runs < 1 or not sizes or min(sizes) < 1:
        ap.error("--runs and every --files size must be at least 1")

    ensure_venv(a.venv)
    tools = peer_tools(a.venv)
    version, why = flashgen_version()
    if version is None:
        log(f"{why}\nTiming the peers only.\n")
    else:
        tools.insert(0, FLASHGEN)
    log("commands:\n" + "\n".join(f"  {t.name}: {show_command(t)}" for t in tools))

    rows = []
    try:
        for files in sizes:
            rows += bench_size(files, tools, a.runs)
    except CommandError as e:
        sys.exit(f"a run failed: {e}")
    flashgen = version or "absent"
    print(f"Whole processes, {a.runs} runs each, times in seconds; flashgen: {flashgen}.")
    print()
    print(markdown_table(HEADER, rows))
    print()
    print(RSS_NOTE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
