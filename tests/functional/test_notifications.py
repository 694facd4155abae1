"""Versioned notifications of a tree of two child cells: each cell sends
them on its own broker, in order, with payloads true to their schema."""

import pytest

from nova.compute import vm_states
from nova.tests.functional import notification_helpers as notes
from nova.tests.functional import server_helpers as helpers
from nova.tests.functional.server_helpers import admin
from nova.tools import inproc_tree

ON = {('driver', 'oslo_messaging_notifications'): ['messagingv2'],
      ('notification_format', 'notifications'): 'versioned',
      ('notify_on_state_change', 'notifications'): 'vm_and_task_state'}


@pytest.fixture
def tree(tmp_path):
    tree = helpers.start_tree(str(tmp_path), cells=inproc_tree.TWO_CHILDREN,
                              overrides={c: ON for c in
                                         inproc_tree.TWO_CHILDREN})
    yield tree
    tree.stop()


@pytest.fixture
def listening(tree):
    """A consumer on every cell's broker."""
    started = {cell: notes.listen(tree.confs[cell]) for cell in tree.confs}
    yield {cell: collector for cell, (_, collector) in started.items()}
    for listener, _ in started.values():
        notes.stop(listener)


def test_boot_reboot_delete_notify_in_the_cell_of_the_server(tree,
                                                             listening):
    # Aimed at cell1, so that cell2 must hear nothing of it.
    servers, uuid = notes.boot_in(tree, 'cell1', 'billed')
    flavor = servers.api.flavor_get(admin(), '1')
    cell1 = listening['cell1']
    cell1.wait_for_event(uuid, 'instance.create.end')

    servers.api.reboot(admin(), servers.top(uuid), 'SOFT')
    cell1.wait_for_event(uuid, 'instance.reboot.end')
    servers.settled(uuid, vm_state=vm_states.ACTIVE)

    servers.api.delete(admin(), servers.top(uuid))
    cell1.wait_for_event(uuid, 'instance.delete.end')

    assert cell1.event_types(uuid) == [
        'instance.create.start', 'instance.create.end',
        'instance.reboot.start', 'instance.reboot.end',
        'instance.delete.start', 'instance.delete.end']
    received = cell1.of(uuid)
    for note in received:
        obj = notes.check_payload(note['payload'])
        assert obj.uuid == uuid
        assert note['priority'] == 'INFO'
    by_type = {n['event_type']: n for n in received}
    # Published by the compute host that ran the server, as Nova does.
    host = by_type['instance.create.end']['payload']['nova_object.data'][
        'host']
    assert host.startswith('cell1-compute')
    for event_type in ('instance.create.start', 'instance.reboot.end',
                       'instance.delete.end'):
        assert by_type[event_type]['publisher_id'] == 'nova-compute:' + host
    create_end = notes.check_payload(by_type['instance.create.end'][
        'payload'])
    assert create_end.obj_name() == 'InstanceCreatePayload'
    assert (create_end.state, create_end.power_state) == ('active',
                                                          'running')
    assert create_end.flavor.name == flavor.name
    assert create_end.flavor.obj_name() == 'FlavorPayload'
    assert create_end.image_uuid == helpers.IMAGE
    assert create_end.display_name == 'billed'
    assert [ip.address for ip in create_end.ip_addresses]
    assert create_end.launched_at is not None
    assert create_end.action_initiator_user == 'admin'
    reboot_start = notes.check_payload(by_type['instance.reboot.start'][
        'payload'])
    assert reboot_start.obj_name() == 'InstanceActionPayload'
    assert reboot_start.task_state == 'reboot_pending' or \
        reboot_start.task_state.startswith('reboot')
    delete_end = notes.check_payload(by_type['instance.delete.end'][
        'payload'])
    assert delete_end.state == 'deleted'
    assert delete_end.terminated_at is not None

    # instance.update on every state change, old and new states in it.
    updates = [notes.check_payload(n['payload']) for n in received
               if n['event_type'] == 'instance.update']
    transitions = [(u.state_update.old_state, u.state_update.state,
                    u.state_update.old_task_state,
                    u.state_update.new_task_state) for u in updates]
    assert ('building', 'active', 'spawning', None) in transitions
    assert all(u.obj_name() == 'InstanceUpdatePayload' for u in updates)

    # Nothing of it in the other child, nor in the API cell.
    assert listening['cell2'].of(uuid) == []
    assert listening['api'].of(uuid) == []


def test_a_failed_action_notifies_its_error(tree, listening):
    servers, uuid = notes.boot_in(tree, 'cell2', 'fails-to-pause',
                                  metadata={'fake:fail': 'pause'})
    cell2 = listening['cell2']
    servers.api.pause(admin(), servers.top(uuid))
    cell2.wait_for_event(uuid, 'instance.pause.error')
    error = [n for n in cell2.of(uuid)
             if n['event_type'] == 'instance.pause.error'][0]
    assert error['priority'] == 'ERROR'
    payload = notes.check_payload(error['payload'])
    assert payload.fault is not None
    assert payload.fault.obj_name() == 'ExceptionPayload'
    assert 'pause' in payload.fault.exception_message
    assert 'instance.pause.end' not in cell2.event_types(uuid)
    servers.booted.append(uuid)
    servers.delete_all()


def test_a_delete_before_any_cell_notifies_in_the_api_cell(tree, listening):
    """A server deleted while the API cell still holds it: the API cell
    notifies, on its own broker."""
    api = tree.compute_api()
    flavor = api.flavor_get(admin(), '1')
    # No cell takes it: every child is ruled out.
    [instance], _ = api.create(
        admin(), flavor, helpers.IMAGE, 'homeless',
        scheduler_hints={'target_cell': 'api!nowhere'})
    uuid = instance.uuid
    fresh = api.get(admin(), uuid)
    assert not fresh.cell_name
    api.delete(admin(), fresh)
    listening['api'].wait_for_event(uuid, 'instance.delete.end')
    deletes = [n for n in listening['api'].of(uuid)
               if n['event_type'].startswith('instance.delete')]
    assert [n['publisher_id'] for n in deletes] == ['nova-api:api'] * 2
    for note in deletes:
        notes.check_payload(note['payload'])


def test_service_and_capacity_notifications(tree, listening):
    cell1 = listening['cell1']
    compute = tree.service('cell1', 'compute')
    tree.runtimes['cell1'].db.service_update(
        admin(), tree.db('cell1').service_get_by_host_and_binary(
            admin(), compute.host, 'nova-compute')['id'],
        {'disabled': True, 'disabled_reason': 'maintenance'})
    inproc_tree.wait_for(lambda: [n for n in cell1.received
                                  if n['event_type'] == 'service.update'],
                         10, what='service.update')
    note = [n for n in cell1.received
            if n['event_type'] == 'service.update'][0]
    assert note['publisher_id'] == 'nova-compute:' + compute.host
    status = notes.check_payload(note['payload'])
    assert (status.host, status.binary, status.disabled,
            status.disabled_reason) == (compute.host, 'nova-compute', True,
                                        'maintenance')
    # Each child reports its room to the API cell, and notifies it.
    tree.cells_manager('cell2').report_to_parents()
    cell2 = listening['cell2']
    inproc_tree.wait_for(lambda: [n for n in cell2.received
                                  if n['event_type']
                                  == 'cell.capacity.update'],
                         10, what='cell.capacity.update')
    note = [n for n in cell2.received
            if n['event_type'] == 'cell.capacity.update'][0]
    capacity = notes.check_payload(note['payload'])
    assert capacity.cell_name == 'cell2'
    assert capacity.ram_free_mb > 0
    assert note['publisher_id'] == 'nova-cells:cell2'


def test_soft_delete_and_restore_notify_in_the_cell_of_the_server(
        tree, listening):
    servers, uuid = notes.boot_in(tree, 'cell2', 'kept')
    cell2 = listening['cell2']
    servers.api.soft_delete(admin(), servers.top(uuid))
    cell2.wait_for_event(uuid, 'instance.soft_delete.end')
    servers.settled(uuid, vm_state=vm_states.SOFT_DELETED)
    servers.api.restore(admin(), servers.top(uuid))
    cell2.wait_for_event(uuid, 'instance.restore.end')
    servers.settled(uuid, vm_state=vm_states.ACTIVE)
    assert cell2.event_types(uuid)[2:] == [
        'instance.soft_delete.start', 'instance.soft_delete.end',
        'instance.restore.start', 'instance.restore.end']
    for note in cell2.of(uuid):
        notes.check_payload(note['payload'])
    assert listening['cell1'].of(uuid) == []

def test_server_group_notifications_in_the_api_cell(tree, listening):
    """server_group.create, .add_member and .delete, as Nova sends them,
    from the API cell that keeps the groups."""
    api = tree.compute_api()
    group = api.server_group_create(admin(), 'spread', 'anti-affinity',
                                    {'max_server_per_host': 2})
    flavor = api.flavor_get(admin(), '1')
    [instance], _ = api.create(admin(), flavor, helpers.IMAGE, 'member',
                               scheduler_hints={'group': group['uuid']})
    api.server_group_delete(admin(), group['uuid'])

    collector = listening['api']

    def group_notes():
        found = collector.of(group['uuid'], prefix='server_group.')
        return found if len(found) == 3 else None
    found = notes.wait_for(group_notes, 10, what='server group notes')
    assert [n['event_type'] for n in found] == [
        'server_group.create', 'server_group.add_member',
        'server_group.delete']
    for note in found:
        notes.check_payload(note['payload'])
    data = found[1]['payload']['nova_object.data']
    assert (data['policy'], data['policies'], data['rules'],
            data['members']) == ('anti-affinity', ['anti-affinity'],
                                 {'max_server_per_host': '2'},
                                 [instance.uuid])
    assert {n['publisher_id'] for n in found} == {'nova-api:api'}
    # Stopped only once its build has ended.
    notes.wait_for(lambda: tree.db('api').instance_get_by_uuid(
        admin(), instance.uuid)['vm_state'] == vm_states.ACTIVE, 15,
        what='member ACTIVE')
