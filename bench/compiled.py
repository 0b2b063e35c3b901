#!/usr/bin/env python3
"""How much a compiled extractor and renderer would give a cold build: a measurement.

Issue 7 asks for a cold build 1.5x faster than ankdown (which parses with a C library).
flashgen's per-note work (reading, extraction, rendering) is pure Python, and profiles of
it are flat. This script measures what compiling that work would buy, without shipping it:

1. copies flashgen/ into a temporary folder;
2. compiles the extraction and rendering modules there with mypyc, which comes with mypy
   (a test dependency); it needs a C compiler and Python's headers;
3. times cold builds of the same corpus with the repository's flashgen and with the
   compiled copy, interleaved, as whole processes;
4. checks that both wrote the same cards: the lock files, mod times aside, and every
   package's notes and cards.

    python bench/compiled.py --files 2000 --runs 3

The render rules of render.py are rewritten in the copy first, because mypyc refuses them
(PATCHES); both rewrites behave the same in plain Python.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from gen_corpus import ensure_corpus
from run import REPO, Sample, flashgen_cmd, flashgen_env, log, markdown_table, measure

MODULES = (
    "flashgen/extract/blocks.py",
    "flashgen/extract/dollarmath.py",
    "flashgen/extract/markup.py",
    "flashgen/extract/not_terms.py",
    "flashgen/extract/terms.py",
    "flashgen/extract/separators.py",
    "flashgen/extract/wrap.py",
    "flashgen/extract/base.py",
    "flashgen/extract/cloze.py",
    "flashgen/extract/dash.py",
    "flashgen/extract/definitions.py",
    "flashgen/extract/deflist.py",
    "flashgen/extract/explicit.py",
    "flashgen/extract/key_points.py",
    "flashgen/extract/links.py",
    "flashgen/extract/quoted.py",
    "flashgen/extract/sentence.py",
    "flashgen/render.py",
    "flashgen/identity.py",
)
"""The modules compiled: the extraction rules, the pyrs block reader, rendering, and card
identity. Unit and Card (extract/outline.py, cards.py) stay Python."""

PATCHES = (
    # markdown-it binds a render rule with `__get__`, which compiled functions lack.
    (
        "flashgen/render.py",
        re.compile(r'md\.add_render_rule\("(\w+)", (\w+)\)'),
        (
            r'md.renderer.rules["\1"] = __import__("types").MethodType(\2, md.renderer)'
            "  # type: ignore[attr-defined]"
        ),
        7,
    ),
)


def compiled_copy(dest: Path) -> None:
    """flashgen/ copied into dest, PATCHES applied and MODULES compiled there."""
    shutil.copytree(
        REPO / "flashgen", dest / "flashgen", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")  # mypy's settings
    for name, old, new, count in PATCHES:
        path = dest / name
        text = path.read_text(encoding="utf-8")
        if isinstance(old, re.Pattern):
            text, found = old.subn(new, text)
        else:
            found = text.count(old)
            text = text.replace(old, new)
        if found != count:
            sys.exit(f"{name}: expected {count} of {old!r}, found {found}: update PATCHES")
        path.write_text(text, encoding="utf-8")
    log(f"compiling {len(MODULES)} modules with mypyc (about half a minute)")
    proc = subprocess.run(
        [sys.executable, "-m", "mypyc", *MODULES],
        cwd=dest,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        sys.exit(f"mypyc failed (it needs mypy, a C compiler and Python's headers):\n{tail}")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(dest / "flashgen")], check=True)


def cards_written(out: Path, notes: Path) -> Any:
    """The lock without mod times, and each package's notes and cards (ids, fields, decks)."""
    lock = json.loads((notes / "flashgen.lock.json").read_text(encoding="utf-8"))

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "mod"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    packages = {}
    with tempfile.TemporaryDirectory() as tmp:
        for apkg in sorted(out.glob("*.apkg")):
            db = Path(zipfile.ZipFile(apkg).extract("collection.anki2", tmp))
            conn = sqlite3.connect(db)
            try:
                packages[apkg.name] = (
                    conn.execute(
                        "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
                    ).fetchall(),
                    conn.execute("SELECT id, nid, did, ord, due FROM cards ORDER BY id").fetchall(),
                )
            finally:
                conn.close()
            db.unlink()
    return strip(lock), packages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000, help="notes in the corpus")
    parser.add_argument("--runs", type=int, default=3, help="cold builds of each")
    args = parser.parse_args()
    corpus = ensure_corpus(args.files, ("native",))[0] / "native"
    with tempfile.TemporaryDirectory(prefix="flashgen-compiled-") as tmp_name:
        tmp = Path(tmp_name)
        compiled_copy(tmp / "src")
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(REPO / "flashgen")],
            env=flashgen_env(),
            check=True,
        )
        variants = {
            "pure Python (this repository)": REPO,
            "extraction and rendering compiled": tmp / "src",
        }
        samples: dict[str, list[Sample]] = {name: [] for name in variants}
        written = {}
        for run in range(args.runs):
            for n, (name, root) in enumerate(variants.items()):
                log(f"  {name}: cold build {run + 1}/{args.runs}")
                # the lock lives with the notes: without it, each of these is a first build
                (corpus / "flashgen.lock.json").unlink(missing_ok=True)
                out, cache = tmp / f"out-{run}-{n}", tmp / f"cache-{run}-{n}"
                env = flashgen_env(XDG_CACHE_HOME=str(cache))
                env["PYTHONPATH"] = os.pathsep.join([str(root), env["PYTHONPATH"]])
                samples[name].append(
                    measure(flashgen_cmd("build", corpus, "-o", out, "-q"), env=env, cwd=tmp)
                )
                if run == args.runs - 1:
                    written[name] = cards_written(out, corpus)
                shutil.rmtree(out)
                shutil.rmtree(cache, ignore_errors=True)
    pure, fast = (samples[name] for name in variants)
    rows = []
    for name, runs in samples.items():
        secs = [s.seconds for s in runs]
        rows.append(
            [
                name,
                f"{statistics.median(secs):.3f}",
                f"{min(secs):.3f}-{max(secs):.3f}",
                f"{statistics.median(s.cpu for s in runs):.2f}",
            ]
        )
    print(f"Cold builds of {args.files:,} notes, {args.runs} each, interleaved.\n")
    print(markdown_table(["flashgen", "median s", "min-max s", "CPU s (median)"], rows))
    ratio = statistics.median(p.seconds for p in pure) / statistics.median(f.seconds for f in fast)
    same = len({json.dumps(w, sort_keys=True) for w in written.values()}) == 1
    print(
        f"\nCompiled: {ratio:.2f}x the pure build's speed. Same cards written: {'yes' if same else 'NO'}."
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
