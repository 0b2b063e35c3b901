"""The rename matcher: the renames it must find and the guesses it must refuse."""

from __future__ import annotations

import itertools

import pytest

from flashgen.rename import Ambiguity, Sketch, match, similarity, sketch


def card(key: str, answer: str, model: str = "basic") -> Sketch:
    """A card as the matcher sees it: its key and its rendered answer."""
    if model == "cloze":
        return sketch(key, model, (answer, "", "", "src"))
    return sketch(key, model, ("front", f"<p>{answer}</p>", "", "", "src", ""))


LAKEHOUSE = "a storage design that puts warehouse tables on cheap data lake files"
DVC = "a tool that versions data sets and models next to the code in git"
SHADOW = "running a new model beside the live one without showing its answers"
HABITS = "pin every dependency<br>version the data next to the code<br>log the random seed"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            card("l5|definition|lakehouse architechture", LAKEHOUSE),
            card("l5|definition|lakehouse architecture", LAKEHOUSE),
            id="term typo fixed",
        ),
        pytest.param(
            card("l5|definition|dvc", DVC),
            card("l5|definition|dvc (data version control)", DVC),
            id="term expanded with a parenthesis",
        ),
        pytest.param(
            card("l5|definition|dvc", DVC),
            card("l5|definition|data version control (dvc)", DVC),
            id="term spelled out, abbreviation kept in parentheses",
        ),
        pytest.param(
            card("l5|definition|lakehouse architechture", LAKEHOUSE),
            card("l5|definition|lakehouse architecture", "warehouse tables over a lake"),
            id="term typo fixed and definition rewritten in the same note",
        ),
        pytest.param(
            card("l5|key_points|habits that make training reproducible", HABITS),
            card("l5|key_points|reproducible training habits", HABITS),
            id="heading renamed, same points",
        ),
        pytest.param(
            card("mlops/lecture-05|definition|shadow deployment", SHADOW),
            card("mlops/week-5/tools|definition|shadow deployment", SHADOW),
            id="note file renamed and moved",
        ),
        pytest.param(
            card("mlops/lecture-05|definition|shadow deployment", SHADOW),
            card(
                "mlops/week-5/tools|definition|shadow deployment",
                SHADOW.replace("its answers", "its answers to users"),
            ),
            id="note moved and definition touched up",
        ),
        pytest.param(
            card("mlops/lecture-05|definition|shadow deployment", SHADOW),
            card("mlops/week-5/tools|definition|shadow deploymnet", SHADOW),
            id="note moved and term misspelled",
        ),
        pytest.param(
            card("l5|definition|shadow deployment", SHADOW),
            card("l5|definition|dark launch", SHADOW),
            id="term replaced, definition unchanged",
        ),
        pytest.param(
            card("l5|cloze|the {{c1::gap}} between notebook and users", "", model="cloze"),
            card("l5|cloze|the {{c1::gap}} between notebooks and users", "", model="cloze"),
            id="cloze text edited",
        ),
    ],
)
def test_rename_is_found(old: Sketch, new: Sketch) -> None:
    assert match([old], [new]).pairs == {new.key: old.key}


def test_a_moved_note_keeps_every_card() -> None:
    answers = {"latency": "time for one message", "jitter": "how much latency varies over time"}
    old = [card(f"week-3|definition|{t}", a) for t, a in answers.items()]
    new = [card(f"networking/week-03|definition|{t}", a) for t, a in answers.items()]
    assert match(old, new).pairs == {
        "networking/week-03|definition|latency": "week-3|definition|latency",
        "networking/week-03|definition|jitter": "week-3|definition|jitter",
    }


def test_the_stronger_candidate_wins() -> None:
    old = card("l5|definition|dvc", DVC)
    same_answer = card("l5|definition|dvc (data version control)", DVC)
    other_answer = card("l5|definition|dvc (tool)", "the command line program of the project")
    result = match([old], [same_answer, other_answer])
    assert result.pairs == {same_answer.key: old.key}
    assert result.ambiguous == ()


def test_once_a_match_is_taken_the_next_best_is_unique() -> None:
    # "colour models" is as close to "color model" as to "color modls"; once "color model"
    # pairs with "colour model" (same definition too), "color modls" is its only candidate.
    a = card("n|definition|colour model", "how colours are described by numbers")
    b = card("n|definition|colour models", "families such as rgb and cmyk for print")
    a2 = card("n|definition|color model", "how colours are described by numbers")
    b2 = card("n|definition|color modls", "rgb, cmyk and hsv: families used in print")
    assert match([a, b], [a2, b2]).pairs == {a2.key: a.key, b2.key: b.key}


@pytest.mark.parametrize(
    ("old", "new", "ambiguous"),
    [
        pytest.param(
            [
                card("n|definition|colour model", "the numbers that describe a colour"),
                card("n|definition|color models", "the numbers that describe a colour"),
            ],
            [card("n|definition|color model", "the numbers that describe a colour")],
            [
                Ambiguity(
                    "n|definition|color model",
                    ("n|definition|color models", "n|definition|colour model"),
                    (),
                )
            ],
            id="two old cards equally close",
        ),
        pytest.param(
            [card("n|definition|bias", "a systematic error")],
            [
                card("n|definition|bias (statistics)", "error of an estimator"),
                card("n|definition|bias (ml)", "error from wrong assumptions"),
            ],
            [
                Ambiguity(
                    "n|definition|bias (ml)",
                    ("n|definition|bias",),
                    ("n|definition|bias (statistics)",),
                ),
                Ambiguity(
                    "n|definition|bias (statistics)",
                    ("n|definition|bias",),
                    ("n|definition|bias (ml)",),
                ),
            ],
            id="a term split into two",
        ),
        pytest.param(
            [
                card("a|definition|normal form", "a rule for laying out tables without redundancy"),
                card("b|definition|normal form", "a rule for laying out tables without redundancy"),
            ],
            [card("c|definition|normal form", "a rule for laying out tables without redundancy")],
            [
                Ambiguity(
                    "c|definition|normal form",
                    ("a|definition|normal form", "b|definition|normal form"),
                    (),
                )
            ],
            id="two notes with the same card merged into one",
        ),
    ],
)
def test_ambiguous_matches_are_refused(
    old: list[Sketch], new: list[Sketch], ambiguous: list[Ambiguity]
) -> None:
    result = match(old, new)
    assert result.pairs == {}
    assert list(result.ambiguous) == ambiguous


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            card("db|definition|normalisation", "splitting tables so each fact is stored once"),
            card("ml|definition|normalisation", "scaling features to a common range"),
            id="same term in another note, different meaning",
        ),
        pytest.param(
            card("n|definition|latency", "time for one message to arrive"),
            card("n|definition|throughput", "messages delivered per second"),
            id="a different card in the same note",
        ),
        pytest.param(
            card("a|definition|tcp", "a transport"),
            card("b|definition|udp", "a transport"),
            id="same short answer, different term",
        ),
        pytest.param(
            card("n|definition|shadow deployment", SHADOW),
            card("n|key_points|shadow deployment", SHADOW),
            id="another kind",
        ),
        pytest.param(
            card("n|definition|shadow deployment", SHADOW),
            card("n|definition|shadow deployment", SHADOW, model="cloze"),
            id="another note type",
        ),
        pytest.param(
            card("l5|definition|shadow deployment", SHADOW),
            card(
                "w5/tools|definition|shadow deploymnet",
                "running a new model beside the live one and logging its answers quietly",
            ),
            id="note moved, term misspelled and definition edited at once",
        ),
        pytest.param(
            card("n|definition|ram", "memory that loses its content without power"),
            card("n|definition|rom", "memory written once at the factory"),
            id="short terms one letter apart",
        ),
    ],
)
def test_no_match(old: Sketch, new: Sketch) -> None:
    result = match([old], [new])
    assert result.pairs == {}
    assert result.ambiguous == ()


def test_result_does_not_depend_on_order() -> None:
    old = [
        card("n|definition|colour model", "the numbers that describe a colour"),
        card("n|definition|color models", "the numbers that describe a colour"),
        card("n|definition|dvc", DVC),
        card("m|definition|shadow deployment", SHADOW),
    ]
    new = [
        card("n|definition|color model", "the numbers that describe a colour"),
        card("n|definition|dvc (data version control)", DVC),
        card("k|definition|shadow deployment", SHADOW),
    ]
    results = {
        (tuple(sorted(r.pairs.items())), r.ambiguous)
        for r in (
            match(o, n) for o in itertools.permutations(old) for n in itertools.permutations(new)
        )
    }
    assert len(results) == 1


def test_similarity_is_edit_distance_over_length() -> None:
    assert similarity("lakehouse architechture", "lakehouse architecture") == 1 - 1 / 23
    assert similarity("ram", "rom") == pytest.approx(2 / 3)
    assert similarity("", "") == 1.0


def test_sketch_reads_key_and_answer() -> None:
    s = sketch(
        "mlops/l5|definition|dvc (data version control)#2",
        "basic",
        ("DVC", "<p>Data &amp; code</p>"),
    )
    assert (s.note, s.kind, s.term) == ("mlops/l5", "definition", "dvc (data version control)")
    assert s.names == {"dvc", "data version control"}
    assert s.words == {"data", "code"}
    cloze = sketch("n|cloze|x", "cloze", ("The {{c1::mitochondrion::organelle}} makes ATP",))
    assert cloze.words == {"the", "mitochondrion", "makes", "atp"}
