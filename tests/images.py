"""Image helpers for tests: tiny valid PNG files, and a record of every file a block opens."""

from __future__ import annotations

import os
import struct
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A `width` by `height` PNG filled with one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


_recording: list[list[Path]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event in ("open", "os.listdir", "os.scandir") and args:
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            _recording[-1].append(Path(os.fsdecode(target)).absolute())


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only inside `opened()`


@contextmanager
def opened() -> Iterator[list[Path]]:
    """Every file opened and folder listed inside the block, as absolute paths."""
    paths: list[Path] = []
    _recording.append(paths)
    try:
        yield paths
    finally:
        _recording.pop()
