"""Boot and delete through the API cell into child cells, in-process."""

import collections

from nova import context as nova_context
from nova.compute import images
from nova.compute import vm_states
from nova.tools.polling import wait_for

IMAGE = images.DEFAULT_IMAGE_ID


def _boot(tree, count=1, flavorid='1', image=IMAGE):
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('user1', 'project1')
    flavor = api.flavor_get(ctxt, flavorid)
    instances, _ = api.create(ctxt, flavor, image, 'vm', min_count=count,
                              max_count=count)
    return api, ctxt, instances


def _wait_active(api, ctxt, uuids):
    def all_active():
        got = [api.get(ctxt, u) for u in uuids]
        return got if all(i.vm_state == vm_states.ACTIVE for i in got) \
            else None
    return wait_for(all_active, 10, what='instances ACTIVE')


def test_boot_reaches_active_with_cell_path_and_address(tree):
    api, ctxt, instances = _boot(tree)
    [active] = _wait_active(api, ctxt, [instances[0].uuid])

    assert active.cell_name in ('api!cell1', 'api!cell2')
    child = active.cell_name.split('!')[1]
    [child_row] = tree.live_instances(child)
    assert child_row['uuid'] == active.uuid
    assert child_row['vm_state'] == vm_states.ACTIVE
    assert child_row['host'] == active.host
    assert active.host.startswith(child + '-compute')
    assert active.network_info[0]['address'].startswith(
        tree.confs[child].network.fixed_range.rsplit('.', 2)[0])
    assert active.launched_at is not None


def test_single_boots_spread_over_children(tree):
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('user1', 'project1')
    flavor = api.flavor_get(ctxt, '1')
    uuids = [api.create(ctxt, flavor, IMAGE, 'vm%d' % i)[0][0].uuid
             for i in range(10)]
    active = _wait_active(api, ctxt, uuids)

    per_cell = collections.Counter(i.cell_name for i in active)
    assert set(per_cell) == {'api!cell1', 'api!cell2'}, per_cell
    for child in ('cell1', 'cell2'):
        assert {r['uuid'] for r in tree.live_instances(child)} == {
            i.uuid for i in active if i.cell_name == 'api!' + child}


def test_delete_removes_instance_from_every_database(tree):
    api, ctxt, instances = _boot(tree, count=3)
    active = _wait_active(api, ctxt, [i.uuid for i in instances])
    for instance in active:
        api.delete(ctxt, instance)

    for cell in ('api', 'cell1', 'cell2'):
        wait_for(lambda cell=cell: not tree.live_instances(cell), 10,
                 what='no live instance in %s' % cell)
    # The top keeps tombstones: deleted rows, never live ones.
    deleted = tree.db('api').instance_get_all_by_filters(
        nova_context.get_admin_context(), {'deleted': True})
    assert {r['uuid'] for r in deleted} == {i.uuid for i in instances}


def test_fixed_ips_are_released_on_delete(tree):
    api, ctxt, instances = _boot(tree, count=2)
    active = _wait_active(api, ctxt, [i.uuid for i in instances])
    addresses = {i.network_info[0]['address'] for i in active}
    assert len(addresses) == 2
    child = active[0].cell_name.split('!')[1]
    for instance in active:
        api.delete(ctxt, instance)
    wait_for(lambda: not tree.live_instances(child), 10, what='deleted')
    # The same addresses are handed out again.
    api, ctxt, again = _boot(tree, count=2)
    again = _wait_active(api, ctxt, [i.uuid for i in again])
    if again[0].cell_name == active[0].cell_name:
        assert {i.network_info[0]['address'] for i in again} == addresses


def test_build_that_fits_nowhere_ends_in_error_with_fault(tree):
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('user1', 'project1')
    admin = nova_context.get_admin_context()
    tree.db('api').flavor_create(admin, {
        'name': 'huge', 'flavorid': 'huge', 'memory_mb': 10 ** 7,
        'vcpus': 1, 'root_gb': 1})
    flavor = api.flavor_get(ctxt, 'huge')
    # Past any cell, not past the project's quota.
    tree.db('api').quota_set(admin, 'project1', {'ram': -1})
    [instance], _ = api.create(ctxt, flavor, IMAGE, 'too-big')

    def errored():
        got = api.get(ctxt, instance.uuid)
        return got if got.vm_state == vm_states.ERROR else None
    failed = wait_for(errored, 10, what='ERROR')
    assert failed.fault is not None
    assert 'No cells available' in failed.fault.message


def test_spawn_failure_tries_every_host_of_every_cell_then_errors(tree):
    # The fake driver fails every spawn of an image whose id starts with
    # "fail-".
    tree.db('api').image_create(nova_context.get_admin_context(), {
        'id': 'fail-image', 'name': 'broken', 'status': 'active',
        'is_public': True})
    api, ctxt, instances = _boot(tree, image='fail-image')
    uuid = instances[0].uuid

    def errored():
        got = api.get(ctxt, uuid)
        return got if got.vm_state == vm_states.ERROR else None
    failed = wait_for(errored, 10, what='ERROR')
    assert failed.fault.message.startswith('No cells available')
    assert 'Simulated spawn failure' in failed.fault.message

    admin = nova_context.get_admin_context()

    def failed_cells():
        # One fault per cell that failed the build (they travel up on
        # their own and may land after the final one).
        faults = tree.db('api').instance_faults_get(admin, [uuid])[uuid]
        return sorted(f['message'].split('in cell ')[1].split(':')[0]
                      for f in faults if 'in cell ' in f['message'])
    wait_for(lambda: len(failed_cells()) == 2, 5, what='cell faults')
    assert failed_cells() == ['cell1', 'cell2']
    for child in ('cell1', 'cell2'):
        # No trace of the instance is left in a cell that failed it, and
        # the failed attempts hold no resources.
        assert tree.live_instances(child) == []
        nodes = tree.db(child).compute_node_get_all(admin)
        assert len(nodes) == 2
        assert all(n['memory_mb_used'] == 0 for n in nodes)
