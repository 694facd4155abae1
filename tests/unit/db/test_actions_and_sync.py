"""Instance actions applied at the top, and field authority when a child's
copy of an instance reaches the top."""

import datetime

import pytest

from nova import context as nova_context
from nova import exception
from nova.tests.unit.db import statements

UUID = '00000000-0000-4000-8000-0000000000b1'
T0 = datetime.datetime(2026, 11, 1, 12, 0, 0)
T1 = T0 + datetime.timedelta(seconds=5)


def _ctxt():
    return nova_context.RequestContext('u1', 'p1', request_id='req-1')


def test_events_are_created_and_completed_in_any_order(top):
    ctxt = _ctxt()
    top.action_start(ctxt, {'action': 'reboot', 'instance_uuid': UUID,
                            'request_id': 'req-1'})
    finish = {'instance_uuid': UUID, 'request_id': 'req-1',
              'event': 'compute_reboot_instance', 'start_time': T0,
              'finish_time': T1, 'result': 'Success', 'host': 'h1'}
    top.action_event_record(ctxt, finish)
    # The start arrives late: it must not undo the finish.
    top.action_event_record(ctxt, {'instance_uuid': UUID,
                                   'request_id': 'req-1',
                                   'event': 'compute_reboot_instance',
                                   'start_time': T0, 'host': 'h1'})
    action = top.action_get_by_request_id(ctxt, UUID, 'req-1')
    [event] = top.action_events_get(ctxt, action['id'])
    assert (event['finish_time'], event['result']) == (T1, 'Success')
    assert action['message'] is None


def test_an_error_event_marks_its_action(top):
    ctxt = _ctxt()
    top.action_event_record(ctxt, {
        'instance_uuid': UUID, 'request_id': 'req-9', 'action': 'pause',
        'event': 'compute_pause_instance', 'result': 'Error',
        'finish_time': T1, 'traceback': 'boom'})
    action = top.action_get_by_request_id(ctxt, UUID, 'req-9')
    assert (action['action'], action['message']) == ('pause', 'Error')


def test_a_childs_action_is_stored_once(top):
    ctxt = _ctxt()
    values = {'action': 'stop', 'instance_uuid': UUID,
              'request_id': 'req-2', 'start_time': T0}
    assert top.action_apply(ctxt, values) is True
    assert top.action_apply(ctxt, values) is False
    assert [a['action'] for a in top.actions_get(ctxt, UUID)] == ['stop']
    with pytest.raises(exception.InstanceActionNotFound):
        top.action_get_by_request_id(ctxt, UUID, 'req-3')


def test_a_childs_batch_of_actions_and_events_applies_in_one_go(top):
    alice = nova_context.RequestContext('alice', 'pa', request_id='req-a')
    bob = nova_context.RequestContext('bob', 'pb', request_id='req-b')
    event = {'instance_uuid': UUID, 'event': 'compute_stop_instance'}
    top.action_records_apply([
        (alice, 'action', {'action': 'stop', 'instance_uuid': UUID,
                           'request_id': 'req-a', 'start_time': T0,
                           'user_id': 'alice', 'project_id': 'pa'}),
        (alice, 'event', dict(event, request_id='req-a', start_time=T0)),
        # No action recorded for bob's request: made for it, as his.
        (bob, 'event', dict(event, request_id='req-b', action='stop',
                            start_time=T0)),
        (alice, 'event', dict(event, request_id='req-a', finish_time=T1,
                              result='Error')),
        # A copy of an action already held changes nothing.
        (alice, 'action', {'action': 'stop', 'instance_uuid': UUID,
                           'request_id': 'req-a', 'start_time': T1}),
    ])
    ctxt = _ctxt()
    mine = top.action_get_by_request_id(ctxt, UUID, 'req-a')
    assert (mine['user_id'], mine['start_time'], mine['message']) == (
        'alice', T0, 'Error')
    [done] = top.action_events_get(ctxt, mine['id'])
    assert (done['start_time'], done['finish_time'], done['result']) == (
        T0, T1, 'Error')
    his = top.action_get_by_request_id(ctxt, UUID, 'req-b')
    assert (his['user_id'], his['project_id'], his['action']) == (
        'bob', 'pb', 'stop')
    with pytest.raises(ValueError, match='unknown action record'):
        top.action_records_apply([(alice, 'rumour', {})])


def test_actions_are_listed_newest_first(top):
    ctxt = _ctxt()
    for n, name in enumerate(('create', 'stop', 'start')):
        top.action_start(ctxt, {'action': name, 'instance_uuid': UUID,
                                'request_id': 'req-%d' % n,
                                'start_time': T0 + datetime.timedelta(
                                    seconds=n)})
    assert [a['action'] for a in top.actions_get(ctxt, UUID)] == [
        'start', 'stop', 'create']


def _child_values(version, **values):
    base = {'uuid': UUID, 'display_name': 'child-name', 'vm_state': 'active',
            'task_state': None, 'metadata': {'m': 'child'},
            'locked': False, 'sync_version': version,
            'system_metadata': {'image_x': '1'}}
    base.update(values)
    return base


def test_the_top_keeps_the_fields_it_owns(top):
    ctxt = _ctxt()
    result, _ = top.instance_apply_from_child(ctxt, _child_values(1))
    assert result == 'created'
    top.instance_update(ctxt, UUID, {
        'display_name': 'renamed', 'metadata': {'m': 'top'},
        'locked': True, 'locked_by': 'owner',
        'system_metadata': {'image_x': '1', 'locked_reason': 'why'}})
    # A child's update written before it heard of those changes.
    assert top.instance_apply_from_child(ctxt, _child_values(
        2, vm_state='stopped',
        system_metadata={'image_x': '2'}))[0] == 'updated'
    row = top.instance_get_by_uuid(ctxt, UUID)
    assert row['vm_state'] == 'stopped'
    assert (row['display_name'], row['metadata'], row['locked'],
            row['locked_by']) == ('renamed', {'m': 'top'}, True, 'owner')
    assert row['system_metadata'] == {'image_x': '2',
                                      'locked_reason': 'why'}


def test_an_older_bandwidth_reading_does_not_replace_a_newer_one(top):
    start = datetime.datetime(2026, 11, 1)
    first = datetime.datetime(2026, 11, 21, 10, 0, 0)
    second = first + datetime.timedelta(seconds=60)
    args = (nova_context.get_admin_context(), 'u-1', 'aa:bb', start)
    assert top.bw_usage_update(*args, 200, 20, 200, 20,
                               last_refreshed=second, newer_only=True)
    # The earlier reading arrives late: dropped.
    assert top.bw_usage_update(*args, 100, 10, 100, 10,
                               last_refreshed=first, newer_only=True) is None
    [row] = top.bw_usage_get_by_uuids(_ctxt(), ['u-1'], start)
    assert (row['bw_in'], row['bw_out']) == (200, 20)
    # Without newer_only (the owning cell) the write always lands.
    top.bw_usage_update(*args, 100, 10, 100, 10, last_refreshed=first)
    [row] = top.bw_usage_get_by_uuids(_ctxt(), ['u-1'], start)
    assert row['bw_in'] == 100


def test_a_batch_of_builds_takes_a_few_statements(top):
    # Ten builds: the API's action of each is held; the child sends the
    # start and the finish of each build's event, the finishes of the
    # first five only in a later batch.
    ctxt = _ctxt()
    uuids = ['00000000-0000-4000-8000-%012d' % i for i in range(10)]
    for n, uuid in enumerate(uuids):
        top.action_start(ctxt, {'action': 'create', 'instance_uuid': uuid,
                                'request_id': 'req-%d' % n})
    event = 'compute__do_build_and_run_instance'

    def record(n, **values):
        return (ctxt, 'event', dict(values, instance_uuid=uuids[n],
                                    request_id='req-%d' % n, event=event))

    starts = [record(n, start_time=T0, host='h1') for n in range(10)]
    finishes = [record(n, finish_time=T1, result='Success')
                for n in range(10)]
    sent = statements.recorded(top)
    top.action_records_apply(starts + finishes[5:])
    # Actions and events read once each, new events written at once.
    assert sent == ['SELECT', 'SELECT', 'INSERT']
    del sent[:]
    top.action_records_apply(finishes[:5])
    assert sent == ['SELECT', 'SELECT', 'UPDATE']
    for n, uuid in enumerate(uuids):
        action = top.action_get_by_request_id(ctxt, uuid, 'req-%d' % n)
        [done] = top.action_events_get(ctxt, action['id'])
        assert (done['start_time'], done['finish_time'], done['host'],
                done['result']) == (T0, T1, 'h1', 'Success')
