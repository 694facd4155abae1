"""The periodic offload of instances shelved for long enough."""

import datetime

from nova import context as nova_context
from nova.compute import imaging
from nova.compute import manager as compute_manager
from nova.compute import vm_states

CTXT = nova_context.get_admin_context()


def _shelved(db, uuid, seconds_ago):
    shelved_at = (datetime.datetime(2026, 11, 1, 12, 0)
                  - datetime.timedelta(seconds=seconds_ago))
    db.instance_create(CTXT, {
        'uuid': uuid, 'host': 'host1', 'node': 'host1',
        'vm_state': vm_states.SHELVED, 'task_state': None,
        'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
        'system_metadata': {'shelved_at': shelved_at.isoformat(),
                            'shelved_image_id': 'img'}})


def test_only_instances_shelved_long_enough_are_offloaded(
        conf, db, transport, monkeypatch):
    conf.set_override('shelved_offload_time', 600)
    manager = compute_manager.ComputeManager(conf, 'host1', db, transport)
    manager.tracker.update_available_resource(CTXT)
    old = '00000000-0000-4000-8000-0000000000c1'
    recent = '00000000-0000-4000-8000-0000000000c2'
    _shelved(db, old, 3600)
    _shelved(db, recent, 60)
    monkeypatch.setattr(imaging, '_now',
                        lambda: datetime.datetime(2026, 11, 1, 12, 0))

    imaging.offload_shelved(manager)

    gone = db.instance_get_by_uuid(CTXT, old)
    assert (gone['vm_state'], gone['host'], gone['task_state']) == (
        vm_states.SHELVED_OFFLOADED, None, None)
    kept = db.instance_get_by_uuid(CTXT, recent)
    assert (kept['vm_state'], kept['host']) == (vm_states.SHELVED, 'host1')


def test_offload_disabled(conf, db, transport):
    conf.set_override('shelved_offload_time', -1)
    manager = compute_manager.ComputeManager(conf, 'host1', db, transport)
    _shelved(db, '00000000-0000-4000-8000-0000000000c3', 10 ** 6)
    imaging.offload_shelved(manager)
    assert db.instance_get_all_by_filters(
        CTXT, {'vm_state': vm_states.SHELVED})
