"""The instance and action write paths on MariaDB (the SQLite twin is
``tests/unit/db/test_instance_writes.py``), and what the pool leaves on a
connection it takes back."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator

import pymysql
import pytest

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
        write_checks.check_events(db)
        write_checks.check_node_upsert(db)
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
