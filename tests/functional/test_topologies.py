"""Deep trees and several parents: routing, broadcasts and scheduling."""

import oslo_messaging
import pytest

from nova import context as nova_context
from nova import exception
from nova import rpc
from nova.cells import rpc_driver
from nova.compute import images
from nova.compute import vm_states
from nova.tools.polling import record_waits
from nova.tools.polling import wait_for

# api has four children; c1 and c2 have a child each; api2 is a second
# top cell, also a parent of c4.  Middle cells run nova-cells only.
TREE = {
    'api': ('api', []),
    'api2': ('api', []),
    'c1': ('compute', ['api']),
    'c2': ('compute', ['api']),
    'c3': ('compute', ['api']),
    'c4': ('compute', ['api', 'api2']),
    'gc1': ('compute', ['c1']),
    'gc2': ('compute', ['c2']),
}
CELLS_ONLY = {'api': ['cells'], 'api2': ['cells'], 'c1': ['cells'],
              'c2': ['cells']}


@pytest.fixture
def big_tree(tree_factory):
    tree = tree_factory(TREE, compute_hosts=1, services=CELLS_ONLY)
    tree.wait_for_capacities('api', ['c1', 'c2', 'c3', 'c4'])
    tree.wait_for_capacities('c1', ['gc1'])
    return tree


def _admin():
    return nova_context.RequestContext('admin', 'admin', is_admin=True)


def _boot(tree, ctxt, hints=None, top='api'):
    api = tree.compute_api(top)
    flavor = api.flavor_get(ctxt, '1')
    [instance], _ = api.create(ctxt, flavor, images.DEFAULT_IMAGE_ID, 'vm',
                               scheduler_hints=hints)
    return api, instance


def _wait_state(api, ctxt, uuid, state=vm_states.ACTIVE):
    def reached():
        got = api.get(ctxt, uuid)
        return got if got.vm_state == state else None
    return wait_for(reached, 10, what=state)


def test_boot_into_a_grandchild_with_target_cell(big_tree):
    ctxt = _admin()
    api, instance = _boot(big_tree, ctxt, {'target_cell': 'api!c1!gc1'})
    active = _wait_state(api, ctxt, instance.uuid)
    assert active.cell_name == 'api!c1!gc1'
    assert [r['uuid'] for r in big_tree.live_instances('gc1')] == [
        instance.uuid]
    # The middle cell routes, it does not keep a copy.
    assert big_tree.live_instances('c1') == []

    # Actions go down two hops; their results and events come back up.
    stop_ctxt = _admin()
    api.stop(stop_ctxt, active)
    _wait_state(api, ctxt, instance.uuid, vm_states.STOPPED)
    renamed = api.update_instance(_admin(), api.get(ctxt, instance.uuid),
                                  {'display_name': 'deep'})
    wait_for(lambda: big_tree.db('gc1').instance_get_by_uuid(
        ctxt, instance.uuid)['display_name'] == 'deep', 10,
        what='rename in gc1')
    assert 'login:' in api.get_console_output(ctxt, renamed)

    def stop_event():
        events = api.get_instance_action(ctxt, instance.uuid,
                                         stop_ctxt.request_id)['events']
        return events if events and events[0]['result'] else None
    [event] = wait_for(stop_event, 10, what='stop event at the top')
    assert (event['event'], event['result']) == ('compute_stop_instance',
                                                 'Success')


def test_target_cell_hint_of_a_non_admin_is_ignored(big_tree):
    ctxt = nova_context.RequestContext('user', 'project')
    api, instance = _boot(big_tree, ctxt, {'target_cell': 'api!nowhere'})
    active = _wait_state(api, ctxt, instance.uuid)
    assert active.cell_name.startswith('api!c')


def test_target_cell_outside_the_tree_fails_the_build(big_tree):
    ctxt = _admin()
    api, instance = _boot(big_tree, ctxt, {'target_cell': 'api!nowhere'})
    failed = _wait_state(api, ctxt, instance.uuid, vm_states.ERROR)
    assert 'No cells available' in failed.fault.message


def test_different_cell_hint_avoids_a_subtree(big_tree):
    ctxt = _admin()
    avoid = ['api!c1', 'api!c2', 'api!c3']
    api, instance = _boot(big_tree, ctxt, {'different_cell': avoid})
    assert _wait_state(api, ctxt, instance.uuid).cell_name == 'api!c4'


def test_a_cell_with_two_parents_updates_both_tops(big_tree):
    ctxt = _admin()
    api, instance = _boot(big_tree, ctxt, {'target_cell': 'api!c4'})
    _wait_state(api, ctxt, instance.uuid)
    api2 = big_tree.compute_api('api2')
    seen = _wait_state(api2, ctxt, instance.uuid)
    assert seen.cell_name == 'api2!c4'


def test_service_get_all_reaches_every_cell_with_its_path(big_tree):
    manager = big_tree.cells_manager('api')
    result = manager.service_get_all(nova_context.get_admin_context())
    assert result['missing'] == []
    by_path = {}
    for service in result['services']:
        by_path.setdefault(service['cell_path'], set()).add(
            service['binary'])
    assert set(by_path) == {'api', 'api!c1', 'api!c2', 'api!c3', 'api!c4',
                            'api!c1!gc1', 'api!c2!gc2'}
    assert by_path['api!c1!gc1'] == {'nova-cells', 'nova-scheduler',
                                     'nova-network', 'nova-compute'}
    assert by_path['api!c1'] == {'nova-cells'}


def test_targeted_message_to_a_missing_path_is_a_routing_error(big_tree):
    runner = big_tree.cells_manager('api').msg_runner
    response = runner.targeted(nova_context.get_admin_context(),
                               'api!c1!nope', 'compute_node_get_all', {},
                               need_response=True)
    with pytest.raises(exception.CellRoutingInconsistency):
        response.value_or_raise()


def test_capacities_are_summed_up_the_tree(big_tree):
    state = big_tree.cells_manager('api').state
    gc1_ram = big_tree.confs['gc1'].fake_driver.memory_mb
    # c1 passes gc1's report on soon after it arrives.
    wait_for(lambda: state.get_child_cell('c1').capacities['ram_free'][
        'total_mb'] == gc1_ram, 10, what=lambda: 'c1 reports %s' % (
            state.get_child_cell('c1').capacities['ram_free'],))
    assert state.get_our_capabilities()['hypervisor'] == ['fake']


def test_broadcast_with_a_stopped_cell_returns_the_rest(tree_factory):
    tree = tree_factory(
        services={'api': ['cells']},
        overrides={'api': {('call_timeout', 'cells'): 2}})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    tree.service('cell2', 'cells').stop()
    manager = tree.cells_manager('api')
    waits = record_waits(manager.msg_runner)
    result = manager.service_get_all(nova_context.get_admin_context())
    # It waited once for the answers, call_timeout at most.
    assert waits == [2.0]
    assert result['missing'] == ['api!cell2']
    paths = {s['cell_path'] for s in result['services']}
    assert paths == {'api', 'api!cell1'}


def test_a_cell_registered_in_the_db_is_used_without_restart(tree_factory):
    tree = tree_factory(
        services={'api': ['cells']}, registry='db',
        overrides={'api': {('db_check_interval', 'cells'): 1}})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    ctxt = _admin()
    admin = nova_context.get_admin_context()
    # Forget cell2 at the top: builds can no longer go there.
    tree.db('api').cell_delete(admin, 'cell2')
    state = tree.cells_manager('api').state
    wait_for(lambda: state.get_child_cell('cell2') is None, 5,
             what='cell2 forgotten')
    api, instance = _boot(tree, ctxt, {'target_cell': 'api!cell2'})
    _wait_state(api, ctxt, instance.uuid, vm_states.ERROR)
    # Register it again: the next build may target it.
    tree.register('api', 'cell2', is_parent=False)
    wait_for(lambda: state.get_child_cell('cell2') is not None, 5,
             what='cell2 known again')
    api, instance = _boot(tree, ctxt, {'target_cell': 'api!cell2'})
    assert _wait_state(api, ctxt, instance.uuid).cell_name == 'api!cell2'


def test_malformed_messages_on_the_wire_do_not_stop_a_cell(tree):
    transport = rpc.get_transport(tree.confs['api'], tree.url('cell1'))
    client = oslo_messaging.get_rpc_client(
        transport, oslo_messaging.Target(
            topic=rpc_driver.topic_for('targeted')),
        serializer=rpc.EnvelopeSerializer())
    ctxt = nova_context.get_admin_context()
    for garbage in ('not json at all', {'message_type': 'targeted'},
                    {'message_type': 'targeted', 'ctxt': {},
                     'method_name': 'os.system', 'method_kwargs': {},
                     'direction': 'down', 'need_response': False,
                     'uuid': 'x', 'routing_path': 'api!cell1',
                     'hop_count': 1, 'max_hop_count': 10,
                     'target_cell': 'api!cell1'}):
        client.cast(ctxt, 'process_message', message=garbage)
    runner = tree.cells_manager('cell1').msg_runner
    wait_for(lambda: runner.rejected == 3, 5, what='3 rejected')
    transport.cleanup()
    # The cell still builds.
    api, instance = _boot(tree, _admin(), {'target_cell': 'api!cell1'})
    assert _wait_state(api, _admin(), instance.uuid).cell_name == \
        'api!cell1'


def test_build_failing_in_a_child_moves_to_the_next_cell(tree_factory):
    tree = tree_factory(
        services={'api': ['cells']},
        overrides={'cell1': {('fail_spawn', 'fake_driver'): True}})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    # Make cell1 the first choice.
    tree.cells_manager('api').state.get_child_cell('cell1').weight_offset = \
        1000.0
    ctxt = nova_context.RequestContext('user', 'project')
    api, instance = _boot(tree, ctxt)
    active = _wait_state(api, ctxt, instance.uuid)
    assert active.cell_name == 'api!cell2'
    assert tree.live_instances('cell1') == []
    assert [r['uuid'] for r in tree.live_instances('cell2')] == [
        instance.uuid]

    def first_attempt_fault():
        faults = tree.db('api').instance_faults_get(
            nova_context.get_admin_context(), [instance.uuid])
        return [f for f in faults[instance.uuid]
                if 'Build failed in cell cell1' in f['message']]
    [fault] = wait_for(first_attempt_fault, 5, what='fault of cell1')
    assert 'Simulated spawn failure' in fault['message']


def test_a_call_reaches_whichever_cells_worker_waits(tree_factory):
    tree = tree_factory(services={'api': ['cells']})
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    # A second nova-cells worker in the API cell.
    from nova.cmd import common
    runtime = tree.runtimes['api']
    second = common.build_service(runtime.conf, 'cells', 'api-worker2',
                                  runtime.db, runtime.transport)
    second.start()
    try:
        from nova.cells import rpcapi as cells_rpcapi
        client = cells_rpcapi.CellsAPI(runtime.conf, runtime.transport)
        ctxt = nova_context.get_admin_context()
        for _ in range(6):
            result = client.service_get_all(ctxt)
            assert result['missing'] == []
            assert {s['cell_path'] for s in result['services']} == {
                'api', 'api!cell1', 'api!cell2'}
    finally:
        second.stop()


def test_capacity_counts_only_enabled_and_up_compute_services(tree):
    manager = tree.cells_manager('cell1')
    full = manager.state.compute_own_capacities()['ram_free']['total_mb']
    admin = nova_context.get_admin_context()
    [first, second] = tree.db('cell1').service_get_all(
        admin, binary='nova-compute')
    tree.db('cell1').service_update(admin, first['id'], {'disabled': True})
    one_host = manager.state.compute_own_capacities()['ram_free']
    assert one_host['total_mb'] == full // 2
    tree.db('cell1').service_update(admin, second['id'],
                                    {'forced_down': True})
    assert manager.state.compute_own_capacities()['ram_free'][
        'total_mb'] == 0
