"""Retrying a write transaction that the database chose as a deadlock's
victim.

InnoDB (MySQL, MariaDB) breaks a deadlock by rolling one of the
transactions back with error 1213 and expects the client to run it again;
so does Nova, with oslo.db's ``wrap_db_retry(retry_on_deadlock=True)``.
Two children's batches applied at the top at once, or a batch and a new
server's rows, can take their row and gap locks in opposite orders.  A
method wrapped here runs its transactions again, after a short random
pause, a few times; its listeners are called after its commit, so they
hear of the change once.
"""

from __future__ import annotations

from collections.abc import Callable
import functools
import random
import time
from typing import Any
from typing import TypeVar

from oslo_log import log as logging
import sqlalchemy as sa
import tenacity

LOG = logging.getLogger(__name__)

# MySQL and MariaDB: "Deadlock found when trying to get lock".
ER_LOCK_DEADLOCK = 1213
ATTEMPTS = 6

F = TypeVar('F', bound=Callable[..., Any])


def is_deadlock(error: BaseException) -> bool:
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    args: tuple[Any, ...] = tuple(getattr(error.orig, 'args', ()))
    return bool(args) and args[0] == ER_LOCK_DEADLOCK


# A short random pause before each new run, longer after each loss.
_FIRST_PAUSE = 0.02
_PAUSE = tenacity.wait_random_exponential(multiplier=_FIRST_PAUSE, max=0.5)


def _log(state: tenacity.RetryCallState) -> None:
    LOG.info('%s was a deadlock victim again; running it again (attempt '
             '%d of %d)', getattr(state.fn, '__qualname__', state.fn),
             state.attempt_number + 2, ATTEMPTS)


def retry_on_deadlock(func: F) -> F:
    """Run ``func`` again when its transaction loses a deadlock.

    The first run is a plain call; tenacity takes over only after a
    deadlock, so the common case pays nothing for it.
    """
    again = tenacity.retry(
        retry=tenacity.retry_if_exception(is_deadlock),
        stop=tenacity.stop_after_attempt(ATTEMPTS - 1),
        wait=_PAUSE, before_sleep=_log, reraise=True)(func)

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except sa.exc.DBAPIError as error:
            if not is_deadlock(error):
                raise
            LOG.info('%s was a deadlock victim; running it again',
                     func.__qualname__)
        time.sleep(random.uniform(0, _FIRST_PAUSE))
        return again(*args, **kwargs)

    return run  # type: ignore[return-value]
