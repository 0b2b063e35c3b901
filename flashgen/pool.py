"""Work spread over the machine's cores: one `concurrent.futures` process pool, the one way
flashgen runs anything in parallel (parsing notes, writing packages).

The workers are forked, so they start with the parent's memory as it is (a module-level
value set before the pool starts is there without being pickled). Ctrl-C is the parent's
to handle: a terminal sends SIGINT to every process of the group, and a worker stopped by
it at a random point would leave its pipe half written and the pool waiting for ever, so
workers start with SIGINT blocked and then ignore it; a worker whose parent was killed
leaves at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from flashgen.errors import FlashgenError

T = TypeVar("T")
R = TypeVar("R")


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


def _start_worker(
    parent: int, initializer: Callable[..., object] | None, args: tuple[Any, ...]
) -> None:
    # A SIGINT that came while the worker started was held back (`sigint_held`): ignored,
    # it is dropped.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    release_sigint()
    # The parent's pid comes from the parent: a worker whose parent was killed before this
    # ran has another parent already, and watching that one would keep it waiting for ever.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*args)


def _exit_with_parent(parent: int) -> None:
    """A worker whose build was killed (SIGKILL) would wait forever on a pipe its siblings
    keep open: it leaves as soon as its parent is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def in_pool(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    chunksize: int,
    what: str,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """`fn` over `items` in a pool of `workers` forked processes; the results in order.

    Stopped early (Ctrl-C, an error, the iterator closed), it does not wait for the items
    not yet started: the workers finish the chunk in hand and leave. `what` names the work
    in the message for a worker that died.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(
        max_workers=workers,
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )
    wait = False
    try:
        # The workers are forked by the first submission (map submits every chunk at once):
        # with Ctrl-C held back, so that each starts with it blocked and then ignores it.
        with sigint_held():
            results = pool.map(fn, items, chunksize=chunksize)
        yield from results
        wait = True
    except BrokenProcessPool as exc:
        raise FlashgenError(
            f"a process {what} ended unexpectedly ({exc}); run the build again"
        ) from exc
    except Exception:
        # An error in one item (a full disk): the work in hand ends before this returns, so
        # no worker is still writing when the error is reported. Ctrl-C does not wait.
        wait = True
        raise
    finally:
        pool.shutdown(wait=wait, cancel_futures=True)
