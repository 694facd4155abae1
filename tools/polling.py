"""Waiting in tests: poll for the state expected, and record how long the
code under test chose to wait; never time it."""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0,
             interval: float = 0.02,
             what: str | Callable[[], str] = 'condition') -> Any:
    """Poll until ``predicate`` returns something true; return it.

    ``what`` names the condition in the failure message; a callable is
    called then, to say what is still wrong.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s' % (
                timeout, what() if callable(what) else what))
        time.sleep(interval)


def record_waits(runner):
    """The timeouts ``runner`` waits for answers with, as it waits."""
    waits = []
    original = runner.wait

    def wait(uuid, waiter, timeout):
        waits.append(timeout)
        return original(uuid, waiter, timeout)

    runner.wait = wait
    return waits
