"""A cell with two parents (a diamond: api -> c1, c2 -> gc).

Everything gc sends up reaches the top twice, once through each parent.
The top applies each update once (by instance and ``sync_version``), keeps
one ``cell_name`` per instance (the path it first heard of it by) and a
fault once; the tree's capacity counts gc once.  Boots and deletes work
through both paths."""

import random

import pytest

from nova import context as nova_context
from nova import instance_changes
from nova import objects
from nova.compute import images
from nova.compute import vm_states
from nova.tools.message_faults import FaultyDelivery
from nova.tools.polling import wait_for

DIAMOND = {'api': ('api', []),
           'c1': ('compute', ['api']),
           'c2': ('compute', ['api']),
           'gc': ('compute', ['c1', 'c2'])}
PATHS = {'api!c1!gc', 'api!c2!gc'}
ADMIN = nova_context.get_admin_context()
ANYONE = nova_context.RequestContext('admin', 'admin', is_admin=True)


@pytest.fixture
def tree(tree_factory):
    # c1 and c2 only route; gc runs the instances.
    tree = tree_factory(DIAMOND, services={'api': ['cells'],
                                           'c1': ['cells'],
                                           'c2': ['cells']})
    tree.wait_for_capacities('api', ['c1', 'c2'])
    tree.wait_for_capacities('c1', ['gc'])
    tree.wait_for_capacities('c2', ['gc'])
    return tree


def _boot(tree, count):
    api = tree.compute_api()
    instances, _ = api.create(ANYONE, api.flavor_get(ANYONE, '1'),
                              images.DEFAULT_IMAGE_ID, 'vm',
                              min_count=count, max_count=count)
    uuids = [i.uuid for i in instances]
    wait_for(lambda: all(_top(tree, u)['vm_state'] == vm_states.ACTIVE
                         for u in uuids), 60, what='ACTIVE at the top')
    return uuids


def _top(tree, uuid):
    return tree.db('api').instance_get_by_uuid(
        nova_context.get_admin_context(read_deleted='yes'), uuid)


def _hold_up(tree, cell):
    faults = FaultyDelivery.install(tree.cells_manager(cell),
                                    random.Random(1))
    faults.hold = True
    return faults


def test_boots_and_deletes_through_both_parents(tree):
    uuids = _boot(tree, 8)
    assert {_top(tree, u)['cell_name'] for u in uuids} <= PATHS
    assert len(tree.live_instances('gc')) == 8
    api = tree.compute_api()
    for uuid in uuids:
        api.delete(ANYONE, api.get(ANYONE, uuid))
    wait_for(lambda: not tree.live_instances('gc')
             and not tree.live_instances('api'), 60, what='all deleted')


def test_an_instance_keeps_the_path_it_was_first_seen_by(tree):
    held = _hold_up(tree, 'c2')
    [uuid] = _boot(tree, 1)
    assert _top(tree, uuid)['cell_name'] == 'api!c1!gc'
    held.held.clear()
    held.uninstall(tree.cells_manager('c2'))
    # Now only c2 passes gc's updates up.
    silent = _hold_up(tree, 'c1')
    stats = tree.cells_manager('api').sync_stats
    tree.db('gc').instance_update(ADMIN, uuid, {'display_name': 'x',
                                                'progress': 50})
    wait_for(lambda: _top(tree, uuid)['progress'] == 50, 10,
             what='the update through c2')
    assert _top(tree, uuid)['cell_name'] == 'api!c1!gc'
    # The copy that went through c1 arrives late: the top has it.
    same = stats['same']
    assert silent.release()
    silent.uninstall(tree.cells_manager('c1'))
    wait_for(lambda: stats['same'] > same, 10, what='the second copy')
    assert _top(tree, uuid)['cell_name'] == 'api!c1!gc'


def test_a_fault_is_recorded_once(tree):
    [uuid] = _boot(tree, 1)
    instance_changes.add_instance_fault(
        tree.db('gc'), ADMIN, uuid, RuntimeError('disk on fire'))
    instance_changes.instance_update(
        tree.db('gc'), ADMIN, objects.Instance.from_db(
            tree.db('gc').instance_get_by_uuid(ADMIN, uuid)),
        vm_state=vm_states.ERROR)
    wait_for(lambda: _top(tree, uuid)['vm_state'] == vm_states.ERROR, 10,
             what='ERROR at the top')
    stats = tree.cells_manager('api').sync_stats
    wait_for(lambda: stats['same'] >= 1, 10, what='the second copy')
    faults = tree.db('api').instance_faults_get(ADMIN, [uuid])[uuid]
    assert [f['message'] for f in faults] == ['disk on fire']


def test_the_capacity_of_a_cell_with_two_parents_counts_once(tree):
    own = tree.cells_manager('gc').state.compute_own_capacities()
    assert own['ram_free']['total_mb'] > 0

    def counted_once():
        total = tree.cells_manager('api').state.get_our_capacities()
        return all(total[kind]['total_mb'] == own[kind]['total_mb']
                   and total[kind]['units_by_mb'] == own[kind]['units_by_mb']
                   for kind in ('ram_free', 'disk_free'))
    wait_for(counted_once, 10, what='the tree counting gc once')
