#!/usr/bin/env python3
"""Time flashgen as whole processes on a generated corpus.

Measures, each --runs times: a cold build (fresh output folder and cache), a
rebuild with nothing changed, a rebuild after one note gained a
'NewTerm: new definition' line, and the start-up of --help and --version;
the builds both with one sub-deck per note and with every note in one deck
('deck: Bench' in its frontmatter). Prints medians and min-max as a markdown
table; --write-results appends it to bench/RESULTS.md with the date and machine.

flashgen runs as `python -m flashgen` with the repository first on PYTHONPATH,
so the console script need not be installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gen_corpus import ensure_corpus

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
NEW_LINE = b"NewTerm: new definition\n"

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
"""GNU time reports a child's own peak RSS. A child's rusage from wait4 starts
from the forking process's peak (the exec'd image inherits it), so without
GNU time the peak is at least this bench process's own RSS."""
RSS_NOTE = (
    "Peak RSS: from GNU time's %M."
    if GNU_TIME
    else "Peak RSS: from wait4(), which counts at least the bench runner's own RSS "
    "(install Debian's `time` package for exact figures)."
)


@dataclass(frozen=True, slots=True)
class Sample:
    """One whole-process run."""

    seconds: float
    """Wall-clock time from spawn to exit."""
    cpu: float
    """User plus system CPU seconds of the process and the children it waited for."""
    max_rss_kib: int
    """Peak resident set size in KiB (see RSS_NOTE)."""


class CommandError(RuntimeError):
    def __init__(self, cmd: Sequence[str | Path], code: int, stderr: str) -> None:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        super().__init__(f"exit {code}: {' '.join(map(str, cmd))}\n{tail}")
        self.code = code


def measure(
    cmd: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Sample:
    """Run cmd to completion, stdout discarded; return its time, CPU and peak memory.

    Raises CommandError on a non-zero exit, with the end of its stderr.
    """
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        wrap = [GNU_TIME, "-f", "%M", "-o", rss.name] if GNU_TIME else []
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*wrap, *map(str, cmd)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=None if env is None else dict(env),
            cwd=cwd,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise CommandError(cmd, proc.returncode, err.read().decode("utf-8", "replace"))
        peak = int(rss.read().split()[-1]) if GNU_TIME else usage.ru_maxrss
    return Sample(seconds, usage.ru_utime + usage.ru_stime, peak)


def flashgen_env(**extra: str) -> dict[str, str]:
    """The environment for `python -m flashgen`: this repository first on the path, and
    bytecode caching on (an installed flashgen has its .pyc files, as the peers' venv does;
    with PYTHONDONTWRITEBYTECODE set, every run would compile flashgen's modules again)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def flashgen_cmd(*args: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", "flashgen", *args]


def flashgen_version() -> tuple[str | None, str]:
    """(version, '') when `python -m flashgen --version` works, else (None, why not).

    Compiles flashgen's modules first (untimed), as installing it would."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "flashgen")],
        env=flashgen_env(),
        capture_output=True,
        check=False,
    )
    proc = subprocess.run(
        [str(c) for c in flashgen_cmd("--version")],
        capture_output=True,
        text=True,
        env=flashgen_env(),
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if proc.returncode == 0:
        return proc.stdout.strip(), ""
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
    why = (
        f"`{sys.executable} -m flashgen --version` exited {proc.returncode} "
        f"(PYTHONPATH={REPO}):\n{tail}\n"
        "flashgen is missing or broken here: install the project (pip install -e .) "
        "or finish flashgen/__main__.py and flashgen/cli.py first."
    )
    return None, why


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table."""

    label: str
    samples: list[Sample]

    def cells(self) -> list[str]:
        secs = [s.seconds for s in self.samples]
        cpu = statistics.median(s.cpu for s in self.samples)
        rss = max(s.max_rss_kib for s in self.samples) / 1024
        return [
            self.label,
            f"{statistics.median(secs):.3f}",
            f"{min(secs):.3f}-{max(secs):.3f}",
            f"{cpu:.2f}",
            f"{rss:.0f}",
        ]


HEADER = ["measure", "median s", "min-max s", "CPU s (median)", "peak RSS MiB (max)"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build(notes: Path, out: Path, cache: Path) -> Sample:
    return measure(
        flashgen_cmd("build", notes, "-o", out),
        env=flashgen_env(XDG_CACHE_HOME=str(cache)),
        cwd=notes.parent,
    )


def bench_corpus(label: str, corpus: Path, runs: int, tmp: Path) -> list[Row]:
    """Cold build, no-change rebuild and one-note-edited rebuild of a copy of corpus."""
    base = tmp / label.replace(" ", "-")
    notes = base / "notes"
    shutil.copytree(corpus, notes, ignore=shutil.ignore_patterns("MANIFEST.json"))

    cold = []
    for i in range(runs):
        log(f"  {label}: cold build {i + 1}/{runs}")
        out, cache = base / f"out{i}", base / f"cache{i}"
        if i:
            # keep only the newest output: the rebuilds below start from it
            shutil.rmtree(base / f"out{i - 1}")
            shutil.rmtree(base / f"cache{i - 1}", ignore_errors=True)
        # the lock lives with the notes: without it, each of these is a first build
        (notes / "flashgen.lock.json").unlink(missing_ok=True)
        cold.append(build(notes, out, cache))
    if not (notes / "flashgen.lock.json").is_file():
        log(f"  warning: {notes / 'flashgen.lock.json'} was not written")

    unchanged = []
    for i in range(runs):
        log(f"  {label}: no-change rebuild {i + 1}/{runs}")
        unchanged.append(build(notes, out, cache))

    files = sorted(notes.rglob("*.md"))
    note = files[len(files) // 2]
    original = note.read_bytes()
    edited_text = (original if original.endswith(b"\n") else original + b"\n") + b"\n" + NEW_LINE
    edited = []
    try:
        for i in range(runs):
            log(f"  {label}: one-note-edited rebuild {i + 1}/{runs} ({note.name})")
            note.write_bytes(original)
            build(notes, out, cache)  # untimed: back in step with the unedited notes
            note.write_bytes(edited_text)
            edited.append(build(notes, out, cache))
    finally:
        note.write_bytes(original)

    return [
        Row(f"cold build, {label}", cold),
        Row(f"no-change rebuild, {label}", unchanged),
        Row(f"one note edited, rebuild, {label}", edited),
    ]


def bench_startup(runs: int, cwd: Path) -> list[Row]:
    cases: list[tuple[str, list[str | Path]]] = [
        ("start-up: `python -c pass` (baseline)", [sys.executable, "-c", "pass"]),
        ("start-up: `flashgen --version`", flashgen_cmd("--version")),
        ("start-up: `flashgen --help`", flashgen_cmd("--help")),
    ]
    rows = []
    for label, cmd in cases:
        log(f"  {label}")
        rows.append(Row(label, [measure(cmd, env=flashgen_env(), cwd=cwd) for _ in range(runs)]))
    return rows


def machine() -> str:
    return (
        f"{platform.machine()}, nproc {len(os.sched_getaffinity(0))}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def git_head() -> str:
    proc = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "flashgen"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    head = proc.stdout.strip() or "(none)"
    return head + (" + uncommitted flashgen/ changes" if dirty else "")


def write_results(text: str) -> None:
    if not RESULTS.exists():
        RESULTS.write_text(
            "# flashgen benchmark results\n\n"
            "Appended by `python bench/run.py --write-results`; newest last.\n"
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000, help="notes in the corpus (default 2000)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measure (default 3)")
    ap.add_argument(
        "--write-results", action="store_true", help=f"append the table to {RESULTS.name}"
    )
    a = ap.parse_args(argv)
    if a.runs < 1 or a.files < 1:
        ap.error("--runs and --files must be at least 1")

    version, why = flashgen_version()
    if version is None:
        print(why, file=sys.stderr)
        return 2

    log(f"corpus: {a.files} notes (cached under {BENCH / '.corpus'})")
    subdecks, manifests = ensure_corpus(a.files, ["native"])
    onedeck, _ = ensure_corpus(a.files, ["native"], deck="Bench")
    m = manifests["native"]

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="flashgen-bench-") as tmp_name:
        tmp = Path(tmp_name)
        rows += bench_corpus(f"{a.files:,} sub-decks", subdecks / "native", a.runs, tmp)
        rows += bench_corpus("1 deck", onedeck / "native", a.runs, tmp)
        rows += bench_startup(a.runs, tmp)

    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = "\n".join(
        [
            f"## {now}: {version}, commit {git_head()}",
            "",
            f"Machine: {machine()}.",
            (
                f"Corpus: `bench/gen_corpus.py --files {a.files}` (seed {m['seed']}): "
                f"{m['files']:,} notes, {m['bytes'] / 1e6:.1f} MB, {m['cards']:,} "
                f"`Term: definition` lines. Whole processes, {a.runs} runs each."
            ),
            "",
            markdown_table(HEADER, [r.cells() for r in rows]),
            "",
            RSS_NOTE,
        ]
    )
    print(text)
    if a.write_results:
        write_results(text)
        log(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
