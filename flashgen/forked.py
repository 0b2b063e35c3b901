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
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, Generic, NoReturn, TypeVar

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
        self._pid, self._read = 0, read
        self._status: int | None = None
        try:
            # Ctrl-C held back while forking: the child, forked with SIGINT blocked, gets
            # one only in `_child`'s `try` (it never unwinds the parent's build); this
            # process gets it once it knows its child, and ends that child (which may not
            # have been told) rather than leave it unwaited.
            with sigint_held():
                self._pid = os.fork()
                if self._pid == 0:
                    _child(fn, read, write)
                os.close(write)
                write = -1
        except BaseException:
            if write >= 0:
                os.close(write)
            if self._pid > 0:
                os.kill(self._pid, signal.SIGKILL)
            self._reap()
            raise

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
                while self._read >= 0 and (chunk := os.read(self._read, 1 << 16)):
                    chunks.append(chunk)
            finally:
                status = self._reap()
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

    def _reap(self) -> int | None:
        """Close the pipe and wait for the child, once however often asked (a Ctrl-C may
        stop the first try half way): its wait status (None: there was no child)."""
        if self._read >= 0:
            read, self._read = self._read, -1
            os.close(read)
        if self._status is None and self._pid > 0:
            _, self._status = os.waitpid(self._pid, 0)
        return self._status


def _child(fn: Callable[[], Any], read: int, write: int) -> NoReturn:
    """The forked child: run `fn`, write its answer to `write`, leave without running the
    parent's cleanup (`os._exit`). SIGINT comes blocked (`sigint_held`): released inside
    the `try`, a Ctrl-C is an answer like any other error."""
    code = 1
    try:
        os.close(read)
        try:
            release_sigint()
            answer: Any = ("ok", fn())
            code = 0
        except OSError as exc:
            answer = ("os", exc.errno, exc.strerror, exc.filename)
        except FlashgenError as exc:
            answer = ("flashgen", exc.message)
        except BaseException as exc:  # noqa: BLE001 - anything, reported to the parent
            answer = ("other", f"{type(exc).__name__}: {exc}")
        data = marshal.dumps(answer)
        view = memoryview(data)
        while view:
            view = view[os.write(write, view) :]
    finally:
        os._exit(code)


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """SIGINT (Ctrl-C) blocked in this thread meanwhile, so a process forked here starts
    with it blocked: one that comes meanwhile is delivered when it is unblocked (here, a
    KeyboardInterrupt on leaving; in the child, `release_sigint` or ignoring it)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - POSIX has it
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def release_sigint() -> None:
    """Unblock SIGINT in a process started under `sigint_held`."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
