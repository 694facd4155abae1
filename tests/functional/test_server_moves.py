"""Resize, snapshot, shelve and delete through the API cell, with the
child's compute_nodes rows checked against what its hypervisors hold.
"""

import pytest

from nova import context as nova_context
from nova import exception
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.functional import server_helpers as helpers
from nova.tests.functional.server_helpers import ADMIN
from nova.tests.functional.server_helpers import CHILD
from nova.tests.functional.server_helpers import admin
from nova.tests.functional.server_helpers import user
from nova.tools import inproc_tree

TINY_MB, SMALL_MB = 512, 2048


@pytest.fixture(scope='module')
def shared_tree(tmp_path_factory):
    tree = helpers.start_tree(str(tmp_path_factory.mktemp('moves')))
    tree.compute_api().flavor_create(admin(), {
        'name': 'huge', 'flavorid': 'huge', 'memory_mb': 10 ** 7,
        'vcpus': 1, 'root_gb': 1})
    yield tree
    tree.stop()


@pytest.fixture
def servers(shared_tree):
    s = helpers.Servers(shared_tree)
    yield s
    s.delete_all()
    assert set(s.used_mb().values()) == {0}
    s.assert_nodes_current()


def _resized(servers):
    booted = servers.boot('1')
    servers.api.resize(user(), booted, '2')
    resized = servers.settled(booted.uuid, vm_state=vm_states.RESIZED)
    return booted, resized


def test_resize_then_confirm_frees_the_old_host(servers):
    booted, resized = _resized(servers)
    assert resized.memory_mb == SMALL_MB
    assert resized.flavor.flavorid == '2'
    # Another host: [DEFAULT] allow_resize_to_same_host is off.
    assert resized.host != booted.host
    assert resized.network_info == booted.network_info
    assert servers.used_mb() == {booted.node: TINY_MB,
                                 resized.node: SMALL_MB}
    servers.assert_nodes_current()

    servers.api.confirm_resize(user(), resized)
    confirmed = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert confirmed.power_state == power_state.RUNNING
    assert 'old_vm_state' not in confirmed.system_metadata
    assert servers.used_mb() == {booted.node: 0, resized.node: SMALL_MB}
    servers.assert_nodes_current()

    def resize_events():
        return {e['event'] for a in servers.api.get_instance_actions(
            admin(), booted.uuid) if a['action'] == 'resize'
            for e in servers.api.get_instance_action(
                admin(), booted.uuid, a['request_id'])['events']
            if e['result'] == 'Success'}
    inproc_tree.wait_for(lambda: resize_events() == {
        'cold_migrate', 'compute_prep_resize', 'compute_resize_instance',
        'compute_finish_resize'}, 10, what='resize events')


def test_resize_then_revert_frees_the_new_host(servers):
    booted, resized = _resized(servers)
    servers.api.revert_resize(user(), resized)
    reverted = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE,
                               memory_mb=TINY_MB)
    assert reverted.host == booted.host
    assert reverted.flavor.flavorid == '1'
    assert reverted.power_state == power_state.RUNNING
    assert servers.used_mb() == {booted.node: TINY_MB, resized.node: 0}
    servers.assert_nodes_current()


def test_resize_of_a_stopped_server_keeps_it_stopped(servers):
    booted = servers.boot('1')
    servers.api.stop(user(), booted)
    stopped = servers.settled(booted.uuid, vm_state=vm_states.STOPPED)
    servers.api.resize(user(), stopped, '2')
    resized = servers.settled(booted.uuid, vm_state=vm_states.RESIZED)
    assert resized.power_state == power_state.SHUTDOWN
    servers.api.confirm_resize(user(), resized)
    servers.settled(booted.uuid, vm_state=vm_states.STOPPED)


def test_resize_that_fits_nowhere_goes_back_with_a_fault(servers):
    booted = servers.boot('1')
    # Past any host of the cell, not past the project's quota.
    servers.tree.db('api').quota_set(
        nova_context.get_admin_context(), 'project1', {'ram': -1})
    before = servers.used_mb()
    servers.api.resize(user(), booted, 'huge')
    after = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)

    def faulted():
        got = servers.top(booted.uuid)
        return got if got.fault is not None else None
    fault = inproc_tree.wait_for(faulted, 10, what='fault').fault
    assert 'No valid host was found' in fault.message
    assert after.flavor.flavorid == '1'
    assert after.memory_mb == TINY_MB
    assert after.host == booted.host
    assert 'old_vm_state' not in after.system_metadata
    assert servers.used_mb() == before
    servers.assert_nodes_current()


def test_deleting_a_resized_server_frees_both_hosts(servers):
    booted, resized = _resized(servers)
    servers.api.delete(user(), resized)
    inproc_tree.wait_for(lambda: not servers.tree.live_instances(CHILD), 10,
                         what='deleted')
    inproc_tree.wait_for(lambda: set(servers.used_mb().values()) == {0}, 10,
                         what='both hosts free')


def test_snapshot_can_be_booted(servers):
    booted = servers.boot('1', metadata={'k': 'v'})
    image = servers.api.snapshot(user(), booted, 'snap',
                                 extra_properties={'purpose': 'test'})
    assert image['status'] == 'queued'
    assert image['properties']['instance_uuid'] == booted.uuid
    assert image['properties']['purpose'] == 'test'
    servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)

    def active():
        got = servers.api.image_get(user(), image['id'])
        return got if got['status'] == 'active' else None
    done = inproc_tree.wait_for(active, 10, what='snapshot active')
    assert done['size'] > 0
    assert not done['is_public'] and done['owner'] == 'project1'

    from_snapshot = servers.boot('1', image=image['id'], name='clone')
    assert from_snapshot.image_ref == image['id']
    assert from_snapshot.system_metadata['image_image_type'] == 'snapshot'
    # Another project cannot see, so cannot boot, the snapshot.
    other = nova_context.RequestContext('user2', 'project2')
    with pytest.raises(exception.ImageNotFound):
        servers.boot('1', image=image['id'], ctxt=other)
    servers.api.image_delete(user(), image['id'])


def test_shelve_offload_and_unshelve(servers):
    booted = servers.boot('1')
    address = booted.network_info[0]['address']
    servers.api.shelve(user(), booted)
    shelved = servers.settled(booted.uuid,
                              vm_state=vm_states.SHELVED_OFFLOADED)
    assert shelved.host is None and shelved.node is None
    image_id = shelved.system_metadata['shelved_image_id']
    # The image's own update travels up separately from the instance's.
    inproc_tree.wait_for(lambda: servers.api.image_get(
        user(), image_id)['status'] == 'active', 10, what='image active')
    assert set(servers.used_mb().values()) == {0}
    servers.assert_nodes_current()

    servers.api.unshelve(user(), shelved)
    back = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert back.host is not None
    assert back.power_state == power_state.RUNNING
    assert back.network_info[0]['address'] == address
    assert 'shelved_image_id' not in back.system_metadata
    inproc_tree.wait_for(lambda: not [
        i for i in servers.api.image_get_all(user()) if i['id'] == image_id],
        10, what='shelved image deleted')
    assert sorted(servers.used_mb().values()) == [0, TINY_MB]
    servers.assert_nodes_current()


def test_two_servers_get_different_addresses_freed_on_delete(servers):
    first, second = servers.boot(name='a'), servers.boot(name='b')
    addresses = {s.network_info[0]['address'] for s in (first, second)}
    assert len(addresses) == 2
    network = servers.tree.db(CHILD).network_get_all(ADMIN)[0]
    prefix = network['cidr'].rsplit('.', 1)[0]
    assert all(a.startswith(prefix) for a in addresses)
    servers.delete_all()
    # The lowest free addresses are handed out first: the same ones.
    again = [servers.boot(name='c'), servers.boot(name='d')]
    assert {s.network_info[0]['address'] for s in again} == addresses


def test_force_delete(servers):
    booted = servers.boot('1')
    servers.api.pause(user(), booted)
    servers.settled(booted.uuid, vm_state=vm_states.PAUSED)
    servers.api.force_delete(user(), servers.top(booted.uuid))
    for cell in ('api', CHILD):
        inproc_tree.wait_for(lambda c=cell: not servers.tree.live_instances(c),
                             10, what='deleted in %s' % cell)
    with pytest.raises(exception.InstanceNotFound):
        servers.top(booted.uuid)
    assert set(servers.used_mb().values()) == {0}


def test_delete_before_the_cell_is_known(servers):
    api = servers.api
    flavor = api.flavor_get(user(), '1')
    uuids = []
    for _ in range(3):
        [instance], _ = api.create(user(), flavor, helpers.IMAGE, 'early')
        # At once: the API cell does not know its cell yet.
        assert instance.cell_name is None
        api.delete(user(), instance)
        uuids.append(instance.uuid)
    for uuid in uuids:
        with pytest.raises(exception.InstanceNotFound):
            api.get(user(), uuid)
    # Wherever the builds landed, they are deleted there too: each gets
    # to the child (before or after the delete does) and is deleted.
    deleted_in_child = nova_context.get_admin_context(read_deleted='only')

    def all_deleted():
        return {r['uuid'] for r in servers.tree.db(
            CHILD).instance_get_all_by_filters(deleted_in_child, {})} >= \
            set(uuids)
    inproc_tree.wait_for(all_deleted, 10, what='deleted in the child')
    inproc_tree.wait_for(lambda: set(servers.used_mb().values()) == {0}, 10,
                         what='no resources held')
