"""EventReporter: one event row per piece of work, started and
finished."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from nova import context as nova_context
from nova import exception
from nova.compute import instance_actions
from nova.db import models
from nova.tests.unit.db import statements

UUID = '00000000-0000-4000-8000-0000000000e1'


def _ctxt():
    return nova_context.RequestContext('u1', 'p1', request_id='req-e1')


def _events(db):
    action = db.action_get_by_request_id(_ctxt(), UUID, 'req-e1')
    return action, db.action_events_get(_ctxt(), action['id'])


def test_the_finish_updates_the_row_the_start_wrote(db):
    sent = statements.recorded(db)
    with instance_actions.EventReporter(db, _ctxt(), 'compute_stop',
                                        UUID, 'h1', action='stop'):
        # The start looked for the action, wrote it (the action of the
        # request was not recorded here) and its first event.
        assert sent == ['SELECT', 'INSERT', 'INSERT']
        del sent[:]
    assert sent == ['UPDATE']
    action, [event] = _events(db)
    assert (action['action'], event['event'], event['host'],
            event['result']) == ('stop', 'compute_stop', 'h1', 'Success')
    assert event['start_time'] is not None
    assert event['finish_time'] is not None


def test_an_event_of_a_recorded_action_is_looked_for_first(db):
    db.action_start(_ctxt(), {'action': 'stop', 'instance_uuid': UUID,
                              'request_id': 'req-e1'})
    for result in ('Error', 'Success'):
        sent = statements.recorded(db)
        # Recorded again without its start's row: the same row.
        db.action_event_record(_ctxt(), {
            'instance_uuid': UUID, 'event': 'compute_stop', 'host': 'h1',
            'result': result})
        assert sent[:2] == ['SELECT', 'SELECT']
    action, [event] = _events(db)
    assert (action['message'], event['result']) == ('Error', 'Success')


def test_a_failure_is_recorded_on_the_event_and_its_action(db):
    with pytest.raises(RuntimeError):
        with instance_actions.EventReporter(db, _ctxt(), 'compute_stop',
                                            UUID, 'h1', action='stop'):
            raise RuntimeError('boom')
    action, [event] = _events(db)
    assert event['result'] == 'Error'
    assert 'RuntimeError: boom' in event['traceback']
    assert action['message'] == 'Error'
    # What every user may read (2.84): not the text of a foreign error.
    assert event['details'] == 'RuntimeError'


def test_a_nova_error_is_detailed_by_its_message(db):
    with pytest.raises(exception.InstanceInvalidState):
        with instance_actions.EventReporter(db, _ctxt(), 'compute_stop',
                                            UUID, 'h1', action='stop'):
            raise exception.InstanceInvalidState(
                attr='vm_state', instance_uuid=UUID, state='error',
                method='stop')
    _action, [event] = _events(db)
    assert event['details'].startswith('Cannot ')
    assert event['details'] == instance_actions.event_details(
        exception.InstanceInvalidState(attr='vm_state', instance_uuid=UUID,
                                       state='error', method='stop'))


def test_a_finish_whose_start_row_is_gone_is_recorded_anew(db):
    with instance_actions.EventReporter(db, _ctxt(), 'compute_stop',
                                        UUID, 'h1', action='stop'):
        with db.writer() as session:
            session.execute(sa.delete(models.InstanceActionEvent))
    _action, [event] = _events(db)
    assert (event['result'], event['start_time']) == ('Success', None)
