"""A child cell's services push their changes to its nova-cells in batches
(``sync.ChangePusher``), and nova-cells takes them into its own
(``CellsManager.changes_at_top``)."""

import datetime
import types

from nova import context as nova_context
from nova import objects
from nova.cells import manager as cells_manager
from nova.cells import sync

A = '00000000-0000-4000-8000-0000000000e1'
B = '00000000-0000-4000-8000-0000000000e2'
T0 = datetime.datetime(2026, 11, 1, 12, 0, 0)


class CellsClient:
    """What a pusher calls on nova-cells' RPC client, recorded."""

    def __init__(self):
        self.casts = []
        self.local = None

    def deliver_to(self, manager):
        self.local = manager

    def instance_update_at_top(self, ctxt, instance):
        self.casts.append(('instance_update_at_top',
                           [(instance.uuid, instance.task_state)], []))

    def changes_at_top(self, ctxt, instances, action_records):
        self.casts.append(('changes_at_top',
                           [(i.uuid, i.task_state) for i in instances],
                           [(r['kind'], r['record'].event, r['user_id'])
                            for r in action_records]))

    def sync_listener(self, ctxt, kind, values):
        self.casts.append(('sync_listener', kind, values['uuid']))


def _row(uuid, version, task_state, vm_state='building'):
    return {'uuid': uuid, 'project_id': 'p1', 'user_id': 'u1',
            'sync_version': version, 'vm_state': vm_state,
            'task_state': task_state, 'metadata': {},
            'system_metadata': {}, 'network_info': []}


def _event(uuid, name, finished=False):
    return {'instance_uuid': uuid, 'request_id': 'req-1',
            'action': 'create', 'event': name, 'start_time': T0,
            'finish_time': T0 if finished else None,
            'result': 'Success' if finished else None, 'host': 'c1'}


def _pusher(hold=3600.0):
    client = CellsClient()
    return sync.ChangePusher(client, hold), client


def test_a_builds_steps_and_events_go_as_one_cast_when_it_ends():
    pusher, client = _pusher()
    ctxt = nova_context.RequestContext('u1', 'p1')
    pusher(ctxt, 'instance.action_event', _event(A, 'build'))
    pusher(ctxt, 'instance.update', _row(A, 2, 'networking'))
    pusher(ctxt, 'instance.update', _row(A, 3, 'spawning'))
    pusher(ctxt, 'instance.update', _row(B, 1, 'networking'))
    assert client.casts == []
    pusher(ctxt, 'instance.update', _row(A, 4, None, 'active'))
    pusher(ctxt, 'instance.action_event', _event(A, 'build', True))
    # The build's end went at once, with what was held; its finishing
    # event waits for the next one.
    assert client.casts == [('changes_at_top',
                             [(A, None), (B, 'networking')],
                             [('event', 'build', 'u1')])]
    pusher.flush()
    assert client.casts[1] == ('changes_at_top', [],
                               [('event', 'build', 'u1')])


def test_a_lone_update_goes_as_one_and_a_deletion_drops_the_pending_one():
    pusher, client = _pusher()
    ctxt = nova_context.RequestContext('u1', 'p1')
    pusher(ctxt, 'instance.update', _row(A, 1, 'deleting'))
    pusher(ctxt, 'instance.destroy', _row(A, 2, None, 'deleted'))
    pusher(ctxt, 'instance.fault', {'uuid': B})
    # Deletions and faults are not held.
    assert client.casts == [('sync_listener', 'instance.destroy', A),
                            ('sync_listener', 'instance.fault', B)]
    pusher.flush()
    assert len(client.casts) == 2
    pusher(ctxt, 'instance.update', _row(B, 1, None, 'active'))
    assert client.casts[2] == ('instance_update_at_top', [(B, None)], [])


def test_in_nova_cells_own_process_every_change_goes_straight_to_it():
    pusher, client = _pusher()
    ctxt = nova_context.RequestContext('u1', 'p1')
    pusher(ctxt, 'instance.update', _row(A, 1, 'scheduling'))
    manager = object()
    pusher.deliver_to(manager)
    # What was held went first; then nothing waits in the pusher.
    assert client.local is manager
    assert client.casts == [('instance_update_at_top',
                             [(A, 'scheduling')], [])]
    pusher(ctxt, 'instance.update', _row(A, 2, 'networking'))
    assert client.casts[1] == ('sync_listener', 'instance.update', A)


def test_nova_cells_takes_a_batch_and_drops_what_is_not_a_change():
    sent = []
    batcher = sync.UpdateBatcher(
        3600.0, lambda ctxt, instances, records: sent.append(
            ([i.uuid for i in instances],
             [r['record'].event for r in records])), hold=3600.0)
    batcher.flush()
    manager = types.SimpleNamespace(update_batcher=batcher)
    manager.instance_update_at_top = (
        lambda ctxt, instance: batcher.add(ctxt, instance))
    event = objects.InstanceActionEvent.from_dict(_event(A, 'build'))
    ctxt = nova_context.RequestContext('u1', 'p1')
    cells_manager.CellsManager.changes_at_top(
        manager, ctxt,
        [objects.Instance.from_db(_row(A, 2, 'spawning')),
         {'uuid': B, 'not': 'an instance'}],
        [{'kind': 'event', 'record': event, 'user_id': 'u1',
          'project_id': 'p1'},
         {'kind': 'action', 'record': event},
         'not a record'])
    batcher.flush()
    assert sent == [([A], ['build'])]


def test_only_the_row_that_travels_is_made_an_instance(monkeypatch):
    made = []
    real = objects.Instance.from_db
    monkeypatch.setattr(objects.Instance, 'from_db', classmethod(
        lambda cls, row: made.append(row['sync_version']) or real(row)))
    pusher, client = _pusher()
    ctxt = nova_context.RequestContext('u1', 'p1')
    for version, task_state in ((1, 'networking'), (2, 'spawning'),
                                (3, None)):
        pusher(ctxt, 'instance.update', _row(A, version, task_state))
    assert client.casts == [('instance_update_at_top', [(A, None)], [])]
    assert made == [3]
