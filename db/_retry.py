"""Running a write transaction again when the database lost it: a
deadlock's victim, or a connection refused or cut.

InnoDB (MySQL, MariaDB) breaks a deadlock by rolling one of the
transactions back with error 1213 and expects the client to run it again;
so does Nova, with oslo.db's ``wrap_db_retry(retry_on_deadlock=True)``.
Two children's batches applied at the top at once, or a batch and a new
server's rows, can take their row and gap locks in opposite orders.

A server that refuses new connections (``1040 Too many connections``,
``2003`` cannot connect) or a connection that goes away mid-transaction
(``2006`` gone away, ``2013`` lost, or one SQLAlchemy marks invalidated)
loses the transaction too; oslo.db retries those as well
(``retry_on_disconnect``).  A write lost so would leave a build with no
one to finish it, so these are retried for longer: for up to
:data:`CONNECTION_PATIENCE` seconds, with pauses growing to
:data:`MAX_CONNECTION_PAUSE`.

A method wrapped here runs its transactions again, after a short random
pause; its listeners are called after its commit, so they hear of the
change once.
"""

from __future__ import annotations

from collections.abc import Callable
import functools
import random
import threading
import time
from typing import Any
from typing import TypeVar

from oslo_log import log as logging
import sqlalchemy as sa

LOG = logging.getLogger(__name__)

# MySQL and MariaDB: "Deadlock found when trying to get lock".
ER_LOCK_DEADLOCK = 1213
ATTEMPTS = 6
# Too many connections; cannot connect; server gone away; connection lost.
CONNECTION_ERRORS = frozenset({1040, 2003, 2006, 2013})
# Seconds a transaction keeps being retried while the database refuses or
# drops connections, and the longest pause between two tries.
CONNECTION_PATIENCE = 60.0
MAX_CONNECTION_PAUSE = 2.0

F = TypeVar('F', bound=Callable[..., Any])


def _code(error: BaseException) -> Any:
    args: tuple[Any, ...] = tuple(getattr(getattr(error, 'orig', None),
                                          'args', ()))
    return args[0] if args else None


def is_deadlock(error: BaseException) -> bool:
    return (isinstance(error, sa.exc.DBAPIError)
            and _code(error) == ER_LOCK_DEADLOCK)


def is_disconnect(error: BaseException) -> bool:
    """A transaction lost to a refused, dropped or exhausted connection
    (the pool's own timeout included)."""
    if isinstance(error, sa.exc.TimeoutError):
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    return bool(error.connection_invalidated
                or _code(error) in CONNECTION_ERRORS)


# A short random pause before each new run, longer after each loss.
_FIRST_PAUSE = 0.02


class _Tries:
    """How long to pause before the next run, or None to give up."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.deadlocks = 0
        self.disconnects = 0
        self.deadline: float | None = None

    def pause(self, error: BaseException) -> float | None:
        if is_deadlock(error):
            self.deadlocks += 1
            if self.deadlocks >= ATTEMPTS:
                return None
            return random.uniform(
                0, min(0.5, _FIRST_PAUSE * 2 ** (self.deadlocks - 1)))
        if is_disconnect(error):
            now = self.clock()
            if self.deadline is None:
                self.deadline = now + CONNECTION_PATIENCE
            if now >= self.deadline:
                return None
            self.disconnects += 1
            return min(MAX_CONNECTION_PAUSE,
                       0.05 * 2 ** self.disconnects) * random.uniform(0.5, 1)
        return None


_RERUN = threading.local()


def rerun_after_lost_connection() -> bool:
    """Whether the transaction running now is a new run of one whose
    connection was lost: that one may have committed before the loss
    (a connection lost during ``COMMIT``), so a conditional write that
    finds its own change already made must take it as done."""
    return bool(getattr(_RERUN, 'lost', False))


def retry_on_deadlock(func: F) -> F:
    """Run ``func`` again when its transaction loses a deadlock, or its
    connection is refused or lost (see the module's docstring).

    The first run is a plain call; the common case pays nothing for it.
    """
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        tries: _Tries | None = None
        outer = getattr(_RERUN, 'lost', False)
        try:
            while True:
                try:
                    return func(*args, **kwargs)
                except (sa.exc.DBAPIError, sa.exc.TimeoutError) as error:
                    tries = tries or _Tries(time.monotonic)
                    pause = tries.pause(error)
                    if pause is None:
                        raise
                    LOG.info('%s lost its transaction (%s); running it '
                             'again in %.2f s', func.__qualname__,
                             _code(error) or type(error).__name__, pause)
                    if is_disconnect(error):
                        _RERUN.lost = True
                time.sleep(pause)
        finally:
            _RERUN.lost = outer

    return run  # type: ignore[return-value]
