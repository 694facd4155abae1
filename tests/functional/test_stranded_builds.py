"""A build always has an owner that finishes it (nova.cells.builds): the
top until a cell accepts it, then that cell.  Each test loses a build
somewhere, lets the build keepers look (with their clock put past the
stall window, rather than waiting for it), and waits for the server to
reach ACTIVE or ERROR with a fault, in one cell only."""

import datetime
import random

import pytest

from nova import context as nova_context
from nova.compute import images
from nova.compute import task_states
from nova.compute import vm_states
from nova.tools.message_faults import FaultyDelivery
from nova.tools.polling import wait_for

ADMIN = nova_context.get_admin_context()
IMAGE = images.DEFAULT_IMAGE_ID
CHILDREN = ('cell1', 'cell2')


@pytest.fixture
def tree(tree_factory):
    # The periodic tasks stay out of the way: the tests run the keepers.
    tree = tree_factory(
        services={'api': ['cells']},
        overrides={c: {('heal_interval', 'cells'): 3600.0}
                   for c in ('api',) + CHILDREN})
    tree.wait_for_capacities('api', list(CHILDREN))
    return tree


def _later():
    return (datetime.datetime.utcnow()
            + datetime.timedelta(seconds=7200))


def _keep(tree, cell):
    keeper = tree.cells_manager(cell).build_keeper
    keeper.now = _later
    return keeper.run_once()


def _boot(tree, count=1):
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('admin', 'admin', is_admin=True)
    instances, _ = api.create(ctxt, api.flavor_get(ctxt, '1'), IMAGE, 'vm',
                              min_count=count, max_count=count)
    return [i.uuid for i in instances]


def _rows(tree, cell, uuids):
    return tree.db(cell).instance_get_all_by_filters(
        nova_context.get_admin_context(read_deleted='yes'),
        {'uuid': list(uuids)})


def _error_at_the_top(tree, uuid):
    """The faults of ``uuid`` at the top once it shows ERROR there with
    one: the state and the fault travel up as two changes."""
    def faults():
        return tree.db('api').instance_faults_get(ADMIN, [uuid])[uuid]
    wait_for(lambda: _top_states(tree, [uuid]) == {uuid: vm_states.ERROR}
             and faults(), 10, what='ERROR and its fault at the top')
    return faults()


def _top_states(tree, uuids):
    return {r['uuid']: r['vm_state'] for r in _rows(tree, 'api', uuids)}


def _wait_active(tree, uuids):
    wait_for(lambda: set(_top_states(tree, uuids).values())
             == {vm_states.ACTIVE}, 15, what='ACTIVE at the top')


def _holders(tree, uuid):
    return [c for c in CHILDREN if _rows(tree, c, [uuid])]


def test_a_build_lost_on_its_way_down_is_sent_again(tree):
    faults = FaultyDelivery.install(tree.cells_manager('api'),
                                    random.Random(1), drop=1.0,
                                    directions=('down',),
                                    methods=('build_instances',))
    uuids = _boot(tree, 3)
    wait_for(lambda: faults.counts['dropped'] == 1, 10, what='dropped')
    faults.uninstall(tree.cells_manager('api'))
    assert not any(_holders(tree, u) for u in uuids)

    assert _keep(tree, 'api')['redriven'] == 3
    _wait_active(tree, uuids)
    assert all(len(_holders(tree, u)) == 1 for u in uuids)
    # Once ACTIVE nothing is stalled any more.
    assert _keep(tree, 'api') == {'redriven': 0, 'resent': 0, 'failed': 0}


def test_a_build_whose_updates_were_lost_is_asked_for_not_built_again(tree):
    for cell in CHILDREN:
        FaultyDelivery.install(tree.cells_manager(cell), random.Random(1),
                               drop=1.0)
    [uuid] = _boot(tree)
    wait_for(lambda: any(r['vm_state'] == vm_states.ACTIVE
                         for c in CHILDREN for r in _rows(tree, c, [uuid])),
             10, what='ACTIVE in a cell')
    for cell in CHILDREN:
        manager = tree.cells_manager(cell)
        manager.msg_runner.driver.uninstall(manager)
    assert _top_states(tree, [uuid]) == {uuid: vm_states.BUILDING}

    assert _keep(tree, 'api') == {'redriven': 0, 'resent': 1, 'failed': 0}
    _wait_active(tree, [uuid])
    [holder] = _holders(tree, uuid)
    top = _rows(tree, 'api', [uuid])[0]
    assert top['cell_name'] == 'api!' + holder


def test_a_build_its_host_scheduler_dropped_is_scheduled_again(tree):
    # As if the cell's scheduler died between the cell's write and its
    # cast to a compute host: the row is there, scheduling, no host.
    faults = FaultyDelivery.install(tree.cells_manager('api'),
                                    random.Random(1), drop=1.0,
                                    directions=('down',),
                                    methods=('build_instances',))
    [uuid] = _boot(tree)
    wait_for(lambda: faults.counts['dropped'] == 1, 10, what='dropped')
    faults.uninstall(tree.cells_manager('api'))
    top = tree.db('api').instance_get_by_uuid(ADMIN, uuid)
    values = dict(top, cell_name=None, sync_version=0)
    for key in ('id', 'created_at', 'updated_at', 'deleted_at',
                'deleted', 'network_info'):
        values.pop(key, None)
    tree.db('cell1').instance_create(ADMIN, values)

    assert _keep(tree, 'cell1')['redriven'] == 1
    _wait_active(tree, [uuid])
    assert _holders(tree, uuid) == ['cell1']


def test_a_compute_that_restarts_fails_the_builds_it_had_taken(tree):
    [uuid] = _boot(tree)
    _wait_active(tree, [uuid])
    [cell] = _holders(tree, uuid)
    row = _rows(tree, cell, [uuid])[0]
    # As if it had died in the middle of this build.
    tree.db(cell).instance_update(ADMIN, uuid, {
        'vm_state': vm_states.BUILDING, 'task_state': task_states.SPAWNING})
    computes = tree.runtimes[cell].services['compute']
    [compute] = [s for s in computes if s.manager.host == row['host']]

    compute.manager.init_host()

    faults = _error_at_the_top(tree, uuid)
    assert 'when its compute service stopped' in faults[0]['message']


def test_a_build_on_a_host_that_went_down_is_failed_by_its_cell(tree):
    [uuid] = _boot(tree)
    _wait_active(tree, [uuid])
    [cell] = _holders(tree, uuid)
    tree.db(cell).instance_update(ADMIN, uuid, {
        'vm_state': vm_states.BUILDING, 'task_state': task_states.SPAWNING})
    # Seen two hours later, the compute's heartbeat is two hours old.
    assert _keep(tree, cell) == {'redriven': 0, 'resent': 0, 'failed': 1}
    faults = _error_at_the_top(tree, uuid)
    assert 'compute service went down' in faults[0]['message']
