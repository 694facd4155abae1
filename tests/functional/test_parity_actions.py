"""The operator actions and server sub-resources of issue 15 through the
REST API of a tree with two child cells: each reaches the server's own
cell (a targeted message), and refused requests change nothing."""

from __future__ import annotations

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

OWNER = 'alice:project-a'
ADMIN_CTXT = nova_context.get_admin_context()


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('parity')))


def _server(tree, server_id):
    return rc.server(tree, server_id, OWNER)


def _settled(tree, server_id, status):
    return rc.settled(tree, server_id, status, OWNER)


def _rows(tree, server_id):
    top = tree.db('api').instance_get_by_uuid(ADMIN_CTXT, server_id)
    cell = top['cell_name'].split('!')[-1]
    return top, tree.db(cell).instance_get_by_uuid(ADMIN_CTXT, server_id)


def _in_step(tree, server_id, vm_state):
    """Both copies in ``vm_state``, the top holding the child's latest
    change."""
    top, child = _rows(tree, server_id)
    return (top['vm_state'] == child['vm_state'] == vm_state
            and top['sync_version'] >= child['sync_version'])


def _act(tree, server_id, body, token=rc.ADMIN):
    return rc.request(tree, 'POST', '/servers/%s/action' % server_id, body,
                      token=token)


@pytest.fixture(scope='module')
def server(running):
    code, created = rc.boot(running, 'parity-vm', token=OWNER)
    assert code == 202, created
    server_id = created['server']['id']
    _settled(running, server_id, 'ACTIVE')
    return server_id


def test_reset_state_reaches_the_child(running, server):
    code, _ = _act(running, server, {'os-resetState': {'state': 'error'}})
    assert code == 202
    _settled(running, server, 'ERROR')
    wait_for(lambda: _rows(running, server)[1]['vm_state'] == 'error', 10,
             what='the child sees the reset')
    code, _ = _act(running, server, {'os-resetState': {'state': 'active'}})
    assert code == 202
    _settled(running, server, 'ACTIVE')
    # The child echoes each reset up; the echo of the first may reach the
    # top after the second reset was written there, and the top shows
    # 'error' until the echo of the second follows.  Settled is when the
    # top holds the child's latest version.
    wait_for(lambda: _in_step(running, server, 'active'), 10,
             what='the second reset in the child and back at the top')
    code, body = _act(running, server, {'os-resetState': {'state': 'x'}})
    assert code == 400, body
    code, body = _act(running, server, {'os-resetState': {'state': 'error'}},
                      token=OWNER)
    assert code == 403, body
    assert _rows(running, server)[0]['vm_state'] == 'active'


def test_inject_network_info_reaches_the_host(running, server):
    code, _ = _act(running, server, {'injectNetworkInfo': None})
    assert code == 202

    def injected():
        code, body = _act(running, server, {'os-getConsoleOutput': {}},
                          token=OWNER)
        return code == 200 and 'Network configuration injected' in \
            body['output']
    wait_for(injected, 10, what='the guest got its network again')


def test_diagnostics_from_the_host(running, server):
    code, body = rc.request(running, 'GET',
                            '/servers/%s/diagnostics' % server,
                            token=rc.ADMIN)
    assert code == 200, body
    flavor_ram = 512
    assert body['memory'] == flavor_ram * 1024
    assert 'cpu0_time' in body and 'vnet0_rx' in body
    code, _ = rc.request(running, 'GET', '/servers/%s/diagnostics' % server,
                         token=OWNER)
    assert code == 403


def test_diagnostics_in_the_standard_form_from_2_48(running, server):
    code, body = rc.request(running, 'GET',
                            '/servers/%s/diagnostics' % server,
                            token=rc.ADMIN,
                            headers={'OpenStack-API-Version': 'compute 2.48'})
    assert code == 200, body
    legacy = rc.request(running, 'GET', '/servers/%s/diagnostics' % server,
                        token=rc.ADMIN)[1]
    assert body['state'] == 'running' and body['driver'] == 'libvirt'
    assert body['memory_details'] == {'maximum': 512, 'used': 512}
    assert body['num_cpus'] == len(body['cpu_details']) == 1
    assert body['cpu_details'][0]['id'] == 0
    addresses = _server(running, server)['addresses']
    macs = {a['OS-EXT-IPS-MAC:mac_addr'] for addrs in addresses.values()
            for a in addrs}
    assert {nic['mac_address'] for nic in body['nic_details']} == macs
    assert body['nic_details'][0]['rx_errors'] == legacy['vnet0_rx_errors']
    assert body['disk_details'][0]['read_bytes'] == legacy['vda_read']
    assert 'cpu0_time' not in body


def test_ips(running, server):
    code, body = rc.request(running, 'GET', '/servers/%s/ips' % server,
                            token=OWNER)
    assert code == 200
    addresses = _server(running, server)['addresses']
    assert body['addresses'] == {
        label: [{'version': a['version'], 'addr': a['addr']} for a in addrs]
        for label, addrs in addresses.items()}
    [label] = list(addresses)
    code, one = rc.request(running, 'GET',
                           '/servers/%s/ips/%s' % (server, label),
                           token=OWNER)
    assert (code, one) == (200, {label: body['addresses'][label]})
    code, _ = rc.request(running, 'GET', '/servers/%s/ips/nope' % server,
                         token=OWNER)
    assert code == 404


def test_server_password(running, server):
    path = '/servers/%s/os-server-password' % server
    code, body = rc.request(running, 'GET', path, token=OWNER)
    assert (code, body) == (200, {'password': ''})
    # The guest left one (as the metadata service would, in its cell).
    top, child = _rows(running, server)
    cell = top['cell_name'].split('!')[-1]
    tree_db = running.db(cell)
    tree_db.instance_update(ADMIN_CTXT, server, {'system_metadata': dict(
        child['system_metadata'], password_0='encrypted')})
    wait_for(lambda: rc.request(running, 'GET', path, token=OWNER)[1]
             == {'password': 'encrypted'}, 10, what='the password at the top')
    code, _ = rc.request(running, 'DELETE', path, token=OWNER)
    assert code == 204
    assert rc.request(running, 'GET', path, token=OWNER)[1] == \
        {'password': ''}
    wait_for(lambda: not _rows(running, server)[1]['system_metadata'].get(
        'password_0'), 10, what='the password cleared in the child')


def test_security_groups_and_live_migration_refused(running, server):
    before = _rows(running, server)
    actions_before = rc.request(running, 'GET', '/servers/%s/os-instance-'
                                'actions' % server, token=OWNER)[1]
    code, body = _act(running, server,
                      {'addSecurityGroup': {'name': 'default'}}, OWNER)
    assert code == 400, body
    code, body = _act(running, server, {'addSecurityGroup': {'name': 'web'}},
                      OWNER)
    assert code == 404, body
    code, body = _act(running, server, {'os-migrateLive': {
        'host': None, 'block_migration': False, 'disk_over_commit': False}})
    assert code == 400, body
    assert body['badRequest']['message'].startswith(
        'Migration pre-check error')
    after = _rows(running, server)
    # (sync_version may move: an earlier test's change can still be on
    # its way up.)
    keys = ('vm_state', 'task_state', 'host', 'power_state', 'metadata')
    assert [{k: r[k] for k in keys} for r in after] == \
        [{k: r[k] for k in keys} for r in before]
    assert rc.request(running, 'GET', '/servers/%s/os-instance-actions'
                      % server, token=OWNER)[1] == actions_before
