"""The database of one cell: engine, sessions and the query API.

:class:`Database` is built from a ``[database] connection`` URL and handed
to every service that needs it; nothing here is a module global, so several
cells can share a process.  The query methods are grouped by topic in the
``_*.py`` modules of this package and mixed in here.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import hashlib
import re
import threading
from typing import Any

from oslo_log import log as logging
from oslo_utils import strutils
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm
import tenacity

from nova import exception
from nova import urls
from nova.context import RequestContext
from nova.db import _actions
from nova.db import _aggregates
from nova.db import _bw
from nova.db import _cells
from nova.db import _compute
from nova.db import _flavors
from nova.db import _groups
from nova.db import _images
from nova.db import _instances
from nova.db import _migrations
from nova.db import _network
from nova.db import _quotas
from nova.db import _secgroups

LOG = logging.getLogger(__name__)

# Seconds a transaction waits for a named lock (locked_writer).
LOCK_WAIT = 30

def _regexp(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLite has no REGEXP of its own; the name filter of server lists
    # needs one (MySQL and MariaDB have theirs).
    dbapi_conn.create_function('regexp', 2, _regexp, deterministic=True)
    cursor = dbapi_conn.cursor()
    # WAL lets readers run while one thread writes; several services of a
    # cell share one SQLite file in nova-all.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def create_engine(url: str, pool_size: int = 10, max_overflow: int = 20,
                  pool_timeout: int = 30) -> sa.Engine:
    """An engine for ``url``; the pool settings apply to server databases
    (``[database] max_pool_size``, ``max_overflow``, ``pool_timeout``)."""
    if url.startswith('sqlite'):
        engine = sa.create_engine(
            url, connect_args={'check_same_thread': False, 'timeout': 30})
        event.listen(engine, 'connect', _sqlite_pragmas)
        return engine
    parsed, connect_args = _tls_switch(url)
    # No rollback when a connection goes back to the pool: every use here
    # goes through a SQLAlchemy Connection, which has already committed,
    # rolled back or (closed with its transaction open) rolled back
    # itself.  The pool's own ROLLBACK was a second round trip on every
    # transaction of the tree.
    return sa.create_engine(parsed, pool_pre_ping=True, pool_recycle=3600,
                            pool_size=pool_size, max_overflow=max_overflow,
                            pool_timeout=pool_timeout,
                            pool_reset_on_return=None,
                            connect_args=connect_args)


def _tls_switch(url: str) -> tuple[sa.URL, dict[str, Any]]:
    """``url`` without its ``ssl_disabled`` query parameter, and that
    parameter as a boolean connect argument.

    PyMySQL, told nothing about TLS, offers it to the server on every new
    connection, building a TLS context from the system's certificate
    store each time (~36 ms of CPU), whether the server speaks TLS or not.
    ``?ssl_disabled=true`` saves that where TLS is pointless (a database
    on loopback) or absent.  SQLAlchemy would pass the text through, where
    ``false`` counts as true.
    """
    parsed = sa.engine.make_url(url)
    value = parsed.query.get('ssl_disabled')
    if value is None:
        return parsed, {}
    if not isinstance(value, str):
        raise exception.InvalidCellConfig(
            reason='[database] connection: ssl_disabled is given more '
            'than once')
    try:
        disabled = strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise exception.InvalidCellConfig(
            reason='[database] connection: ssl_disabled must be true or '
            'false, not %r' % value) from None
    return (parsed.difference_update_query(['ssl_disabled']),
            {'ssl_disabled': disabled})


class Database(_instances.InstanceQueries, _actions.ActionQueries,
               _migrations.MigrationQueries, _compute.ComputeQueries,
               _bw.BandwidthQueries, _flavors.FlavorQueries,
               _images.ImageQueries, _cells.CellQueries,
               _network.NetworkQueries, _quotas.QuotaQueries,
               _aggregates.AggregateQueries,
               _secgroups.SecurityGroupQueries, _groups.GroupQueries):
    """Query API over one cell's database.

    Listeners added with :meth:`add_listener` are called as
    ``listener(context, kind, values)`` after every committed change of an
    instance (``kind`` is ``instance.update``, ``instance.destroy``,
    ``instance.fault``, ``instance.action``, ``instance.action_event``
    or ``bw_usage.update``); a child cell registers one that pushes
    the change toward the top.  An update that changes an instance's vm
    or task state or its name is also reported as
    ``instance.state_change`` (``{'instance': row, 'old_vm_state': ...,
    'old_task_state': ..., 'old_display_name': ...}``), and services as
    ``service.create`` (first heartbeat) and ``service.update``: a cell
    that sends notifications registers a listener for those.
    """

    def __init__(self, url: str, engine: sa.Engine | None = None,
                 owns_instances: bool = True) -> None:
        self.url = url
        # A cell that runs its instances numbers their versions; the top
        # only stores the numbers its children send.
        self.owns_instances = owns_instances
        self.engine = engine or create_engine(url)
        self._sessionmaker = orm.sessionmaker(bind=self.engine,
                                              expire_on_commit=False)
        self.listeners: list[Callable[[Any, str, dict[str, Any]], None]] = []
        self._listeners_lock = threading.Lock()
        # This thread's session while it reads in a snapshot().
        self._snapshot = threading.local()
        # SQLite takes one writer at a time; serialising writes in the
        # process avoids "database is locked" retries under load.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if url.startswith('sqlite')
            else contextlib.nullcontext())

    @contextlib.contextmanager
    def reader(self) -> Iterator[orm.Session]:
        held = getattr(self._snapshot, 'session', None)
        if held is not None:
            yield held
            return
        with self._sessionmaker() as session:
            yield session

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """The reads this thread makes inside share one session: one
        connection taken from the pool and one transaction, so they see
        the database as it was at the first of them.

        For reads only: a write inside runs in a transaction of its own,
        which the reads after it would not see.
        """
        if getattr(self._snapshot, 'session', None) is not None:
            yield
            return
        with self._sessionmaker() as session:
            self._snapshot.session = session
            try:
                yield
            finally:
                self._snapshot.session = None

    @contextlib.contextmanager
    def writer(self) -> Iterator[orm.Session]:
        with self._write_lock:
            with self._sessionmaker() as session:
                with session.begin():
                    yield session

    @contextlib.contextmanager
    def locked_writer(self, name: str) -> Iterator[sa.Connection]:
        """A write transaction that holds the lock ``name`` from before
        its first read until after its commit.

        Every transaction of this database that takes the same name runs
        alone and sees what the one before it committed.  On MySQL and
        MariaDB the lock is a named lock (``GET_LOCK``) of the connection,
        taken before the transaction starts, so the transaction's first
        read sees the previous holder's commit; the server releases it if
        the connection dies.  SQLite writes are serialised in the process
        anyway (one file per cell, one process writing it).
        """
        with self._write_lock, self.engine.connect() as conn:
            named = conn.dialect.name == 'mysql'
            if named:
                # A name is at most 64 characters.
                key = 'nova-' + hashlib.sha1(name.encode()).hexdigest()
                got = conn.execute(sa.text('SELECT GET_LOCK(:k, :t)'),
                                   {'k': key, 't': LOCK_WAIT}).scalar()
                conn.commit()
                if got != 1:
                    raise exception.NovaException(
                        'Timed out waiting for lock %s' % name)
            try:
                with conn.begin():
                    yield conn
            finally:
                if named:
                    conn.execute(sa.text('SELECT RELEASE_LOCK(:k)'),
                                 {'k': key})
                    conn.commit()

    def add_listener(self, listener: Callable[[Any, str, dict[str, Any]],
                                              None]) -> None:
        with self._listeners_lock:
            self.listeners.append(listener)

    def _notify(self, context: RequestContext, kind: str,
                values: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            try:
                listener(context, kind, values)
            except Exception:
                # A failed push up is repaired by the heal task; the local
                # change has been committed and must stand.
                LOG.exception('Listener failed on %s of instance %s', kind,
                              values.get('uuid') or
                              values.get('instance_uuid'))

    def wait_until_reachable(self, max_retries: int = -1,
                             retry_interval: float = 2.0) -> None:
        """Block until the database answers, retrying with a log line.

        A cell's services must not exit because its database is down at
        start; they wait for it instead.
        """
        stop: tenacity.stop.stop_base = (
            tenacity.stop_never if max_retries < 0
            else tenacity.stop_after_attempt(max_retries + 1))
        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            reason = getattr(error, 'orig', error)
            LOG.warning('Database %s is unreachable (%s); retrying in '
                        '%.1f s (attempt %d%s)', urls.mask_url(self.url),
                        reason, retry_interval, state.attempt_number,
                        '' if max_retries < 0
                        else ' of %d' % (max_retries + 1))

        retrying = tenacity.Retrying(
            stop=stop, wait=tenacity.wait_fixed(retry_interval),
            retry=tenacity.retry_if_exception_type(sa.exc.OperationalError),
            before_sleep=log_retry, reraise=True)
        for attempt in retrying:
            with attempt:
                with self.engine.connect() as conn:
                    conn.execute(sa.text('SELECT 1'))

    def dispose(self) -> None:
        self.engine.dispose()

