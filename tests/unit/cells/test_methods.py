"""What the top does with a child's batch of changes
(``BroadcastMethods.changes_at_top``)."""

import collections
import datetime
import types

from nova import context as nova_context
from nova import objects
from nova.cells import methods

UUID = '00000000-0000-4000-8000-0000000000c1'
T0 = datetime.datetime(2026, 11, 1, 12, 0, 0)


def _top(db):
    return methods.BroadcastMethods(
        None, db, types.SimpleNamespace(is_top=lambda: True), None, None,
        collections.Counter(), None)


def _message():
    return types.SimpleNamespace(
        ctxt=nova_context.get_admin_context(), routing_path='api!cell1')


def test_a_bad_action_record_is_dropped_and_the_rest_applied(db):
    event = objects.InstanceActionEvent(
        instance_uuid=UUID, request_id='req-1', action='reboot',
        event='compute_reboot_instance', start_time=T0)
    good = {'kind': 'event', 'record': event, 'user_id': 'u1',
            'project_id': 'p1'}
    _top(db).changes_at_top(_message(), [], [
        {'kind': 'event', 'record': {'not': 'an event'}},
        'not even a dict',
        {'kind': 'action', 'record': event},    # an event called action
        good])
    ctxt = nova_context.get_admin_context()
    action = db.action_get_by_request_id(ctxt, UUID, 'req-1')
    assert (action['action'], action['user_id'], action['project_id']) == (
        'reboot', 'u1', 'p1')
    [stored] = db.action_events_get(ctxt, action['id'])
    assert stored['start_time'] == T0


def test_a_lone_event_from_a_child_not_upgraded_is_applied_alike(db):
    message = types.SimpleNamespace(
        ctxt=nova_context.RequestContext('u2', 'p2', request_id='req-2'),
        routing_path='api!cell1')
    event = objects.InstanceActionEvent(
        instance_uuid=UUID, request_id='req-2', action='stop',
        event='compute_stop_instance', start_time=T0)
    _top(db).action_event_at_top(message, event)
    ctxt = nova_context.get_admin_context()
    action = db.action_get_by_request_id(ctxt, UUID, 'req-2')
    assert (action['action'], action['user_id']) == ('stop', 'u2')
    [stored] = db.action_events_get(ctxt, action['id'])
    assert stored['event'] == 'compute_stop_instance'


def test_an_instance_update_that_is_no_instance_is_dropped_alone(db):
    good = objects.Instance.from_db({
        'uuid': UUID, 'project_id': 'p1', 'user_id': 'u1',
        'sync_version': 1, 'vm_state': 'active', 'task_state': None,
        'metadata': {}, 'system_metadata': {}, 'network_info': []})
    _top(db).changes_at_top(_message(), [{'uuid': 'not an object'}, good],
                            [])
    row = db.instance_get_by_uuid(nova_context.get_admin_context(), UUID)
    assert (row['vm_state'], row['cell_name']) == ('active', 'cell1!api')
