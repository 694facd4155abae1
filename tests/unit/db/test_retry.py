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
