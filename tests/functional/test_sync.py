"""The top's copy of every instance stays true: order, tombstones, heal,
field authority, build timeouts, bandwidth usage."""

import datetime
import json
import random

import pytest

from nova import context as nova_context
from nova.compute import images
from nova.compute import vm_states
from nova.ownership import CHILD_OWNED_FIELDS
from nova.tools.message_faults import FaultyDelivery
from nova.tools.polling import wait_for

ADMIN = nova_context.get_admin_context()
IMAGE = images.DEFAULT_IMAGE_ID
# Compared between the top and the owning cell; timestamps are left out
# (the top stores what the child sent, but the child's clock runs on).
SYNCED = sorted((CHILD_OWNED_FIELDS - {'updated_at', 'network_info',
                                       'system_metadata', 'flavor'})
                | {'sync_version'})


@pytest.fixture
def sync_tree(tree_factory):
    # Updates go up one by one here, so that tests can hold and reorder
    # them (test_updates_travel_in_batches covers the batching).
    tree = tree_factory(
        services={'api': ['cells']},
        overrides={c: {('heal_interval', 'cells'): 3600.0,
                       ('instance_update_batch_delay', 'cells'): 0.0,
                       ('instance_update_batch_hold', 'cells'): 0.0}
                   for c in ('cell1', 'cell2')})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    return tree


def _boot(tree, count=1, cell='cell1'):
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('admin', 'admin', is_admin=True)
    flavor = api.flavor_get(ctxt, '1')
    instances, _ = api.create(ctxt, flavor, IMAGE, 'vm', min_count=count,
                              max_count=count,
                              scheduler_hints={'target_cell': 'api!' + cell})
    uuids = [i.uuid for i in instances]
    wait_for(lambda: all(api.get(ctxt, u).vm_state == vm_states.ACTIVE
                         for u in uuids), 10, what='ACTIVE')
    return api, ctxt, uuids


def _top(tree, uuid):
    return tree.db('api').instance_get_by_uuid(
        nova_context.get_admin_context(read_deleted='yes'), uuid)


def _child(tree, cell, uuid):
    return tree.db(cell).instance_get_by_uuid(
        nova_context.get_admin_context(read_deleted='yes'), uuid)


def _differences(tree, cell, uuid):
    top, child = _top(tree, uuid), _child(tree, cell, uuid)
    return {f: (top[f], child[f]) for f in SYNCED if top[f] != child[f]}


def _in_sync(tree, cell, uuid):
    return not _differences(tree, cell, uuid)


def _hold_upward(tree, cell):
    faults = FaultyDelivery.install(tree.cells_manager(cell),
                                    random.Random(1),
                                    methods=('instance_update_at_top',
                                             'instance_destroy_at_top'))
    faults.hold = True
    return faults


def test_resize_then_revert_delivered_backwards_ends_in_the_final_state(
        sync_tree):
    _, _, [uuid] = _boot(sync_tree)
    faults = _hold_upward(sync_tree, 'cell1')
    db = sync_tree.db('cell1')
    small = json.loads(_child(sync_tree, 'cell1', uuid)['flavor'])
    big = dict(small, flavorid='2', memory_mb=2048)
    for values in ({'task_state': 'resize_prep'},
                   {'task_state': 'resize_migrating'},
                   {'task_state': 'resize_finish'},
                   {'vm_state': 'resized', 'task_state': None,
                    'memory_mb': 2048, 'flavor': json.dumps(big)},
                   {'task_state': 'resize_reverting'},
                   {'vm_state': 'active', 'task_state': None,
                    'memory_mb': 512, 'flavor': json.dumps(small)}):
        db.instance_update(ADMIN, uuid, values)
    final = _child(sync_tree, 'cell1', uuid)['sync_version']

    def version(data):
        return data['method_kwargs']['instance']['nova_object.data'][
            'sync_version']
    wait_for(lambda: any(version(a[3]) == final for a in faults.held), 5,
             what='the last update held')
    # The newest first; the five older ones once it has landed.
    faults.release(where=lambda data: version(data) == final)
    wait_for(lambda: _top(sync_tree, uuid)['sync_version'] == final, 5,
             what='the newest applied')
    faults.release('reverse')

    wait_for(lambda: _in_sync(sync_tree, 'cell1', uuid), 5,
             what=lambda: 'sync: %s' % _differences(sync_tree, 'cell1',
                                                    uuid))
    top = _top(sync_tree, uuid)
    assert (top['vm_state'], top['task_state'], top['memory_mb']) == (
        'active', None, 512)
    assert json.loads(top['flavor'])['flavorid'] == small['flavorid']
    # The newest one was applied; the five older ones dropped.
    stats = sync_tree.cells_manager('api').sync_stats
    wait_for(lambda: stats['stale'] >= 5, 5,
             what=lambda: 'five stale updates dropped: %s' % stats)
    assert _in_sync(sync_tree, 'cell1', uuid)


def test_a_late_update_never_brings_a_deleted_instance_back(sync_tree):
    api, ctxt, [uuid] = _boot(sync_tree)
    faults = _hold_upward(sync_tree, 'cell1')
    sync_tree.db('cell1').instance_update(ADMIN, uuid,
                                          {'task_state': 'rebooting'})
    sync_tree.db('cell1').instance_destroy(ADMIN, uuid)

    def destroy_held():
        return any(args[3]['method_name'] == 'instance_destroy_at_top'
                   for args in faults.held)
    wait_for(destroy_held, 5, what='the delete held')
    # The delete first; the older update only once it has landed.
    faults.release(where=lambda data:
                   data['method_name'] == 'instance_destroy_at_top')
    wait_for(lambda: _top(sync_tree, uuid)['deleted'], 5, what='deleted')
    faults.release()

    stats = sync_tree.cells_manager('api').sync_stats
    wait_for(lambda: stats['deleted'] >= 1, 5, what='late update seen')
    assert _top(sync_tree, uuid)['deleted']
    assert sync_tree.live_instances('api') == []


def test_heal_repairs_lost_updates_and_deletes(sync_tree):
    _, _, uuids = _boot(sync_tree, count=3)
    faults = FaultyDelivery.install(
        sync_tree.cells_manager('cell1'), random.Random(2), drop=1.0,
        methods=('instance_update_at_top', 'instance_destroy_at_top'))
    db = sync_tree.db('cell1')
    db.instance_update(ADMIN, uuids[0], {'vm_state': 'stopped',
                                         'power_state': 4})
    db.instance_destroy(ADMIN, uuids[1])
    wait_for(lambda: faults.counts['dropped'] == 2, 5, what='2 dropped')
    assert _top(sync_tree, uuids[0])['vm_state'] == 'active'
    assert not _top(sync_tree, uuids[1])['deleted']

    faults.uninstall(sync_tree.cells_manager('cell1'))
    sent = sync_tree.cells_manager('cell1').heal_instances()
    assert sent == 3
    wait_for(lambda: _top(sync_tree, uuids[1])['deleted'], 5,
             what='delete healed')
    wait_for(lambda: _in_sync(sync_tree, 'cell1', uuids[0]), 5,
             what='update healed')


def test_heal_sends_a_bounded_page_per_run(sync_tree):
    _, _, uuids = _boot(sync_tree, count=5)
    manager = sync_tree.cells_manager('cell1')
    conf = sync_tree.confs['cell1']
    conf.set_override('instance_update_num_instances', 2, 'cells')
    conf.set_override('instance_update_sync_database_limit', 2, 'cells')
    try:
        assert [manager.heal_instances() for _ in range(4)] == [2, 2, 1, 2]
    finally:
        conf.clear_override('instance_update_num_instances', 'cells')
        conf.clear_override('instance_update_sync_database_limit', 'cells')


def test_forced_sync_repairs_every_cell(sync_tree):
    _, _, [uuid] = _boot(sync_tree, cell='cell2')
    faults = FaultyDelivery.install(
        sync_tree.cells_manager('cell2'), random.Random(3), drop=1.0,
        methods=('instance_update_at_top', 'instances_sync_at_top'))
    sync_tree.db('cell2').instance_update(ADMIN, uuid, {'progress': 42})
    wait_for(lambda: faults.counts['dropped'] == 1, 5, what='dropped')
    faults.uninstall(sync_tree.cells_manager('cell2'))
    sync_tree.cells_manager('api').admin.sync_instances(
        ADMIN, project_id='admin')
    wait_for(lambda: _top(sync_tree, uuid)['progress'] == 42, 5,
             what='forced sync')


def test_api_owned_fields_go_down_in_order_and_are_not_taken_back(
        sync_tree):
    api, ctxt, [uuid] = _boot(sync_tree)
    cells_api = sync_tree.compute_api()
    faults = FaultyDelivery.install(
        sync_tree.cells_manager('api'), random.Random(4),
        directions=('down',), methods=('instance_update_from_api',))
    faults.hold = True
    instance = cells_api.get(ctxt, uuid)
    instance = cells_api.update_instance(ctxt, instance,
                                         {'display_name': 'first'})
    instance = cells_api.update_instance(ctxt, instance,
                                         {'display_name': 'second'})
    cells_api.update_instance_metadata(ctxt, instance, {'k': 'v'})
    wait_for(lambda: len(faults.held) == 3, 5, what='3 held')
    faults.release('reverse')
    wait_for(lambda: _child(sync_tree, 'cell1', uuid)['display_name']
             == 'second', 5, what='rename below')
    child = _child(sync_tree, 'cell1', uuid)
    assert child['metadata'] == {'k': 'v'}
    assert child['api_version'] == 3

    # A change in the child pushes its whole view up; the top keeps its
    # own name.
    sync_tree.db('cell1').instance_update(ADMIN, uuid,
                                          {'display_name': 'rogue',
                                           'progress': 7})
    wait_for(lambda: _top(sync_tree, uuid)['progress'] == 7, 5, what='up')
    assert _top(sync_tree, uuid)['display_name'] == 'second'


def test_admin_state_reset_reaches_the_owning_cell(sync_tree):
    api, ctxt, [uuid] = _boot(sync_tree)
    cells_api = sync_tree.compute_api()
    cells_api.reset_state(ctxt, cells_api.get(ctxt, uuid), vm_states.ERROR)
    wait_for(lambda: _child(sync_tree, 'cell1', uuid)['vm_state']
             == vm_states.ERROR, 5, what='reset below')
    wait_for(lambda: _in_sync(sync_tree, 'cell1', uuid), 5, what='in sync')


def test_a_stuck_build_times_out_into_error(sync_tree):
    manager = sync_tree.cells_manager('api')
    api = sync_tree.compute_api()
    ctxt = nova_context.RequestContext('u', 'p')
    flavor = api.flavor_get(ctxt, '1')
    # Never scheduled: the cells service of the API cell is not told.
    image = api._bootable_image(ctxt, IMAGE, flavor)
    values = api._instance_values(ctxt, flavor, image, 'stuck')
    row = sync_tree.db('api').instance_create(ctxt, values)
    later = datetime.datetime.utcnow() + datetime.timedelta(hours=2)
    manager.build_timeouts.now = lambda: later
    assert manager.build_timeouts.run_once() == [row['uuid']]
    stuck = api.get(ctxt, row['uuid'])
    assert stuck.vm_state == vm_states.ERROR
    assert 'still building' in stuck.fault.message


def test_bandwidth_usage_reaches_the_top(sync_tree):
    _, _, [uuid] = _boot(sync_tree)
    host = _child(sync_tree, 'cell1', uuid)['host']
    computes = sync_tree.runtimes['cell1'].services['compute']
    [compute] = [c for c in computes if c.host == host]
    assert compute.manager.poll_bandwidth_usage() == 1
    assert compute.manager.poll_bandwidth_usage() == 1
    start = datetime.datetime.utcnow().replace(
        day=1, hour=0, minute=0, second=0, microsecond=0)

    def at_top():
        rows = sync_tree.db('api').bw_usage_get_by_uuids(ADMIN, [uuid],
                                                         start)
        return rows if rows and rows[0]['bw_in'] == 8192 else None
    [usage] = wait_for(at_top, 5, what='bandwidth at the top')
    assert usage['bw_out'] == 4096


def test_a_build_failed_everywhere_stays_in_error_at_the_top(
        tree_factory):
    tree = tree_factory(
        services={'api': ['cells']},
        overrides={c: {('fail_spawn', 'fake_driver'): True}
                   for c in ('cell1', 'cell2')})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    held = [_hold_upward(tree, c) for c in ('cell1', 'cell2')]
    for faults in held:
        faults.methods = ('instance_update_at_top', 'changes_at_top',
                          'instances_sync_at_top')
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('admin', 'admin', is_admin=True)
    [instance], _ = api.create(ctxt, api.flavor_get(ctxt, '1'), IMAGE,
                               'doomed')
    wait_for(lambda: _top(tree, instance.uuid)['vm_state']
             == vm_states.ERROR, 15, what='ERROR at the top')
    assert sum(len(f.held) for f in held) > 0
    # The cells' updates from before they gave up arrive late.
    for faults in held:
        faults.release()
    stats = tree.cells_manager('api').sync_stats
    wait_for(lambda: stats['stale'] > 0, 5, what='late updates dropped')
    top = _top(tree, instance.uuid)
    assert (top['vm_state'], top['cell_name']) == (vm_states.ERROR, None)


def test_updates_travel_in_batches(tree_factory):
    tree = tree_factory(
        services={'api': ['cells']},
        overrides={'cell1': {('instance_update_batch_delay', 'cells'): 0.2}})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('admin', 'admin', is_admin=True)
    flavor = api.flavor_get(ctxt, '1')
    instances, _ = api.create(ctxt, flavor, IMAGE, 'vm', min_count=8,
                              max_count=8,
                              scheduler_hints={'target_cell': 'api!cell1'})
    uuids = [i.uuid for i in instances]

    def settled():
        live = {r['uuid'] for r in tree.live_instances('cell1')}
        return (live == set(uuids)
                and all(_top(tree, u)['vm_state'] == vm_states.ACTIVE
                        and _in_sync(tree, 'cell1', u) for u in uuids))
    wait_for(settled, 20, what='8 ACTIVE and in sync')
    versions = sum(_child(tree, 'cell1', u)['sync_version'] for u in uuids)
    sent = tree.cells_manager('cell1').update_batcher.batches_sent
    # Each build changes an instance several times; far fewer messages.
    assert sent * 4 <= versions, (sent, versions)


def test_soak_with_lossy_upward_messages_converges(tree_factory):
    cells = {'api': ('api', []), 'cell1': ('compute', ['api']),
             'cell2': ('compute', ['api']), 'cell3': ('compute', ['api'])}
    tree = tree_factory(cells, services={'api': ['cells']}, overrides={
        c: {('heal_interval', 'cells'): 3600.0,
            ('instance_update_num_instances', 'cells'): 1000}
        for c in ('cell1', 'cell2', 'cell3')})
    tree.wait_for_capacities('api', ['cell1', 'cell2', 'cell3'])
    rng = random.Random(42)
    faults = [FaultyDelivery.install(tree.cells_manager(c), rng, drop=0.1,
                                     duplicate=0.05, max_delay=0.02)
              for c in ('cell1', 'cell2', 'cell3')]
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('u', 'p')
    tree.db('api').quota_set(ADMIN, 'p', {'instances': -1, 'cores': -1,
                                          'ram': -1})
    flavor = api.flavor_get(ctxt, '1')
    uuids = []
    for _ in range(3):
        instances, _ = api.create(ctxt, flavor, IMAGE, 'soak',
                                  min_count=20, max_count=20)
        uuids.extend(i.uuid for i in instances)
    children = ('cell1', 'cell2', 'cell3')

    def settled():
        rows = [r for c in children for r in tree.db(c)
                .instance_get_all_by_filters(ADMIN, {})]
        return len(rows) == 60 and all(r['task_state'] is None
                                       for r in rows)
    def unsettled():
        rows = [(c, r['vm_state'], r['task_state']) for c in children
                for r in tree.db(c).instance_get_all_by_filters(ADMIN, {})]
        return '60 builds settled in the children: %d rows, %s' % (
            len(rows), [r for r in rows if r[2] is not None][:5])
    wait_for(settled, 60, what=unsettled)
    for uuid in uuids[:10]:
        api.delete(ctxt, api.get(ctxt, uuid))
    wait_for(lambda: sum(len(tree.live_instances(c)) for c in children)
             == 50, 10, what='10 deleted below')
    for f in faults:
        f.flush()
        # The heal passes below run once each: were their pages dropped
        # too, convergence would be luck (tools/soak.py keeps the faults
        # on through periodic heals instead).
        f.drop = f.duplicate = 0.0
    for cell in children:
        tree.cells_manager(cell).heal_instances()
    for cell in children:
        tree.cells_manager(cell).heal_instances()

    def converged():
        for cell in children:
            for row in tree.db(cell).instance_get_all_by_filters(
                    nova_context.get_admin_context(read_deleted='yes'), {}):
                top = _top(tree, row['uuid'])
                if bool(top['deleted']) != bool(row['deleted']):
                    return False
                if not row['deleted'] and any(top[f] != row[f]
                                              for f in SYNCED):
                    return False
        return True
    wait_for(converged, 10, what='top equal to the children')
    assert len(tree.live_instances('api')) == 50
    assert sum(f.counts['dropped'] for f in faults) > 0
