"""Reads made once whichever thread asks first: what lets the live run read AWS concurrently.

At 50-300 ms per AWS call from a CI runner in another region, a live run's reads one after
another are seconds of waiting, although most of them are independent. The runner therefore reads
ahead (conformance.runner.read_ahead): every planned live check runs once on a *twin* of the run's
LiveEvidence (`LiveEvidence.twin`), in a pool of threads, before the cases run. The twin shares the
boto3 session (so the read-only guard and the call counters), the clients and this memo of raw
outcomes; everything it concludes (its cache of classified answers, its stops, its account checks)
is its own and thrown away. The cases then run one by one, in order, on the run's evidence, which
asks this memo before calling AWS: it finds each read made, with its raw outcome (the answer, or
the exception botocore raised), and classifies and reports it exactly as it would have without
reading ahead. Hence the same calls (each key once), and the same reports, byte for byte.

`ReadAhead.take` is the one place a read leaves the process for either of them: the first thread
to ask for a key makes the read; any other thread asking for it meanwhile waits for that one
read (one in-flight future per key), and later askers get its outcome at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

# Threads that read ahead, and each client's connection pool (botocore's max_pool_connections,
# 10 by default): as many connections as threads, so no thread ever waits for one or opens one
# that is thrown away. A full dev run has about 50 jobs (a case, a client, a read each).
READ_AHEAD_THREADS = 32


class ReadAhead:
    """Raw outcomes of reads by key: made once, by whichever thread asks first; the others wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outcomes: dict[Hashable, Future[Any]] = {}

    def take(self, key: Hashable, read: Callable[[], T]) -> T:
        """The outcome of `read()` for `key`: its answer, or the exception it raised, raised again."""
        with self._lock:
            outcome = self._outcomes.get(key)
            mine = outcome is None
            if outcome is None:
                outcome = self._outcomes[key] = Future()
        if mine:
            try:
                outcome.set_result(read())
            except BaseException as error:  # kept as it is: the asker classifies it
                outcome.set_exception(error)
        return outcome.result()

    def __len__(self) -> int:
        return len(self._outcomes)

    def made(self, key: Hashable) -> bool:
        """Whether the read for `key` has been made (its outcome is there)."""
        with self._lock:
            outcome = self._outcomes.get(key)
        return outcome is not None and outcome.done()
