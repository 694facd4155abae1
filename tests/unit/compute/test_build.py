"""A build that reaches its compute after its instance was deleted."""

from nova import context as nova_context
from nova import objects
from nova.compute import manager as compute_manager
from nova.compute import task_states
from nova.compute import vm_states

CTXT = nova_context.get_admin_context()
UUID = '00000000-0000-4000-8000-0000000000d1'


def test_a_build_of_a_deleted_instance_holds_nothing_and_stops(
        conf, db, transport, monkeypatch):
    manager = compute_manager.ComputeManager(conf, 'host1', db, transport)
    manager.tracker.update_available_resource(CTXT)
    rescheduled = []
    monkeypatch.setattr(manager.scheduler_rpcapi, 'build_instances',
                        lambda *args, **kwargs: rescheduled.append(args))
    # No nova-network here: what the build asks of it is noted.
    network_calls = []
    for method in ('allocate_for_instance', 'deallocate_for_instance'):
        monkeypatch.setattr(
            manager.network_rpcapi, method,
            lambda ctxt, uuid, *args, _name=method: network_calls.append(
                (_name, uuid)))
    instance = objects.Instance.from_db(db.instance_create(CTXT, {
        'uuid': UUID, 'vm_state': vm_states.BUILDING,
        'task_state': task_states.SCHEDULING,
        'memory_mb': 512, 'vcpus': 2, 'root_gb': 1, 'ephemeral_gb': 0}))
    db.instance_destroy(CTXT, UUID)

    manager.build_and_run_instance(CTXT, instance, 'host1', {}, {})

    assert rescheduled == []
    assert ('allocate_for_instance', UUID) not in network_calls
    assert manager.tracker._used('host1')['vcpus'] == 0
    [node] = db.compute_node_get_all(CTXT)
    assert (node['vcpus_used'], node['running_vms']) == (0, 0)
    assert manager.driver.list_instances() == []
