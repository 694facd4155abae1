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


def _log(state: tenacity.RetryCallState) -> None:
    LOG.info('%s was a deadlock victim; running it again (attempt %d of '
             '%d)', getattr(state.fn, '__qualname__', state.fn),
             state.attempt_number + 1, ATTEMPTS)


def retry_on_deadlock(func: F) -> F:
    """Run ``func`` again when its transaction loses a deadlock."""
    retrying = tenacity.retry(
        retry=tenacity.retry_if_exception(is_deadlock),
        stop=tenacity.stop_after_attempt(ATTEMPTS),
        wait=tenacity.wait_random_exponential(multiplier=0.02, max=0.5),
        before_sleep=_log, reraise=True)
    return functools.wraps(func)(retrying(func))  # type: ignore[return-value]
