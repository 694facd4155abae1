"""The routes of issue 15 through the REST API of a tree with two child
cells, against the real compute API and databases."""

from __future__ import annotations

import pytest

from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

MEMBER = 'alice:project-a'


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('parity-routes')))


def test_flavor_access_lifecycle(running):
    code, created = rc.request(running, 'POST', '/flavors', {'flavor': {
        'name': 'secret', 'ram': 256, 'vcpus': 1, 'disk': 1,
        'os-flavor-access:is_public': False}}, token=rc.ADMIN)
    assert code == 200, created
    flavor = created['flavor']['id']

    def listed(token=MEMBER):
        return {f['id'] for f in rc.request(running, 'GET', '/flavors',
                                            token=token)[1]['flavors']}
    assert flavor not in listed()
    assert rc.request(running, 'GET', '/flavors/' + flavor,
                      token=MEMBER)[0] == 404
    code, body = rc.request(running, 'POST', '/flavors/%s/action' % flavor,
                            {'addTenantAccess': {'tenant': 'project-a'}},
                            token=rc.ADMIN)
    assert code == 200, body
    assert {'flavor_id': flavor, 'tenant_id': 'project-a'} in \
        body['flavor_access']
    assert flavor in listed()
    assert flavor not in listed('bob:project-b')
    code, shown = rc.request(running, 'GET', '/flavors/' + flavor,
                             token=MEMBER)
    assert code == 200 and \
        shown['flavor']['os-flavor-access:is_public'] is False
    # The project may boot it now.
    code, boot = rc.boot(running, 'private-vm', token=MEMBER, flavor=flavor)
    assert code == 202, boot
    code, again = rc.request(running, 'POST', '/flavors/%s/action' % flavor,
                             {'addTenantAccess': {'tenant': 'project-a'}},
                             token=rc.ADMIN)
    assert code == 409, again
    code, body = rc.request(running, 'POST', '/flavors/%s/action' % flavor,
                            {'removeTenantAccess': {'tenant': 'project-a'}},
                            token=rc.ADMIN)
    assert code == 200
    assert 'project-a' not in [a['tenant_id'] for a in body['flavor_access']]
    assert flavor not in listed()
    code, _ = rc.request(running, 'GET',
                         '/flavors/%s/os-flavor-access' % flavor,
                         token=rc.ADMIN)
    assert code == 200


def test_extensions(running):
    code, body = rc.request(running, 'GET', '/extensions', token=MEMBER)
    assert code == 200 and body['extensions']
    code, body = rc.request(running, 'GET', '/extensions/os-flavor-access',
                            token=MEMBER)
    assert (code, body['extension']['alias']) == (200, 'os-flavor-access')


def _active_server(tree, name, token=MEMBER):
    code, created = rc.boot(tree, name, token=token)
    assert code == 202, created
    server_id = created['server']['id']

    def active():
        server = rc.request(tree, 'GET', '/servers/' + server_id,
                            token=token)[1]['server']
        return server if server['status'] == 'ACTIVE' else None
    wait_for(active, 15, what='%s ACTIVE' % name)
    return server_id


def test_simple_tenant_usage(running):
    server_id = _active_server(running, 'usage-vm')
    query = '?start=2020-01-01T00:00:00&detailed=1'
    code, body = rc.request(running, 'GET',
                            '/os-simple-tenant-usage' + query,
                            token=rc.ADMIN)
    assert code == 200, body
    [mine] = [u for u in body['tenant_usages']
              if u['tenant_id'] == 'project-a']
    servers = {s['instance_id']: s for s in mine['server_usages']}
    assert servers[server_id]['state'] == 'active'
    assert servers[server_id]['flavor'] == 'm1.tiny'
    code, own = rc.request(running, 'GET',
                           '/os-simple-tenant-usage/project-a' + query,
                           token=MEMBER)
    assert code == 200
    assert server_id in [s['instance_id']
                         for s in own['tenant_usage']['server_usages']]


def test_instance_usage_audit_log(running):
    code, body = rc.request(running, 'GET', '/os-instance_usage_audit_log',
                            token=rc.ADMIN)
    assert code == 200, body
    log = body['instance_usage_audit_logs']
    code, services = rc.request(running, 'GET',
                                '/os-services?binary=nova-compute',
                                token=rc.ADMIN)
    hosts = sorted(s['host'] for s in services['services'])
    assert log['hosts_not_run'] == hosts and len(hosts) >= 2
    assert log['num_hosts_done'] == 0


def test_server_external_events(running):
    server_id = _active_server(running, 'events-vm')
    code, body = rc.request(running, 'POST', '/os-server-external-events',
                            {'events': [{'server_uuid': server_id,
                                         'name': 'network-changed'}]},
                            token=rc.ADMIN)
    assert (code, body['events'][0]['code']) == (200, 200)
    code, body = rc.request(running, 'POST', '/os-server-external-events',
                            {'events': [{'server_uuid': rc.IMAGE,
                                         'name': 'network-changed'}]},
                            token=rc.ADMIN)
    assert code == 404, body


def test_hypervisor_servers_and_uptime(running):
    server_id = _active_server(running, 'hyper-vm')
    server = rc.request(running, 'GET', '/servers/' + server_id,
                        token=rc.ADMIN)[1]['server']
    node = server['OS-EXT-SRV-ATTR:hypervisor_hostname']
    code, body = rc.request(running, 'GET',
                            '/os-hypervisors/%s/servers' % node,
                            token=rc.ADMIN)
    assert code == 200, body
    [hyper] = [h for h in body['hypervisors']
               if h['hypervisor_hostname'] == node]
    assert {'uuid': server_id,
            'name': server['OS-EXT-SRV-ATTR:instance_name']} in \
        hyper['servers']
    # Only that cell's node of that name holds it.
    for other in body['hypervisors']:
        if other is not hyper:
            assert server_id not in [s['uuid']
                                     for s in other.get('servers', [])]
    code, _ = rc.request(running, 'GET', '/os-hypervisors/nomatch/servers',
                         token=rc.ADMIN)
    assert code == 404
    code, _ = rc.request(running, 'GET', '/os-hypervisors/%s/servers' % node,
                         token=MEMBER)
    assert code == 403
    code, uptime = rc.request(running, 'GET',
                              '/os-hypervisors/%s/uptime' % hyper['id'],
                              token=rc.ADMIN)
    assert code == 200, uptime
    assert uptime['hypervisor']['id'] == hyper['id']
    assert ' up 0 days, ' in uptime['hypervisor']['uptime']
    code, _ = rc.request(running, 'GET',
                         '/os-hypervisors/api!cell1@999/uptime',
                         token=rc.ADMIN)
    assert code == 404


def test_migrations_of_every_cell(running):
    server_id = _active_server(running, 'resized-vm')
    code, _ = rc.request(running, 'POST', '/servers/%s/action' % server_id,
                         {'resize': {'flavorRef': '2'}}, token=MEMBER)
    assert code == 202

    def listed():
        code, body = rc.request(running, 'GET',
                                '/os-migrations?instance_uuid=' + server_id,
                                token=rc.ADMIN)
        assert code == 200, body
        done = [m for m in body['migrations'] if m['status'] == 'finished']
        return done[0] if done else None
    migration = wait_for(listed, 15, what='the resize listed')
    assert isinstance(migration['id'], int)
    assert (migration['old_instance_type_id'],
            migration['new_instance_type_id']) != (None, None)
    cell = rc.request(running, 'GET', '/servers/' + server_id,
                      token=rc.ADMIN)[1]['server']
    source = migration['source_compute']
    assert source.endswith('@' + cell['OS-EXT-SRV-ATTR:host']) or \
        migration['dest_compute'].endswith('@' + cell['OS-EXT-SRV-ATTR:host'])
    path = source.split('@')[0]
    code, one_cell = rc.request(running, 'GET', '/os-migrations?cell_name='
                                + path.split('!')[-1], token=rc.ADMIN)
    assert migration['id'] in [m['id'] for m in one_cell['migrations']]
    other = 'cell1' if path.endswith('cell2') else 'cell2'
    code, none = rc.request(running, 'GET', '/os-migrations?cell_name='
                            + other + '&instance_uuid=' + server_id,
                            token=rc.ADMIN)
    assert none['migrations'] == []
    code, by_host = rc.request(running, 'GET', '/os-migrations?host=' +
                               source, token=rc.ADMIN)
    assert migration['id'] in [m['id'] for m in by_host['migrations']]
    assert rc.request(running, 'GET', '/os-migrations',
                      token=MEMBER)[0] == 403
    assert rc.request(running, 'GET', '/servers/%s/migrations' % server_id,
                      token=rc.ADMIN)[0] == 404


def test_nova_network_proxies(running):
    code, body = rc.request(running, 'GET', '/os-networks', token=rc.ADMIN)
    assert code == 200, body
    ids = sorted(n['id'] for n in body['networks'])
    assert [i.split('@')[0] for i in ids] == ['api!cell1', 'api!cell2']
    code, one = rc.request(running, 'GET', '/os-networks/' + ids[0],
                           token=MEMBER)
    assert code == 200 and one['network']['cidr']
    assert 'vlan' not in one['network']
    assert rc.request(running, 'GET', '/os-networks/api!cell1@99',
                      token=rc.ADMIN)[0] == 404
    code, refused = rc.request(running, 'POST', '/os-networks', {
        'network': {'label': 'x', 'cidr': '10.9.0.0/24'}}, token=rc.ADMIN)
    assert code == 400, refused
    assert rc.request(running, 'DELETE', '/os-networks/' + ids[0],
                      token=rc.ADMIN)[0] == 400
    assert rc.request(running, 'POST', '/os-networks', {
        'network': {}}, token=MEMBER)[0] == 403

    assert rc.request(running, 'GET', '/os-floating-ip-pools',
                      token=MEMBER) == (200, {'floating_ip_pools': []})
    assert rc.request(running, 'GET', '/os-floating-ips',
                      token=MEMBER) == (200, {'floating_ips': []})
    code, none = rc.request(running, 'POST', '/os-floating-ips', None,
                            token=MEMBER)
    assert (code, none['itemNotFound']['message']) == (
        404, 'No more floating IPs available.')
    assert rc.request(running, 'GET', '/os-floating-ips/1',
                      token=MEMBER)[0] == 404

    server_id = _active_server(running, 'fixed-vm')
    server = rc.request(running, 'GET', '/servers/' + server_id,
                        token=MEMBER)[1]['server']
    [address] = [a['addr'] for addrs in server['addresses'].values()
                 for a in addrs]
    code, fixed = rc.request(running, 'GET', '/os-fixed-ips/' + address,
                             token=rc.ADMIN)
    assert code == 200, fixed
    assert fixed['fixed_ip']['address'] == address
    assert rc.request(running, 'GET', '/os-fixed-ips/10.99.0.1',
                      token=rc.ADMIN)[0] == 404
    assert rc.request(running, 'POST', '/os-fixed-ips/%s/action' % address,
                      {'reserve': None}, token=rc.ADMIN)[0] == 400


def test_os_hosts(running):
    code, body = rc.request(running, 'GET', '/os-hosts', token=rc.ADMIN)
    assert code == 200, body
    computes = [h['host_name'] for h in body['hosts']
                if h['service'] == 'compute']
    assert len(computes) == 4
    assert {h.split('@')[0] for h in computes} == {'api!cell1', 'api!cell2'}
    # An empty zone filters nothing; a zone no host is in, everything.
    assert rc.request(running, 'GET', '/os-hosts?zone=',
                      token=rc.ADMIN)[1]['hosts'] == body['hosts']
    assert rc.request(running, 'GET', '/os-hosts?zone=nowhere',
                      token=rc.ADMIN)[1]['hosts'] == []
    server_id = _active_server(running, 'hosts-vm')
    server = rc.request(running, 'GET', '/servers/' + server_id,
                        token=rc.ADMIN)[1]['server']
    cell = rc.request(running, 'GET', '/os-hypervisors/detail',
                      token=rc.ADMIN)[1]['hypervisors']
    [host] = {h['service']['host'] for h in cell
              if h['service']['host'].endswith(
                  '@' + server['OS-EXT-SRV-ATTR:host'])
              and h['hypervisor_hostname']
              == server['OS-EXT-SRV-ATTR:hypervisor_hostname']}
    code, shown = rc.request(running, 'GET', '/os-hosts/' + host,
                             token=rc.ADMIN)
    assert code == 200, shown
    projects = {r['resource']['project']: r['resource']
                for r in shown['host']}
    assert {'(total)', '(used_now)', '(used_max)', 'project-a'} <= \
        set(projects)
    assert projects['project-a']['memory_mb'] >= 512
    assert rc.request(running, 'GET', '/os-hosts/api!cell1@nohost',
                      token=rc.ADMIN)[0] == 404
    for action in ('startup', 'shutdown', 'reboot'):
        code, answer = rc.request(running, 'GET',
                                  '/os-hosts/%s/%s' % (host, action),
                                  token=rc.ADMIN)
        assert code == 501, answer
    code, _ = rc.request(running, 'PUT', '/os-hosts/' + host,
                         {'status': 'disable'}, token=rc.ADMIN)
    assert code == 501
    code, _ = rc.request(running, 'PUT', '/os-hosts/' + host,
                         {'status': 'off'}, token=rc.ADMIN)
    assert code == 400
    assert rc.request(running, 'GET', '/os-hosts', token=MEMBER)[0] == 403
