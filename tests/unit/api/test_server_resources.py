"""/servers/{id}/ips, /diagnostics and /os-server-password at 2.1."""

from __future__ import annotations

import pytest

from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER

VIFS = [{'label': 'private', 'address': '10.0.0.3', 'version': 4,
         'mac': 'fa:16:3e:00:00:01', 'type': 'fixed'},
        {'label': 'private', 'address': 'fd00::3', 'version': 6,
         'mac': 'fa:16:3e:00:00:01', 'type': 'fixed'},
        {'label': 'public', 'address': '172.24.4.9', 'version': 4}]


def test_ips_index(call, compute):
    inst = compute.add_instance(network_info=VIFS)
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/ips')
    assert resp.status_int == 200
    assert resp.json == {'addresses': {
        'private': [{'version': 4, 'addr': '10.0.0.3'},
                    {'version': 6, 'addr': 'fd00::3'}],
        'public': [{'version': 4, 'addr': '172.24.4.9'}]}}


def test_ips_show(call, compute):
    inst = compute.add_instance(network_info=VIFS)
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/ips/public')
    assert resp.json == {'public': [{'version': 4, 'addr': '172.24.4.9'}]}
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/ips/nowhere')
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Instance is not a member of specified network'


def test_ips_of_another_project_are_404(call, compute):
    inst = compute.add_instance(network_info=VIFS)
    assert call('GET', f'/v2.1/servers/{inst.uuid}/ips',
                token=OTHER).status_int == 404
    assert call('GET', f'/v2.1/servers/{inst.uuid}/ips',
                token=ADMIN).status_int == 200


def test_diagnostics(call, compute):
    inst = compute.add_instance()
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/diagnostics',
                token=ADMIN)
    assert resp.status_int == 200
    assert resp.json == {'cpu0_time': 17300000000, 'memory': 524288}
    assert compute.last_call('get_diagnostics') == {'uuid': inst.uuid}


def test_diagnostics_is_for_admins(call, compute):
    inst = compute.add_instance()
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/diagnostics')
    assert resp.status_int == 403


def test_diagnostics_of_a_stopped_server_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.STOPPED,
                                power_state=power_state.SHUTDOWN)
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/diagnostics',
                token=ADMIN)
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Cannot 'get_diagnostics' instance {inst.uuid} while it is in "
        f"power_state shutdown")


def test_diagnostics_of_unknown_server_is_404(call):
    resp = call('GET', '/v2.1/servers/nope/diagnostics', token=ADMIN)
    assert resp.status_int == 404


def test_server_password_empty_then_stored_then_cleared(call, compute):
    inst = compute.add_instance()
    path = f'/v2.1/servers/{inst.uuid}/os-server-password'
    assert call('GET', path).json == {'password': ''}
    stored = 'x' * 300 + 'y'
    inst.system_metadata = {'password_0': stored[:255],
                            'password_1': stored[255:]}
    assert call('GET', path).json == {'password': stored}
    resp = call('DELETE', path)
    assert resp.status_int == 204
    assert resp.body == b''
    assert call('GET', path).json == {'password': ''}
    assert compute.last_call('set_password')['password'] == ''


@pytest.mark.parametrize('method', ['GET', 'DELETE'])
def test_server_password_of_another_project_is_404(call, compute, method):
    inst = compute.add_instance(
        system_metadata={'password_0': 'secret'})
    path = f'/v2.1/servers/{inst.uuid}/os-server-password'
    assert call(method, path, token=OTHER).status_int == 404
    assert inst.system_metadata['password_0'] == 'secret'
