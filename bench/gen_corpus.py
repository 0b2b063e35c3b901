#!/usr/bin/env python3
"""Deterministic synthetic class-notes corpus for flashgen's benchmarks.

Writes markdown lecture notes in several equivalent syntaxes:

  native   flashgen's: YAML frontmatter, '# title', '## sections', paragraphs,
           'Term: definition' lines (the cards), bullet lists, code blocks,
           $inline$ / $$display$$ math, the odd table and quote.
  mad      markdown-anki-decks: frontmatter, '# deck', '## Term' = question,
           everything up to the next '##' = answer.
  md2anki  md2anki: '# Title (deck-id)', '## Term (note-id)', answer below.
  ankdown  ankdown: fields separated by lone '%', cards by lone '---'.

Every syntax carries the same cards (one per 'Term: definition' line) and the
same filler text (attached to the preceding card's answer for the peers), so
card counts are identical and byte counts within a few percent. The default
seed with --files 2000 gives 47,756 cards in 19.3 MB of native notes.

Layout: OUTDIR/<format>/<course-code>/<course-code>-lecNN.md (file stems are
unique across the corpus because markdown-anki-decks names its outputs by
stem). OUTDIR/<format>/MANIFEST.json records the parameters, files, bytes and
cards; it is written last, so a corpus without one is incomplete.

Usage: gen_corpus.py OUTDIR --files N [--formats native,mad,...] [--deck NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = ("native", "mad", "md2anki", "ankdown")
DEFAULT_SEED = 20240901
CORPUS_CACHE = Path(__file__).resolve().parent / ".corpus"

WORDS = """
the of and to in is that for it as was with be by on not he this are or his from
at which but have an they you were her she there been one all we their has would
when if so no will more other can into its only some time these two may then do
first any my now such like our over man me even most made after also did many
before must through back years where much your way well down should because each
just those people how too little state good very make world still own see men work
long get here between both life being under never day same another know while last
might us great old year off come since against go came right used take three
process system energy cell cells function value values data structure model theory
method result results form level number point case order group change rate effect
force field matrix vector graph node tree list array pointer memory stack queue
hash table key element set map sequence series limit integral derivative equation
variable constant proof lemma theorem definition property example problem solution
algorithm complexity input output signal protein enzyme membrane gene genome
molecule atom electron bond reaction acid base ion charge mass velocity
acceleration momentum wave frequency temperature pressure volume heat entropy
equilibrium market price demand supply cost capital labor policy law court right
empire war treaty trade culture language society class power network protocol
packet layer server client request response thread lock transaction query index
schema compiler parser token grammar type object interface module package library
kernel process scheduler cache page disk file buffer stream sample mean variance
distribution probability estimate test hypothesis error regression weight bias
layer gradient loss training inference
""".split()  # noqa: SIM905 - a word bank reads better as text

TERMS = """
Mitochondrion Ribosome Osmosis Diffusion Photosynthesis Glycolysis Allele Genotype
Phenotype Mitosis Meiosis Homeostasis Enzyme Substrate Catalyst Isotope
Covalent-bond Ionic-bond Electronegativity Entropy Enthalpy Momentum Inertia Torque
Impulse Wavelength Amplitude Resonance Refraction Diffraction Polarization
Capacitance Inductance Resistance Impedance Eigenvalue Eigenvector Determinant Rank
Kernel Basis Span Orthogonality Projection Norm Inner-product Limit Continuity
Derivative Integral Antiderivative Series Convergence Divergence Gradient Curl
Jacobian Hessian Taylor-series Fourier-transform Laplace-transform Convolution
Recursion Iteration Invariant Big-O Amortized-cost Hash-function Collision
Load-factor Binary-search Heap Priority-queue Trie Graph Vertex Edge Adjacency-list
Spanning-tree Shortest-path Dynamic-programming Memoization Greedy-algorithm
Backtracking Deadlock Race-condition Mutex Semaphore Monitor Virtual-memory
Page-fault TLB Context-switch System-call Interrupt Pipeline Branch-prediction
Cache-line Latency Throughput Bandwidth Idempotence Consistency Availability
Partition-tolerance Normalization Foreign-key Primary-key Index Transaction
Isolation-level Closure Higher-order-function Currying Immutability Polymorphism
Inheritance Encapsulation Abstraction Coupling Cohesion Opportunity-cost Elasticity
Marginal-utility Comparative-advantage Inflation Deflation Fiscal-policy
Monetary-policy GDP Tariff Oligopoly Monopoly Externality Public-good Feudalism
Mercantilism Enlightenment Reformation Renaissance Treaty Sovereignty Federalism
Separation-of-powers Judicial-review Habeas-corpus Precedent Null-hypothesis
P-value Confidence-interval Standard-error Bias Variance Overfitting Regularization
Cross-validation Gradient-descent Backpropagation Activation-function Softmax
Cross-entropy Likelihood Prior Posterior Bayes-rule Markov-chain
""".split()  # noqa: SIM905

# Non-ASCII on purpose: notes carry Greek letters, symbols and accents.
UNICODE_BITS = [
    "α",  # noqa: RUF001
    "β",
    "λ",
    "→",
    "≤",
    "≥",
    "°C",
    "µm",
    "é",
    "naïve",
    "Schrödinger",
    "Δ",
    "π",
    "∑",
]

CODE_SNIPPETS: dict[str, list[str]] = {
    "python": [
        (
            "def {f}(xs):\n    # {c}\n    total = 0\n    for x in xs:\n"
            "        total += x * {n}\n    return total\n"
        ),
        (
            "class {F}:\n    def __init__(self, size={n}):\n        self.items = [None] * size\n\n"
            "    def get(self, i):\n        return self.items[i % len(self.items)]\n"
        ),
        (
            "import math\n\nvalues = [math.sqrt(i) for i in range({n})]\n"
            "print(sum(values) / len(values))  # {c}\n"
        ),
    ],
    "c": [
        (
            "#include <stdio.h>\n\nint {f}(int n) {{\n    // {c}\n    if (n <= 1) return n;\n"
            "    return {f}(n - 1) + {f}(n - 2);\n}}\n"
        ),
        (
            "struct node {{\n    int value;\n    struct node *next;\n}};\n\n"
            "void push(struct node **head, int v) {{ /* {c} */ }}\n"
        ),
    ],
    "js": [
        "function {f}(arr) {{\n  // {c}\n  return arr.filter(x => x > {n}).map(x => x * 2);\n}}\n",
        (
            "const cache = new Map();\nasync function {f}(key) {{\n"
            "  if (cache.has(key)) return cache.get(key);\n"
            "  const v = await fetch(`/api/${{key}}`);\n  cache.set(key, v);\n  return v;\n}}\n"
        ),
    ],
    "sql": [
        (
            "SELECT s.name, COUNT(*) AS n\nFROM students s\n"
            "JOIN enrollments e ON e.student_id = s.id\nWHERE e.grade >= {n}\n"
            "GROUP BY s.name\nORDER BY n DESC;\n"
        ),
    ],
    "bash": [
        'for f in *.csv; do\n  # {c}\n  wc -l "$f" | sort -n | tail -{n}\ndone\n',
    ],
}

INLINE_MATH = [
    "x^2 + y^2 = r^2",
    "\\frac{{a}}{{b}}",
    "O(n \\log n)",
    "\\sum_{{i=1}}^{{n}} i = \\frac{{n(n+1)}}{{2}}",
    "e^{{i\\pi}} + 1 = 0",
    "\\nabla f",
    "\\Delta G = \\Delta H - T\\Delta S",
    "F = ma",
    "p < 0.05",
    "\\lambda_{n}",
    "\\mathbb{{E}}[X]",
    "\\sigma^2",
    "v = f\\lambda",
    "k_B T",
]
DISPLAY_MATH = [
    "\\int_0^{{\\infty}} e^{{-x^2}}\\,dx = \\frac{{\\sqrt{{\\pi}}}}{{2}}",
    "\\det(A - \\lambda I) = 0",
    "P(A \\mid B) = \\frac{{P(B \\mid A)\\,P(A)}}{{P(B)}}",
    "\\frac{{\\partial u}}{{\\partial t}} = \\alpha \\nabla^2 u",
    "T(n) = 2T(n/2) + O(n)",
    "\\hat\\beta = (X^\\top X)^{{-1}} X^\\top y",
]
SUBJECTS = ["BIO", "CHEM", "PHYS", "MATH", "CS", "ECON", "HIST", "STAT", "PSY", "LING"]

Run = list[tuple[str, str]]
"""Consecutive 'Term: definition' lines, as (term, definition) pairs."""
Item = tuple[str, Any]
"""('cards', Run) or ('fill', markdown block)."""
Section = tuple[str, list[Item]]
"""(heading, items)."""
PeerCard = tuple[str, str, list[str]]
"""(term, definition, filler blocks appended to the answer)."""


class Gen:
    """Random text pieces; every draw goes through one seeded Random."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.wweights = [1.0 / (i + 1) ** 0.9 for i in range(len(WORDS))]

    def word(self) -> str:
        return self.r.choices(WORDS, self.wweights)[0]

    def words(self, k: int) -> list[str]:
        return self.r.choices(WORDS, self.wweights, k=k)

    def inline(self, w: str) -> str:
        """Decorate one word with inline markup at realistic rates."""
        x = self.r.random()
        if x < 0.03:
            return f"*{w}*"
        if x < 0.05:
            return f"**{w}**"
        if x < 0.065:
            return f"`{w}()`"
        if x < 0.072:
            return f"[{w}](https://example.org/{w}/{self.r.randint(1, 999)})"
        if x < 0.080:
            m = self.r.choice(INLINE_MATH).format(n=self.r.randint(1, 9))
            return "$" + m.replace("{{", "{").replace("}}", "}") + "$"
        if x < 0.085:
            return self.r.choice(UNICODE_BITS)
        return w

    def sentence(self, lo: int = 8, hi: int = 22) -> str:
        s = " ".join(self.inline(w) for w in self.words(self.r.randint(lo, hi)))
        return s[0].upper() + s[1:] + self.r.choice([".", ".", ".", ".", "?", ";"])

    def plain_sentence(self, lo: int, hi: int) -> str:
        s = " ".join(self.words(self.r.randint(lo, hi)))
        return s[0].upper() + s[1:]

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.r.randint(2, 5)))

    def bullets(self) -> str:
        out = []
        ordered = self.r.random() < 0.25
        for i in range(self.r.randint(3, 7)):
            mark = f"{i + 1}." if ordered else "-"
            out.append(f"{mark} {self.sentence(4, 14)}")
            if self.r.random() < 0.2:
                indent = "   " if ordered else "  "
                for _ in range(self.r.randint(1, 3)):
                    out.append(f"{indent}- {self.sentence(3, 9)}")
        return "\n".join(out)

    def code(self) -> str:
        lang = self.r.choice(list(CODE_SNIPPETS))
        tpl = self.r.choice(CODE_SNIPPETS[lang])
        body = tpl.format(
            f=self.word() + "_" + self.word(),
            F=self.word().capitalize() + "Store",
            c=self.plain_sentence(3, 8).lower(),
            n=self.r.randint(2, 99),
        )
        return f"```{lang}\n{body}```"

    def display_math(self) -> str:
        m = self.r.choice(DISPLAY_MATH).replace("{{", "{").replace("}}", "}")
        return f"$$\n{m}\n$$"

    def table(self) -> str:
        cols = self.r.randint(2, 4)
        head = "| " + " | ".join(self.word().capitalize() for _ in range(cols)) + " |"
        sep = "|" + "|".join("---" for _ in range(cols)) + "|"
        rows = [
            "| "
            + " | ".join(" ".join(self.words(self.r.randint(1, 3))) for _ in range(cols))
            + " |"
            for _ in range(self.r.randint(2, 5))
        ]
        return "\n".join([head, sep, *rows])

    def quote(self) -> str:
        return "> " + self.sentence()

    def filler(self) -> str:
        x = self.r.random()
        if x < 0.42:
            return self.paragraph()
        if x < 0.70:
            return self.bullets()
        if x < 0.82:
            return self.code()
        if x < 0.90:
            return self.display_math()
        if x < 0.95:
            return self.table()
        return self.quote()

    def term(self) -> str:
        t = self.r.choice(TERMS).replace("-", " ")
        if self.r.random() < 0.3:
            t = t + " " + self.word()
        return t

    def definition(self) -> str:
        return " ".join(self.sentence(6, 16) for _ in range(self.r.randint(1, 2)))


@dataclass(frozen=True, slots=True)
class Doc:
    """One lecture note before it is rendered in any syntax."""

    meta: dict[str, Any]
    """title, course, lecture, date, tags, and deck when one is forced."""
    intro: list[Item]
    """Filler before the first section."""
    sections: list[Section]

    @property
    def cards(self) -> int:
        return sum(
            len(body) for _, items in self.sections for kind, body in items if kind == "cards"
        )


def make_doc(g: Gen, course: str, lec: int, target_bytes: int, deck: str | None = None) -> Doc:
    r = g.r
    title = f"Lecture {lec}: {g.plain_sentence(2, 5)}"
    meta: dict[str, Any] = {
        "title": title,
        "course": course,
        "lecture": lec,
        "date": f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        "tags": sorted(set(g.words(r.randint(1, 4)))),
    }
    if deck is not None:
        meta["deck"] = deck
    sections: list[Section] = []
    size = 450
    intro: list[Item] = [("fill", g.paragraph())]
    size += len(intro[0][1])
    seen_terms: set[str] = set()
    while size < target_bytes:
        items: list[Item] = []
        for _ in range(r.randint(3, 8)):
            if r.random() < 0.25:
                # a run of consecutive 'Term: definition' lines (one paragraph)
                run: Run = []
                for _ in range(r.randint(1, 4)):
                    t = g.term()
                    while t in seen_terms:
                        t = t + " " + g.word()
                    seen_terms.add(t)
                    d = g.definition()
                    run.append((t, d))
                    size += len(t) + len(d) + 3
                items.append(("cards", run))
            else:
                b = g.filler()
                size += len(b) + 2
                items.append(("fill", b))
        heading = g.plain_sentence(2, 6)
        size += len(heading) + 4
        sections.append((heading, items))
    return Doc(meta, intro, sections)


def yaml_front(meta: dict[str, Any]) -> str:
    tags = ", ".join(meta["tags"])
    deck = f"deck: {meta['deck']}\n" if "deck" in meta else ""
    return (
        f'---\ntitle: "{meta["title"]}"\ncourse: {meta["course"]}\n'
        f"lecture: {meta['lecture']}\ndate: {meta['date']}\ntags: [{tags}]\n"
        f"{deck}---\n\n"
    )


def render_native(doc: Doc) -> str:
    out = [yaml_front(doc.meta), f"# {doc.meta['title']}\n\n"]
    for _, b in doc.intro:
        out.append(b + "\n\n")
    for heading, items in doc.sections:
        out.append(f"## {heading}\n\n")
        for kind, body in items:
            if kind == "cards":
                out.append("\n".join(f"{t}: {d}" for t, d in body) + "\n\n")
            else:
                out.append(body + "\n\n")
    return "".join(out)


def flatten_cards(doc: Doc) -> list[PeerCard]:
    """Cards for the peers' syntaxes.

    Filler is attached to the answer of the preceding card; text before the
    first card goes to the first card's answer.
    """
    cards: list[PeerCard] = []
    pending = [b for _, b in doc.intro]
    for heading, items in doc.sections:
        pending.append(f"**{heading}**")
        for kind, body in items:
            if kind == "cards":
                for t, d in body:
                    if cards:
                        cards[-1][2].extend(pending)
                        pending = []
                    cards.append((t, d, []))
                    if len(cards) == 1:
                        cards[0][2].extend(pending)
                        pending = []
            else:
                pending.append(body)
    if cards:
        cards[-1][2].extend(pending)
    return cards


def stable_id(*parts: object, bits: int = 31) -> int:
    h = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(h[:8], "big") % (1 << bits)


def render_mad(doc: Doc) -> str:
    meta = {k: v for k, v in doc.meta.items() if k != "deck"}
    out = [yaml_front(meta), f"# {meta['title']}\n\n"]
    for t, d, extra in flatten_cards(doc):
        out.append(f"## {t}\n\n{d}\n\n")
        out.extend(b + "\n\n" for b in extra)
    return "".join(out)


def render_md2anki(doc: Doc, key: str) -> str:
    did = stable_id(key, "deck")
    out = [f"# {doc.meta['title']} ({did})\n\n"]
    for t, d, extra in flatten_cards(doc):
        nid = uuid.UUID(bytes=hashlib.md5(f"{key}/{t}".encode()).digest())
        out.append(f"## {t} ({nid})\n\n{d}\n\n")
        out.extend(b + "\n\n" for b in extra)
    return "".join(out)


def render_ankdown(doc: Doc) -> str:
    out = []
    cards = flatten_cards(doc)
    for i, (t, d, extra) in enumerate(cards):
        back = "\n\n".join([d, *extra])
        out.append(f"{t}\n\n%\n\n{back}\n\n%\n\n{doc.meta['course']}\n")
        if i != len(cards) - 1:
            out.append("\n---\n\n")
    return "".join(out)


def render(fmt: str, doc: Doc, key: str) -> str:
    if fmt == "native":
        return render_native(doc)
    if fmt == "mad":
        return render_mad(doc)
    if fmt == "md2anki":
        return render_md2anki(doc, key)
    if fmt == "ankdown":
        return render_ankdown(doc)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def generator_version() -> str:
    """Hash of this file: a cached corpus made by another version is stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def params(
    files: int, seed: int, per_course: int, mean_kb: float, deck: str | None
) -> dict[str, Any]:
    return {
        "files_requested": files,
        "seed": seed,
        "per_course": per_course,
        "mean_kb": mean_kb,
        "deck": deck,
        "generator": generator_version(),
    }


def generate(
    outdir: Path,
    files: int,
    formats: Sequence[str] = FORMATS,
    *,
    seed: int = DEFAULT_SEED,
    per_course: int = 20,
    mean_kb: float = 10.0,
    deck: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Write the corpus under outdir/<format>/ and return each format's manifest.

    The text depends only on the seed and the size parameters, not on which
    formats are written. deck, if given, adds 'deck: NAME' to the native
    frontmatter (the other syntaxes ignore it).
    """
    for f in formats:
        if f not in FORMATS:
            raise ValueError(f"unknown format {f!r}; known: {', '.join(FORMATS)}")
        shutil.rmtree(outdir / f, ignore_errors=True)
    rng = random.Random(seed)
    g = Gen(rng)
    stats = {f: {"files": 0, "bytes": 0, "cards": 0} for f in formats}
    for i in range(files):
        ci, lec = divmod(i, per_course)
        course = f"{SUBJECTS[ci % len(SUBJECTS)]}{100 + ci:04d}"
        lec += 1
        # lognormal sizes around mean_kb (median ~0.85*mean), clipped to 2..40 KB
        size = rng.lognormvariate(0, 0.55) * mean_kb * 1000 / 1.27
        doc = make_doc(g, course, lec, min(40_000, max(2_000, int(size))), deck)
        key = f"{course}-lec{lec:02d}"
        for f in formats:
            data = render(f, doc, key).encode("utf-8")
            d = outdir / f / course
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{key}.md").write_bytes(data)
            s = stats[f]
            s["files"] += 1
            s["bytes"] += len(data)
            s["cards"] += doc.cards
    manifests = {}
    for f in formats:
        manifest = {
            "format": f,
            **stats[f],
            **params(files, seed, per_course, mean_kb, deck),
        }
        (outdir / f).mkdir(parents=True, exist_ok=True)
        (outdir / f / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
        manifests[f] = manifest
    return manifests


def read_manifest(outdir: Path, fmt: str) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((outdir / fmt / "MANIFEST.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest


def ensure_corpus(
    files: int,
    formats: Sequence[str] = FORMATS,
    *,
    deck: str | None = None,
    root: Path = CORPUS_CACHE,
    seed: int = DEFAULT_SEED,
) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Reuse or write the corpus in the cache folder; return its path and manifests.

    A format is rewritten when its manifest is missing or was made with other
    parameters or by another version of this file.
    """
    outdir = root / (f"n{files}-s{seed}" + (f"-deck-{deck}" if deck else ""))
    want = params(files, seed, 20, 10.0, deck)
    manifests: dict[str, dict[str, Any]] = {}
    missing = []
    for f in formats:
        m = read_manifest(outdir, f)
        if m is not None and all(m.get(k) == v for k, v in want.items()):
            manifests[f] = m
        else:
            missing.append(f)
    if missing:
        manifests.update(generate(outdir, files, missing, seed=seed, deck=deck))
    return outdir, manifests


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--files", type=int, required=True, help="number of notes")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--per-course", type=int, default=20, help="notes per course folder")
    ap.add_argument("--mean-kb", type=float, default=10.0, help="mean note size")
    ap.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help=f"comma-separated subset of {','.join(FORMATS)} (default: all)",
    )
    ap.add_argument("--deck", help="add 'deck: DECK' to every native note's frontmatter")
    a = ap.parse_args(argv)
    formats = [f for f in a.formats.split(",") if f]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        ap.error(f"unknown format(s) {','.join(unknown)}; known: {','.join(FORMATS)}")
    manifests = generate(
        a.outdir,
        a.files,
        formats,
        seed=a.seed,
        per_course=a.per_course,
        mean_kb=a.mean_kb,
        deck=a.deck,
    )
    for f, m in manifests.items():
        print(f"{f}: {m['files']} files, {m['bytes']:,} bytes, {m['cards']:,} cards")


if __name__ == "__main__":
    main()
