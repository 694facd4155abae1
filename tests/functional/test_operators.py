"""Operators' APIs on a running tree: os-cells, os-services,
os-hypervisors, os-availability-zone and sync_instances."""

import logging

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

MEMBER = 'alice:project-a'
SECRET = 'S3cr3t-pa55word'


@pytest.fixture
def api_tree(tree_factory):
    return rc.api_tree(tree_factory())


def admin(tree, method, path, body=None):
    return rc.request(tree, method, path, body, token=rc.ADMIN)


def wait_server(tree, server_id, status='ACTIVE', token=rc.ADMIN):
    def reached():
        code, body = rc.request(tree, 'GET', '/servers/' + server_id,
                                token=token)
        return body['server'] if code == 200 and \
            body['server']['status'] == status else None
    return wait_for(reached, 15, what='server %s' % status)


def boot_into(tree, cell_path, name='vm'):
    code, body = rc.request(
        tree, 'POST', '/servers',
        {'server': {'name': name, 'imageRef': rc.IMAGE, 'flavorRef': '1'},
         'os:scheduler_hints': {'target_cell': cell_path}}, token=rc.ADMIN)
    assert code == 202, body
    return body['server']['id']


# -- os-cells ---------------------------------------------------------------

def test_children_appear_with_their_capacities(api_tree):
    code, body = admin(api_tree, 'GET', '/os-cells')
    assert code == 200
    assert [(c['name'], c['type']) for c in body['cells']] == [
        ('cell1', 'child'), ('cell2', 'child')]
    assert body['cells'][0]['rpc_host'] == api_tree.tag + '-cell1'
    _, detail = admin(api_tree, 'GET', '/os-cells/detail')
    assert detail['cells'][0]['capabilities'] == {
        'hypervisor': ['fake'], 'os': ['linux']}

    _, info = admin(api_tree, 'GET', '/os-cells/info')
    assert info['cell']['name'] == 'api'
    assert info['cell']['type'] == 'self'

    host_ram = api_tree.confs['cell1'].fake_driver.memory_mb
    _, one = admin(api_tree, 'GET', '/os-cells/cell1/capacities')
    ram = one['cell']['capacities']['ram_free']
    assert ram['total_mb'] == 2 * host_ram
    assert ram['units_by_mb']['1024'] > 0
    assert set(one['cell']['capacities']) == {'ram_free', 'disk_free'}
    _, everything = admin(api_tree, 'GET', '/os-cells/capacities')
    assert everything['cell']['capacities']['ram_free']['total_mb'] == \
        4 * host_ram

    _, shown = admin(api_tree, 'GET', '/os-cells/cell2')
    assert shown['cell']['name'] == 'cell2'
    for path in ('/os-cells/nope', '/os-cells/nope/capacities'):
        code, error = admin(api_tree, 'GET', path)
        assert code == 404
        assert error['itemNotFound']['message'] == "Cell nope doesn't exist."


def test_a_cell_created_through_the_api_is_used_at_once(tree_factory,
                                                        caplog):
    caplog.set_level(logging.DEBUG)
    tree = rc.api_tree(tree_factory(registry='db'))
    code, _ = admin(tree, 'DELETE', '/os-cells/cell2')
    assert code == 200
    _, body = admin(tree, 'GET', '/os-cells')
    assert [c['name'] for c in body['cells']] == ['cell1']
    # Unknown to the top now: a build aimed at it fails.
    wait_server(tree, boot_into(tree, 'api!cell2'), 'ERROR')

    code, created = admin(tree, 'POST', '/os-cells', {'cell': {
        'name': 'cell2', 'type': 'child', 'rpc_host': tree.tag + '-cell2',
        'username': 'cells', 'password': SECRET}})
    assert code == 200, created
    assert created['cell'] == {'name': 'cell2', 'type': 'child',
                               'username': 'cells',
                               'rpc_host': tree.tag + '-cell2',
                               'rpc_port': None}
    tree.wait_for_capacities('api', ['cell2'])
    server = wait_server(tree, boot_into(tree, 'api!cell2'))
    assert server['OS-EXT-SRV-ATTR:host'].startswith('cell2-compute')

    code, updated = admin(tree, 'PUT', '/os-cells/cell2', {'cell': {
        'username': 'other', 'password': SECRET + '2', 'rpc_port': 5673}})
    assert code == 200
    assert updated['cell']['username'] == 'other'
    assert updated['cell']['rpc_port'] == 5673
    [row] = [r for r in tree.db('api').cell_get_all(
        nova_context.get_admin_context()) if r['name'] == 'cell2']
    assert SECRET + '2' in row['transport_url']
    for path in ('/os-cells', '/os-cells/detail', '/os-cells/cell2'):
        _, listed = admin(tree, 'GET', path)
        assert SECRET not in repr(listed)
    assert SECRET not in caplog.text


def test_a_non_admin_gets_403_on_every_os_cells_route(api_tree):
    calls = [('GET', '/os-cells', None), ('GET', '/os-cells/detail', None),
             ('GET', '/os-cells/info', None),
             ('GET', '/os-cells/capacities', None),
             ('GET', '/os-cells/cell1', None),
             ('GET', '/os-cells/cell1/capacities', None),
             ('POST', '/os-cells', {'cell': {'name': 'x', 'type': 'child'}}),
             ('PUT', '/os-cells/cell1', {'cell': {'username': 'x'}}),
             ('DELETE', '/os-cells/cell1', None),
             ('POST', '/os-cells/sync_instances', {})]
    for method, path, body in calls:
        code, error = rc.request(api_tree, method, path, body, token=MEMBER)
        assert code == 403, (method, path)
        assert error['forbidden']['code'] == 403
    rows = api_tree.db('api').cell_get_all(nova_context.get_admin_context())
    assert rows == []   # this tree keeps its neighbours in a JSON file


def test_sync_instances_repairs_a_lost_instance(api_tree):
    server_id = boot_into(api_tree, 'api!cell1')
    wait_server(api_tree, server_id)
    # As if every update of it had been lost on the way up.
    api_tree.db('api').instance_purge(nova_context.get_admin_context(),
                                      server_id)
    code, _ = admin(api_tree, 'GET', '/servers/' + server_id)
    assert code == 404

    code, body = admin(api_tree, 'POST', '/os-cells/sync_instances',
                       {'project_id': 'admin'})
    assert (code, body) == (200, None)
    assert wait_server(api_tree, server_id)['id'] == server_id


# -- os-services, os-hypervisors, os-availability-zone ----------------------

def test_services_of_every_cell_and_disable_reaches_the_child(api_tree):
    _, body = admin(api_tree, 'GET', '/os-services?binary=nova-compute')
    hosts = sorted(s['host'] for s in body['services'])
    assert hosts == ['api!cell1@cell1-compute1', 'api!cell1@cell1-compute2',
                     'api!cell2@cell2-compute1', 'api!cell2@cell2-compute2']
    assert all(s['id'].startswith(s['host'].split('@')[0] + '@')
               and s['zone'] == 'nova' and s['state'] == 'up'
               for s in body['services'])
    _, everything = admin(api_tree, 'GET', '/os-services')
    assert {s['binary'] for s in everything['services']} == {
        'nova-cells', 'nova-scheduler', 'nova-network', 'nova-compute'}

    code, body = admin(api_tree, 'PUT', '/os-services/disable-log-reason', {
        'host': 'api!cell1@cell1-compute1', 'binary': 'nova-compute',
        'disabled_reason': 'maintenance'})
    assert (code, body['service']['status']) == (200, 'disabled')
    [row] = [s for s in api_tree.db('cell1').service_get_all(
        nova_context.get_admin_context(), binary='nova-compute')
        if s['host'] == 'cell1-compute1']
    assert row['disabled'] and row['disabled_reason'] == 'maintenance'

    one_host = api_tree.confs['cell1'].fake_driver.memory_mb

    def capacity_dropped():
        _, caps = admin(api_tree, 'GET', '/os-cells/cell1/capacities')
        return caps['cell']['capacities']['ram_free']['total_mb'] == \
            one_host
    wait_for(capacity_dropped, 10, what='cell1 capacity without host1')
    for index in range(3):
        server = wait_server(api_tree,
                             boot_into(api_tree, 'api!cell1', 'vm%d' % index))
        assert server['OS-EXT-SRV-ATTR:host'] == 'cell1-compute2'

    code, body = admin(api_tree, 'PUT', '/os-services/enable', {
        'host': 'api!cell1@cell1-compute1', 'binary': 'nova-compute'})
    assert body == {'service': {'host': 'api!cell1@cell1-compute1',
                                'binary': 'nova-compute',
                                'status': 'enabled'}}
    for host, status in (('api!cell1@nohost', 404), ('cell1-compute1', 404),
                         ('api!nocell@cell1-compute1', 404)):
        code, _ = admin(api_tree, 'PUT', '/os-services/disable',
                        {'host': host, 'binary': 'nova-compute'})
        assert code == status, host
    code, _ = rc.request(api_tree, 'GET', '/os-services', token=MEMBER)
    assert code == 403


def test_hypervisors_of_every_cell(api_tree):
    _, body = admin(api_tree, 'GET', '/os-hypervisors')
    ids = sorted(h['id'] for h in body['hypervisors'])
    assert len(ids) == 4
    assert {i.split('@')[0] for i in ids} == {'api!cell1', 'api!cell2'}
    code, shown = admin(api_tree, 'GET', '/os-hypervisors/' + ids[0])
    assert code == 200
    hypervisor = shown['hypervisor']
    assert hypervisor['id'] == ids[0]
    assert hypervisor['service']['host'].startswith(ids[0].split('@')[0])
    assert hypervisor['memory_mb'] == \
        api_tree.confs['cell1'].fake_driver.memory_mb

    _, detail = admin(api_tree, 'GET', '/os-hypervisors/detail')
    _, stats = admin(api_tree, 'GET', '/os-hypervisors/statistics')
    stats = stats['hypervisor_statistics']
    assert stats['count'] == 4
    assert stats['memory_mb'] == sum(h['memory_mb']
                                     for h in detail['hypervisors'])
    _, found = admin(api_tree, 'GET', '/os-hypervisors/cell2/search')
    assert len(found['hypervisors']) == 2
    for bad in ('api!cell1@999', 'nope', 'api!nowhere@1'):
        code, error = admin(api_tree, 'GET', '/os-hypervisors/' + bad)
        assert code == 404, bad
        assert 'could not be found' in error['itemNotFound']['message']
    code, _ = rc.request(api_tree, 'GET', '/os-hypervisors', token=MEMBER)
    assert code == 403


def test_availability_zones_of_every_cell(tree_factory):
    tree = rc.api_tree(tree_factory(overrides={
        'cell2': {('default_availability_zone', None): 'zone2'}}))
    code, body = rc.request(tree, 'GET', '/os-availability-zone',
                            token=MEMBER)
    assert code == 200
    assert body['availabilityZoneInfo'] == [
        {'zoneName': 'nova', 'zoneState': {'available': True},
         'hosts': None},
        {'zoneName': 'zone2', 'zoneState': {'available': True},
         'hosts': None}]
    code, _ = rc.request(tree, 'GET', '/os-availability-zone/detail',
                         token=MEMBER)
    assert code == 403
    _, detail = admin(tree, 'GET', '/os-availability-zone/detail')
    zones = {z['zoneName']: z for z in detail['availabilityZoneInfo']}
    assert set(zones) == {'internal', 'nova', 'zone2'}
    assert set(zones['zone2']['hosts']) == {'api!cell2@cell2-compute1',
                                            'api!cell2@cell2-compute2'}
    assert zones['zone2']['hosts']['api!cell2@cell2-compute1'][
        'nova-compute']['available'] is True
    assert 'api!cell1@cell1' in zones['internal']['hosts']

    # A zone whose every service is disabled is listed as unavailable.
    for index in (1, 2):
        admin(tree, 'PUT', '/os-services/disable',
              {'host': 'api!cell2@cell2-compute%d' % index,
               'binary': 'nova-compute'})
    _, body = admin(tree, 'GET', '/os-availability-zone')
    assert body['availabilityZoneInfo'][-1] == {
        'zoneName': 'zone2', 'zoneState': {'available': False},
        'hosts': None}


def test_cell_scheduler_hints_are_for_admins_only(api_tree):
    hints = {'os:scheduler_hints': {'target_cell': 'api!nowhere'}}
    server = {'server': {'name': 'hinted', 'imageRef': rc.IMAGE,
                         'flavorRef': '1'}}
    code, admins = rc.request(api_tree, 'POST', '/servers',
                              dict(server, **hints), token=rc.ADMIN)
    assert code == 202
    wait_server(api_tree, admins['server']['id'], 'ERROR')
    # Anybody else's hint is ignored: the server is built somewhere.
    code, members = rc.request(api_tree, 'POST', '/servers',
                               dict(server, **hints), token=MEMBER)
    assert code == 202
    wait_server(api_tree, members['server']['id'], token=MEMBER)
