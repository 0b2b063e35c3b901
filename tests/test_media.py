"""Finding a note's images: inside the notes root only, like Obsidian, each file read once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flashgen.media import MediaFiles, is_remote
from tests.conftest import write
from tests.images import opened, png

RED = png(4, 4, (255, 0, 0))
BLUE = png(4, 4, (0, 0, 255))
GREEN = png(4, 4, (0, 255, 0))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """notes/ with two `diagram.png` of different content, an attachments folder, and a
    file outside the notes root that must never be read."""
    root = tmp_path / "notes"
    write(root, "bio/cells.md", "# Cells\n")
    write(root, "bio/img/diagram.png", RED)
    write(root, "chem/img/diagram.png", BLUE)
    write(root, "attachments/graph.png", GREEN)
    write(root, "bio/deep/er/graph.png", RED)
    write(tmp_path, "outside/secret.png", png(2, 2, (9, 9, 9)))
    return root


def resolve(root: Path, ref: str, note: str = "bio/cells.md", **kw: int) -> object:
    return MediaFiles(**kw).resolve(ref, root / note, root)


def test_same_file_name_in_two_folders_gives_two_names(tree: Path) -> None:
    files = MediaFiles()
    red = files.resolve("img/diagram.png", tree / "bio/cells.md", tree)
    blue = files.resolve("../chem/img/diagram.png", tree / "bio/cells.md", tree)
    assert not isinstance(red, str) and not isinstance(blue, str)
    assert red.name != blue.name
    assert red.name.endswith(".png") and len(red.name) == 20
    assert red.path == (tree / "bio/img/diagram.png").resolve()


def test_same_content_gives_the_same_name(tree: Path) -> None:
    files = MediaFiles()
    a = files.resolve("img/diagram.png", tree / "bio/cells.md", tree)
    b = files.resolve("deep/er/graph.png", tree / "bio/cells.md", tree)
    assert not isinstance(a, str) and not isinstance(b, str)
    assert a.name == b.name


def test_obsidian_lookup_order(tree: Path) -> None:
    files = MediaFiles()
    by_name = files.resolve("graph.png", tree / "bio/cells.md", tree)
    from_root = files.resolve("attachments/graph.png", tree / "chem/x.md", tree)
    assert not isinstance(by_name, str) and not isinstance(from_root, str)
    # Two files named graph.png: the one nearest the root wins.
    assert by_name.path == (tree / "attachments/graph.png").resolve()
    assert from_root.path == by_name.path


def test_explicit_relative_paths_do_not_fall_back(tree: Path) -> None:
    assert resolve(tree, "./graph.png") == "image not found: ./graph.png"
    assert resolve(tree, "./2.png") == "image not found: ./2.png"


def test_percent_encoded_names(tree: Path) -> None:
    write(tree, "bio/img/cell wall.png", GREEN)
    found = resolve(tree, "img/cell%20wall.png")
    assert not isinstance(found, str)
    assert found.path.name == "cell wall.png"


@pytest.mark.parametrize(
    "ref",
    ["../../outside/secret.png", "../../../../../../etc/passwd", "img/../../../outside/secret.png"],
)
def test_traversal_is_refused_without_reading(tree: Path, ref: str) -> None:
    with opened() as paths:
        assert resolve(tree, ref) == f"image outside the notes folder, not read: {ref}"
    assert not [p for p in paths if not p.is_relative_to(tree)]


def test_absolute_paths_outside_are_refused(tree: Path) -> None:
    secret = str(tree.parent / "outside" / "secret.png")
    with opened() as paths:
        assert resolve(tree, secret) == f"image outside the notes folder, not read: {secret}"
        assert resolve(tree, "/etc/passwd") == (
            "image outside the notes folder, not read: /etc/passwd"
        )
    assert paths == []
    inside = resolve(tree, str(tree / "attachments" / "graph.png"))
    assert not isinstance(inside, str)


def test_symlinks_pointing_out_are_refused(tree: Path) -> None:
    os.symlink(tree.parent / "outside" / "secret.png", tree / "bio" / "img" / "link.png")
    os.symlink(tree.parent / "outside", tree / "bio" / "out")
    os.symlink(tree / "chem" / "img" / "diagram.png", tree / "bio" / "img" / "inside.png")
    with opened() as paths:
        assert resolve(tree, "img/link.png") == (
            "image outside the notes folder, not read: img/link.png"
        )
        assert resolve(tree, "out/secret.png") == (
            "image outside the notes folder, not read: out/secret.png"
        )
        # Found by name under the root, still a link out: refused too.
        assert resolve(tree, "link.png", note="chem/x.md") == (
            "image outside the notes folder, not read: link.png"
        )
    assert not [p for p in paths if not p.is_relative_to(tree)]
    assert not isinstance(resolve(tree, "img/inside.png"), str)


def test_a_symlink_loop_is_a_warning(tree: Path) -> None:
    os.symlink("b.png", tree / "bio" / "img" / "a.png")
    os.symlink("a.png", tree / "bio" / "img" / "b.png")
    assert resolve(tree, "img/a.png") == "image cannot be read (symlink loop): img/a.png"


def test_size_limit(tree: Path) -> None:
    write(tree, "bio/img/big.png", b"\x89PNG" + b"\0" * (3 * 1024 * 1024))
    with opened() as paths:
        message = resolve(tree, "img/big.png", max_bytes=2 * 1024 * 1024)
    assert message == "image is 3 MB, over the 2 MB limit; left out: img/big.png"
    assert (tree / "bio/img/big.png").resolve() not in paths
    assert not isinstance(resolve(tree, "img/big.png"), str)  # under the 10 MB default


def test_other_urls(tree: Path) -> None:
    assert is_remote("https://example.org/a.png")
    assert is_remote("HTTP://example.org/a.png")
    assert is_remote("//cdn.example.org/a.png")
    assert not is_remote("img/a.png")
    assert resolve(tree, "file:///etc/passwd") == (
        "image URL not supported (only local files and http(s)): file:///etc/passwd"
    )
    assert resolve(tree, "img/") == "image not found: img/"


def test_each_file_is_read_once_per_build(tree: Path) -> None:
    files = MediaFiles()
    with opened() as paths:
        for _ in range(3):
            files.resolve("img/diagram.png", tree / "bio/cells.md", tree)
    assert paths.count((tree / "bio/img/diagram.png").resolve()) == 1
