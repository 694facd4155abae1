"""The instance and action write paths on MariaDB (the SQLite twin is
``tests/unit/db/test_instance_writes.py``), and what the pool leaves on a
connection it takes back."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import threading
import time

import pymysql
import pytest
import sqlalchemy as sa

from nova import exception
from nova.db import api as db_api
from nova.db import migration
from nova.tests.unit.db import write_checks


@pytest.fixture
def url(synced_url: str) -> str:
    return synced_url


@pytest.fixture
def single(url: str) -> Iterator[db_api.Database]:
    """A database whose pool holds one connection, used over and over."""
    db = db_api.Database(url, engine=db_api.create_engine(
        url, pool_size=1, max_overflow=0))
    yield db
    db.dispose()


def test_what_a_write_returns_is_what_a_read_finds(url: str) -> None:
    db = db_api.Database(url)
    try:
        write_checks.check_owner_writes(db)
        write_checks.check_update_returns(db)
        write_checks.check_events(db)
        write_checks.check_node_upsert(db)
        write_checks.check_node_upsert_by_id(db)
    finally:
        db.dispose()


def test_the_top_applies_a_childs_batch(url: str) -> None:
    top = db_api.Database(url, owns_instances=False)
    try:
        write_checks.check_top_batches(top)
    finally:
        top.dispose()


def test_every_write_of_a_view_draws_a_new_revision(
        mariadb_url_factory: Callable[..., str]) -> None:
    top_url, owner_url = (mariadb_url_factory('nova_top'),
                          mariadb_url_factory('nova_owner'))
    migration.db_sync(top_url)
    migration.db_sync(owner_url)
    top = db_api.Database(top_url, owns_instances=False)
    owner = db_api.Database(owner_url)
    try:
        write_checks.check_revisions(top, owner)
    finally:
        top.dispose()
        owner.dispose()


def _open_transactions(thread_id: int) -> int:
    admin = pymysql.connect(host='127.0.0.1', user='root', password='',
                            autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute('SELECT COUNT(*) FROM information_schema.'
                           'innodb_trx WHERE trx_mysql_thread_id = %s',
                           (thread_id,))
            return int(cursor.fetchone()[0])
    finally:
        admin.close()


def test_a_pooled_connection_comes_back_with_no_transaction(
        url: str, single: db_api.Database) -> None:
    # The pool does not roll back on return (see create_engine): every
    # use must end its own transaction, a failed write included.
    with single.reader() as session:
        thread_id = session.connection().exec_driver_sql(
            'SELECT CONNECTION_ID()').scalar()
    single.instance_create(write_checks.ctxt(), {
        'uuid': write_checks.UUID_A, 'project_id': 'p1',
        'task_state': 'spawning'})
    with pytest.raises(exception.InstanceInvalidState):
        single.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                               {'display_name': 'x'},
                               expected_task_state='scheduling')
    assert _open_transactions(thread_id) == 0
    # A read leaves no snapshot behind: the next one sees a change
    # committed elsewhere in between.
    assert single.instance_get_by_uuid(
        write_checks.ctxt(), write_checks.UUID_A)['display_name'] is None
    assert _open_transactions(thread_id) == 0
    other = db_api.Database(url)
    try:
        other.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                              {'display_name': 'renamed'})
    finally:
        other.dispose()
    assert single.instance_get_by_uuid(
        write_checks.ctxt(), write_checks.UUID_A)['display_name'] == 'renamed'
    with single.reader() as session:
        assert session.connection().exec_driver_sql(
            'SELECT CONNECTION_ID()').scalar() == thread_id


def _waiting_for_a_lock() -> bool:
    admin = pymysql.connect(host='127.0.0.1', user='root', password='',
                            autocommit=True)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema."
                           "innodb_trx WHERE trx_state = 'LOCK WAIT'")
            return int(cursor.fetchone()[0]) > 0
    finally:
        admin.close()


def test_a_childs_batch_that_loses_a_deadlock_is_applied_again(
        url: str) -> None:
    top = db_api.Database(url, owns_instances=False)
    ctxt = write_checks.ctxt()
    a, b = write_checks.UUID_A, write_checks.UUID_B     # a sorts first
    top.instances_apply_from_child(ctxt, [write_checks._child(a, 1),
                                          write_checks._child(b, 1)])
    locking = []
    sa.event.listen(top.engine, 'before_cursor_execute',
                    lambda _c, _cur, statement, *_a: locking.append(1)
                    if statement.rstrip().endswith('FOR UPDATE') else None)
    # Another client holds b and has written a lot: InnoDB rolls back the
    # lighter transaction of the two, the batch's.
    other = pymysql.connect(host='127.0.0.1', user='root', password='',
                            database=sa.engine.make_url(url).database)
    result: list[object] = []
    try:
        with other.cursor() as cursor:
            cursor.execute('BEGIN')
            cursor.executemany(
                'INSERT INTO instance_system_metadata (instance_uuid, '
                '`key`, value, deleted) VALUES (%s, %s, %s, 0)',
                [(b, 'k%d' % i, 'v') for i in range(50)])
            cursor.execute('UPDATE instances SET progress = 1 '
                           'WHERE uuid = %s', (b,))
            # The batch locks a, then waits for b ...
            worker = threading.Thread(target=lambda: result.append(
                top.instances_apply_from_child(ctxt, [
                    write_checks._child(a, 2, vm_state='active'),
                    write_checks._child(b, 2, vm_state='active')])))
            worker.start()
            deadline = time.monotonic() + 10
            while not _waiting_for_a_lock():
                assert time.monotonic() < deadline, 'the batch never waited'
                time.sleep(0.01)
            # ... and this client wants a: a deadlock.
            cursor.execute('UPDATE instances SET progress = 2 '
                           'WHERE uuid = %s', (a,))
        other.commit()
        worker.join(10)
    finally:
        other.close()
        top.dispose()
    assert result == [[('updated', 0), ('updated', 0)]]
    assert len(locking) == 2        # rolled back once, then applied
    top = db_api.Database(url, owns_instances=False)
    try:
        for uuid in (a, b):
            row = top.instance_get_by_uuid(ctxt, uuid)
            assert (row['vm_state'], row['sync_version']) == ('active', 2)
    finally:
        top.dispose()
