"""A write transaction that loses a deadlock runs again (see
nova.db._retry); the deadlock is injected, as SQLite has none."""

import pymysql
import pytest
import sqlalchemy as sa

from nova import exception
from nova.db import _retry
from nova.tests.unit.db import write_checks

DEADLOCK = (1213, 'Deadlock found when trying to get lock; try restarting '
            'transaction')


def _fail(db, prefix, error=DEADLOCK, times=1):
    """The next ``times`` statements starting with ``prefix`` fail with
    MariaDB's ``error``; returns the list of those tried."""
    tried = []

    def before(_conn, _cursor, statement, params, *_args):
        if statement.lstrip().upper().startswith(prefix):
            tried.append(statement)
            if len(tried) <= times:
                raise sa.exc.OperationalError(
                    statement, params, pymysql.err.OperationalError(*error))

    sa.event.listen(db.engine, 'before_cursor_execute', before)
    return tried


def test_a_childs_batch_that_loses_a_deadlock_is_applied_on_a_retry(top):
    tried = _fail(top, 'UPDATE INSTANCES')
    top.instances_apply_from_child(write_checks.ctxt(), [
        write_checks._child(write_checks.UUID_A, 1)])
    result = top.instances_apply_from_child(write_checks.ctxt(), [
        write_checks._child(write_checks.UUID_A, 2, vm_state='active')])
    assert result == [('updated', 0)]
    assert len(tried) == 2      # rolled back once, then committed
    row = top.instance_get_by_uuid(write_checks.ctxt(),
                                   write_checks.UUID_A)
    assert (row['vm_state'], row['sync_version']) == ('active', 2)


def test_a_retried_update_is_announced_once(db):
    heard = []
    db.add_listener(lambda _ctxt, kind, values: heard.append(
        (kind, values['display_name'])))
    db.instance_create(write_checks.ctxt(), {
        'uuid': write_checks.UUID_A, 'project_id': 'p1', 'user_id': 'u1'})
    heard.clear()
    tried = _fail(db, 'UPDATE INSTANCES')
    db.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                       {'display_name': 'again'})
    assert len(tried) == 2
    assert heard == [('instance.update', 'again')]


def test_other_errors_are_not_retried(db):
    tried = _fail(db, 'INSERT INTO INSTANCES',
                  error=(1205, 'Lock wait timeout exceeded'))
    with pytest.raises(sa.exc.OperationalError):
        db.instance_create(write_checks.ctxt(), {
            'uuid': write_checks.UUID_A, 'project_id': 'p1',
            'user_id': 'u1'})
    assert len(tried) == 1


def test_a_deadlock_every_time_gives_up_with_the_error(db):
    tried = _fail(db, 'INSERT INTO INSTANCES', times=100)
    with pytest.raises(sa.exc.OperationalError) as caught:
        db.instance_create(write_checks.ctxt(), {
            'uuid': write_checks.UUID_A, 'project_id': 'p1',
            'user_id': 'u1'})
    assert _retry.is_deadlock(caught.value)
    assert len(tried) == _retry.ATTEMPTS
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(write_checks.ctxt(), write_checks.UUID_A)


@pytest.mark.parametrize('code', [1040, 2003, 2006, 2013])
def test_a_write_refused_a_connection_runs_again_until_it_gets_one(
        db, monkeypatch, code):
    monkeypatch.setattr(_retry, 'MAX_CONNECTION_PAUSE', 0.0)
    tried = _fail(db, 'INSERT INTO INSTANCES',
                  error=(code, 'Too many connections'), times=20)
    db.instance_create(write_checks.ctxt(), {
        'uuid': write_checks.UUID_A, 'project_id': 'p1', 'user_id': 'u1'})
    assert len(tried) == 21
    assert db.instance_get_by_uuid(write_checks.ctxt(),
                                   write_checks.UUID_A)['project_id'] == 'p1'


def test_a_database_that_never_comes_back_is_given_up_on(db, monkeypatch):
    monkeypatch.setattr(_retry, 'MAX_CONNECTION_PAUSE', 0.0)
    monkeypatch.setattr(_retry, 'CONNECTION_PATIENCE', 0.2)
    tried = _fail(db, 'INSERT INTO INSTANCES',
                  error=(2006, 'MySQL server has gone away'), times=10 ** 6)
    with pytest.raises(sa.exc.OperationalError) as caught:
        db.instance_create(write_checks.ctxt(), {
            'uuid': write_checks.UUID_A, 'project_id': 'p1',
            'user_id': 'u1'})
    assert _retry.is_disconnect(caught.value)
    assert len(tried) > 1


def test_a_conditional_update_that_committed_before_its_connection_was_lost(
        db, monkeypatch):
    """The connection drops during COMMIT, after the server committed:
    the new run finds the change made and takes it as done, once."""
    monkeypatch.setattr(_retry, 'MAX_CONNECTION_PAUSE', 0.0)
    db.instance_create(write_checks.ctxt(), {
        'uuid': write_checks.UUID_A, 'project_id': 'p1', 'user_id': 'u1',
        'vm_state': 'building', 'task_state': 'scheduling'})
    heard = []
    db.add_listener(lambda _ctxt, kind, values: heard.append(
        (values['task_state'], values['host'])))
    lost = []

    def commit_then_lose(conn):
        if not lost:
            lost.append(True)
            conn.connection.dbapi_connection.commit()
            raise sa.exc.OperationalError(
                'COMMIT', {}, pymysql.err.OperationalError(
                    2013, 'Lost connection to MySQL server during query'))

    sa.event.listen(db.engine, 'commit', commit_then_lose)
    row = db.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                             {'task_state': 'networking', 'host': 'h1'},
                             expected_task_state=['scheduling', None])
    assert lost and (row['task_state'], row['host']) == ('networking', 'h1')
    assert heard == [('networking', 'h1')]
    # Another host's claim, though, is refused as before.
    with pytest.raises(exception.InstanceInvalidState):
        db.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                           {'task_state': 'networking', 'host': 'h2'},
                           expected_task_state=['scheduling', None])
