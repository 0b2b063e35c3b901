"""One piece of a build's work run beside the rest, in a forked child process.

The child starts with the parent's memory as it is (nothing is pickled), so the packages
of a large build are written while the parent writes the lock: the two cores each get
half of a build's serial tail. Where `os.fork` is unsafe or missing (not Linux, or other
threads running), the work runs in the parent, as before.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from flashgen.errors import FlashgenError

T = TypeVar("T")


def can_fork() -> bool:
    """On Linux, in a process of one thread (`watch` has the file watcher's threads: a
    child forked there could inherit a lock one of them holds)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class Forked(Generic[T]):
    """`fn()` running in a child process; `result()` waits for it and returns its value (a
    marshal-able value), or raises what it raised: an OSError as an OSError (same errno,
    message and file name), a FlashgenError as one (same message), anything else as a
    RuntimeError with its description."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._value: T | None = None
        self._done = False
        if not can_fork():  # pragma: no cover - Linux is where this runs
            self._value, self._done = fn(), True
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, report, leave without running the parent's cleanup
            os.close(read)
            code = 0
            try:
                answer: Any = ("ok", fn())
            except OSError as exc:
                answer, code = ("os", exc.errno, exc.strerror, exc.filename), 1
            except FlashgenError as exc:
                answer, code = ("flashgen", exc.message), 1
            except BaseException as exc:  # noqa: BLE001 - anything, reported to the parent
                answer, code = ("other", f"{type(exc).__name__}: {exc}"), 1
            try:
                data = marshal.dumps(answer)
                view = memoryview(data)
                while view:
                    view = view[os.write(write, view) :]
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def close(self) -> None:
        """Wait for the child if `result` was not asked for (a build failing otherwise):
        no child is left unwaited; its answer is dropped."""
        if not self._done:
            # The build already has an error to report; the child's would only hide it.
            with contextlib.suppress(Exception):
                self.result()

    def result(self) -> T:
        if not self._done:
            chunks = []
            try:
                while chunk := os.read(self._read, 1 << 16):
                    chunks.append(chunk)
            finally:
                os.close(self._read)
                _, status = os.waitpid(self._pid, 0)
            self._done = True
            try:
                answer = marshal.loads(b"".join(chunks))
            except (EOFError, ValueError, TypeError):
                answer = ("other", f"the child process ended without an answer ({status})")
            if answer[0] == "os":
                raise OSError(answer[1], answer[2], answer[3])
            if answer[0] == "flashgen":
                raise FlashgenError(answer[1])
            if answer[0] != "ok":
                raise RuntimeError(answer[1])
            self._value = answer[1]
        return self._value  # type: ignore[return-value]
