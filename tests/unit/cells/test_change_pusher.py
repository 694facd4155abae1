"""A child cell's services push their changes to nova-cells in batches;
nova-cells' own changes go straight to its manager."""

import datetime

from nova import context as nova_context
from nova.cells import sync

UUID = '00000000-0000-4000-8000-0000000000f1'
OTHER = '00000000-0000-4000-8000-0000000000f2'
T0 = datetime.datetime(2026, 11, 22, 12, 0, 0)


class FakeCellsAPI:
    """What the pusher casts, in order."""

    local = None

    def __init__(self):
        self.casts = []

    def instance_update_at_top(self, ctxt, instance):
        self.casts.append(('instance_update_at_top', instance.uuid))

    def changes_at_top(self, ctxt, instances, action_records):
        self.casts.append(('changes_at_top',
                           [(i.uuid, i.task_state) for i in instances],
                           [(r['kind'], r['user_id']) for r in
                            action_records]))

    def sync_listener(self, ctxt, kind, values):
        self.casts.append((kind, values.get('uuid')))


def _row(uuid, task_state, version):
    return {'uuid': uuid, 'task_state': task_state, 'vm_state': 'building',
            'sync_version': version, 'metadata': {}, 'system_metadata': {},
            'network_info': []}


def _event(uuid):
    return {'instance_uuid': uuid, 'event': 'build', 'id': 1,
            'action_id': 1, 'start_time': T0, 'request_id': 'req-1'}


def test_a_busy_service_sends_its_changes_in_one_cast():
    api = FakeCellsAPI()
    pusher = sync.ChangePusher(api, delay=3600.0)
    ctxt = nova_context.RequestContext('u1', 'p1', request_id='req-1')
    # Quiet: the first change goes at once.
    pusher(ctxt, 'instance.update', _row(UUID, 'networking', 2))
    assert api.casts == [('instance_update_at_top', UUID)]
    # Busy: the rest wait for the batch; only the newest update travels.
    pusher(ctxt, 'instance.action_event', _event(UUID))
    pusher(ctxt, 'instance.update', _row(UUID, 'spawning', 3))
    pusher(ctxt, 'instance.update', _row(OTHER, 'spawning', 2))
    pusher(ctxt, 'instance.update', _row(UUID, None, 4))
    assert len(api.casts) == 1
    pusher.flush()
    assert api.casts[1] == ('changes_at_top',
                            [(UUID, None), (OTHER, 'spawning')],
                            [('event', 'u1')])


def test_a_deletion_goes_at_once_and_drops_the_pending_update():
    api = FakeCellsAPI()
    pusher = sync.ChangePusher(api, delay=3600.0)
    ctxt = nova_context.RequestContext('u1', 'p1')
    pusher(ctxt, 'instance.update', _row(OTHER, 'spawning', 2))
    pusher(ctxt, 'instance.update', _row(UUID, 'spawning', 2))
    pusher(ctxt, 'instance.destroy', _row(UUID, None, 3))
    pusher.flush()
    # OTHER went at once (the service was quiet); UUID's update waited
    # and was dropped by its deletion.
    assert api.casts == [('instance_update_at_top', OTHER),
                         ('instance.destroy', UUID)]


def test_in_nova_cells_changes_go_to_its_manager_at_once():
    api = FakeCellsAPI()
    pusher = sync.ChangePusher(api, delay=3600.0)
    ctxt = nova_context.RequestContext('u1', 'p1')
    pusher(ctxt, 'instance.update', _row(OTHER, 'spawning', 2))
    pusher(ctxt, 'instance.update', _row(UUID, 'spawning', 2))
    manager = object()
    # What was pending is sent before the switch.
    pusher.deliver_locally(manager)
    assert api.local is manager
    assert api.casts[-1] == ('instance_update_at_top', UUID)
    pusher(ctxt, 'instance.update', _row(UUID, None, 3))
    assert api.casts[-1] == ('instance.update', UUID)


def test_a_local_cells_api_calls_the_manager_with_the_casts_arguments():
    import oslo_messaging

    from nova import conf as nova_conf
    from nova.cells import rpcapi as cells_rpcapi

    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake://')
    calls = []

    class Manager:
        def instance_update_at_top(self, ctxt, instance):
            calls.append(('update', instance.uuid, instance.task_state))

        def action_event_at_top(self, ctxt, event):
            calls.append(('event', event.instance_uuid, event.event))

    try:
        api = cells_rpcapi.CellsAPI(conf, transport)
        api.local = Manager()
        ctxt = nova_context.RequestContext('u1', 'p1')
        api.sync_listener(ctxt, 'instance.update', _row(UUID, None, 5))
        api.sync_listener(ctxt, 'instance.action_event', _event(UUID))
    finally:
        transport.cleanup()
    assert calls == [('update', UUID, None), ('event', UUID, 'build')]


def test_nova_cells_takes_a_services_batch_and_drops_bad_records():
    import types

    from nova import objects
    from nova.cells import manager as cells_manager

    updates, records = [], []
    fake = types.SimpleNamespace(
        instance_update_at_top=lambda ctxt, i: updates.append(i.uuid),
        update_batcher=types.SimpleNamespace(
            add_record=lambda ctxt, r: records.append(r['kind'])))
    event = objects.InstanceActionEvent.from_dict(_event(UUID))
    cells_manager.CellsManager.changes_at_top(
        fake, nova_context.RequestContext('u1', 'p1'),
        [objects.Instance(uuid=UUID), {'uuid': OTHER}],
        [{'kind': 'event', 'record': event, 'user_id': 'u1',
          'project_id': 'p1'},
         {'kind': 'action', 'record': event},
         'not a record'])
    assert updates == [UUID]
    assert records == ['event']
