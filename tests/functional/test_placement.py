"""Child cells of one compute host each, each cell its own availability
zone: placement by zone and by image properties, resizes onto the same
host (``allow_resize_to_same_host``) and shelving without offload
(``shelved_offload_time = -1``)."""

import pytest

from nova import exception
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.functional import server_helpers as helpers
from nova.tests.functional.server_helpers import admin
from nova.tests.functional.server_helpers import user
from nova.tools import inproc_tree


@pytest.fixture(scope='module')
def zoned_tree(tmp_path_factory):
    tree = helpers.start_tree(
        str(tmp_path_factory.mktemp('zones')), cells=inproc_tree.TWO_CHILDREN,
        compute_hosts=1,
        overrides={cell: {('availability_zone', None): zone,
                          ('allow_resize_to_same_host', None): True,
                          ('shelved_offload_time', None): -1}
                   for cell, zone in (('cell1', 'az1'), ('cell2', 'az2'))})
    yield tree
    tree.stop()


def _boot(tree, image=helpers.IMAGE, **kwargs):
    api = tree.compute_api()
    [instance], _ = api.create(user(), api.flavor_get(user(), '1'), image,
                               'vm', **kwargs)

    def settled():
        got = api.get(user(), instance.uuid)
        return got if got.vm_state in (vm_states.ACTIVE,
                                       vm_states.ERROR) else None
    return inproc_tree.wait_for(settled, 10, what='ACTIVE or ERROR')


def _delete(tree, instance):
    tree.compute_api().delete(admin(), instance)


def test_a_zone_is_honoured_across_cells(zoned_tree):
    for _ in range(3):
        got = _boot(zoned_tree, availability_zone='az2')
        assert got.vm_state == vm_states.ACTIVE
        assert got.cell_name == 'api!cell2'
        assert got.availability_zone == 'az2'
        _delete(zoned_tree, got)


def test_without_a_zone_an_instance_takes_its_hosts(zoned_tree):
    got = _boot(zoned_tree)
    assert got.availability_zone == {'api!cell1': 'az1',
                                     'api!cell2': 'az2'}[got.cell_name]
    nodes = zoned_tree.db(got.cell_name.split('!')[1]).compute_node_get_all(
        helpers.ADMIN)
    assert {n['availability_zone'] for n in nodes} == {
        got.availability_zone}
    _delete(zoned_tree, got)


def test_an_unknown_zone_is_refused_before_anything_is_written(zoned_tree):
    api = zoned_tree.compute_api()
    db = zoned_tree.db('api')
    before = db.instance_get_all_by_filters(helpers.ADMIN, {})
    with pytest.raises(exception.AvailabilityZoneNotAvailable):
        api.create(user(), api.flavor_get(user(), '1'), helpers.IMAGE, 'vm',
                   availability_zone='nowhere')
    assert db.instance_get_all_by_filters(helpers.ADMIN, {}) == before


def test_image_hypervisor_type_must_match_the_node(zoned_tree):
    api = zoned_tree.compute_api()
    kvm = api.image_create(admin(), {
        'name': 'kvm-only', 'is_public': True,
        'properties': {'hypervisor_type': 'kvm'}})
    fake = api.image_create(admin(), {
        'name': 'fake-only', 'is_public': True,
        'properties': {'hypervisor_type': 'fake'}})
    refused = _boot(zoned_tree, image=kvm['id'])
    assert refused.vm_state == vm_states.ERROR
    assert 'No valid host' in refused.fault.message
    accepted = _boot(zoned_tree, image=fake['id'])
    assert accepted.vm_state == vm_states.ACTIVE
    for instance in (refused, accepted):
        _delete(zoned_tree, instance)


@pytest.fixture
def servers(zoned_tree):
    s = helpers.Servers(zoned_tree, child='cell1')
    yield s
    s.delete_all()
    assert set(s.used_mb().values()) == {0}
    s.assert_nodes_current()


def test_resize_onto_the_same_host(servers):
    booted = servers.boot('1', availability_zone='az1')
    servers.api.resize(user(), booted, '2')
    resized = servers.settled(booted.uuid, vm_state=vm_states.RESIZED)
    assert resized.host == booted.host
    # Both flavors are held until the resize is confirmed or reverted.
    assert servers.used_mb() == {booted.node: 512 + 2048}
    servers.assert_nodes_current()

    servers.api.revert_resize(user(), resized)
    servers.settled(booted.uuid, vm_state=vm_states.ACTIVE, memory_mb=512)
    assert servers.used_mb() == {booted.node: 512}
    servers.assert_nodes_current()

    servers.api.resize(user(), servers.top(booted.uuid), '2')
    resized = servers.settled(booted.uuid, vm_state=vm_states.RESIZED)
    servers.api.confirm_resize(user(), resized)
    servers.settled(booted.uuid, vm_state=vm_states.ACTIVE, memory_mb=2048)
    assert servers.used_mb() == {booted.node: 2048}
    servers.assert_nodes_current()


def test_shelve_without_offload_keeps_the_host(servers):
    booted = servers.boot('1', availability_zone='az1')
    servers.api.shelve(user(), booted)
    shelved = servers.settled(booted.uuid, vm_state=vm_states.SHELVED)
    assert shelved.host == booted.host
    assert shelved.power_state == power_state.SHUTDOWN
    assert servers.used_mb() == {booted.node: 512}

    servers.api.unshelve(user(), shelved)
    back = servers.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert (back.host, back.power_state) == (booted.host,
                                             power_state.RUNNING)
    servers.assert_nodes_current()
