"""Operator server actions: os-resetState, injectNetworkInfo,
addSecurityGroup/removeSecurityGroup and os-migrateLive at 2.1."""

from __future__ import annotations

import pytest

from nova.compute import vm_states
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER


def _action(call, inst, body, **kwargs):
    return call('POST', f'/v2.1/servers/{inst.uuid}/action', body, **kwargs)


@pytest.mark.parametrize('state, vm_state', [('active', vm_states.ACTIVE),
                                             ('error', vm_states.ERROR)])
def test_reset_state(call, compute, state, vm_state):
    inst = compute.add_instance(vm_state=vm_states.PAUSED,
                                task_state='pausing')
    resp = _action(call, inst, {'os-resetState': {'state': state}},
                   token=ADMIN)
    assert resp.status_int == 202
    assert resp.body == b''
    assert (inst.vm_state, inst.task_state) == (vm_state, None)


@pytest.mark.parametrize('body', [
    {'os-resetState': {'state': 'paused'}},
    {'os-resetState': {}},
    {'os-resetState': None},
    {'os-resetState': {'state': 'active', 'x': 1}},
    {'os-resetState': {'state': 'ACTIVE'}},
])
def test_reset_state_bad_bodies(call, compute, body):
    inst = compute.add_instance(vm_state=vm_states.PAUSED)
    resp = _action(call, inst, body, token=ADMIN)
    assert resp.status_int == 400
    assert resp.json['badRequest']['code'] == 400
    assert inst.vm_state == vm_states.PAUSED
    assert not [c for c in compute.calls if c[0] == 'reset_state']


def test_reset_state_is_for_admins(call, compute):
    inst = compute.add_instance(vm_state=vm_states.PAUSED)
    resp = _action(call, inst, {'os-resetState': {'state': 'active'}})
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == (
        'Policy doesn\'t allow os_compute_api:os-admin-actions:reset_state '
        'to be performed.')
    assert inst.vm_state == vm_states.PAUSED


def test_inject_network_info(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'injectNetworkInfo': None}, token=ADMIN)
    assert resp.status_int == 202
    assert compute.last_call('inject_network_info') == {'uuid': inst.uuid}
    assert _action(call, inst, {'injectNetworkInfo': None}).status_int == 403


def test_inject_network_info_without_host_is_409(call, compute):
    inst = compute.add_instance(host=None, vm_state=vm_states.BUILDING)
    resp = _action(call, inst, {'injectNetworkInfo': None}, token=ADMIN)
    assert resp.status_int == 409


def test_add_security_group_default_is_already_there(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'addSecurityGroup': {'name': 'default'}})
    assert resp.status_int == 400
    # Nova names the group by its id here.
    assert resp.json['badRequest']['message'] == (
        f'Security group 1 is already associated with the instance '
        f'{inst.uuid}')


@pytest.mark.parametrize('action', ['addSecurityGroup',
                                    'removeSecurityGroup'])
def test_unknown_security_group_is_404(call, compute, action):
    inst = compute.add_instance()
    resp = _action(call, inst, {action: {'name': 'web'}})
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == (
        'Security group web not found for project proj1.')
    assert compute.security_group_names(None, inst.uuid) == ['default']


def test_add_and_remove_security_group(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'addSecurityGroup': {'name': 'db'}})
    assert resp.status_int == 202
    assert compute.security_group_names(None, inst.uuid) == ['default', 'db']
    resp = _action(call, inst, {'removeSecurityGroup': {'name': 'default'}})
    assert resp.status_int == 202
    assert compute.security_group_names(None, inst.uuid) == ['db']
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert server['security_groups'] == [{'name': 'db'}]


def test_remove_security_group_not_there_is_400(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'removeSecurityGroup': {'name': 'db'}})
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == (
        f'Security group 2 not associated with the instance {inst.uuid}')
    assert compute.security_group_names(None, inst.uuid) == ['default']


@pytest.mark.parametrize('body', [
    {'addSecurityGroup': {}}, {'addSecurityGroup': {'name': ''}},
    {'addSecurityGroup': None}, {'addSecurityGroup': {'name': 3}},
    {'removeSecurityGroup': {'name': None}},
])
def test_security_group_bad_bodies(call, compute, body):
    inst = compute.add_instance()
    assert _action(call, inst, body).status_int == 400


def test_security_group_of_another_project_server_is_404(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'addSecurityGroup': {'name': 'default'}},
                   token=OTHER)
    assert resp.status_int == 404


LIVE = {'os-migrateLive': {'host': None, 'block_migration': False,
                           'disk_over_commit': False}}


def test_live_migrate_fails_its_precheck(call, compute):
    inst = compute.add_instance(launched_at=fakes.T0)
    resp = _action(call, inst, LIVE, token=ADMIN)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'].startswith(
        'Migration pre-check error: ')
    assert inst.vm_state == vm_states.ACTIVE


def test_live_migrate_in_wrong_state_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.STOPPED)
    resp = _action(call, inst, LIVE, token=ADMIN)
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Cannot 'os-migrateLive' instance {inst.uuid} while it is in "
        f"vm_state stopped")


@pytest.mark.parametrize('inner', [
    {'host': None, 'block_migration': False},
    {'host': None, 'block_migration': 'maybe', 'disk_over_commit': False},
    {'host': '', 'block_migration': False, 'disk_over_commit': False},
    {'host': None, 'block_migration': False, 'disk_over_commit': False,
     'force': True},
])
def test_live_migrate_bad_bodies(call, compute, inner):
    inst = compute.add_instance()
    resp = _action(call, inst, {'os-migrateLive': inner}, token=ADMIN)
    assert resp.status_int == 400


def test_live_migrate_is_for_admins(call, compute):
    inst = compute.add_instance()
    assert _action(call, inst, LIVE).status_int == 403


# -- migrate (cold migration) ---------------------------------------------

V2_56 = {'OpenStack-API-Version': 'compute 2.56'}


def test_migrate_is_202_for_admins(call, compute):
    inst = compute.add_instance(launched_at=fakes.T0, host='host1')
    resp = _action(call, inst, {'migrate': None}, token=ADMIN)
    assert resp.status_int == 202
    assert compute.calls[-1] == ('migrate', {'uuid': inst.uuid,
                                             'host': None})


def test_migrate_is_for_admins(call, compute):
    inst = compute.add_instance(host='host1')
    assert _action(call, inst, {'migrate': None}).status_int == 403
    assert not [c for c in compute.calls if c[0] == 'migrate']


@pytest.mark.parametrize('body', [{'host': 'host2'}, 'x', 1])
def test_migrate_takes_no_host_before_2_56(call, compute, body):
    inst = compute.add_instance(host='host1')
    resp = _action(call, inst, {'migrate': body}, token=ADMIN)
    assert resp.status_int == 400
    assert not [c for c in compute.calls if c[0] == 'migrate']


@pytest.mark.parametrize('body', [None, {}])
def test_migrate_without_argument_before_2_56(call, compute, body):
    inst = compute.add_instance(host='host1')
    resp = _action(call, inst, {'migrate': body}, token=ADMIN)
    assert resp.status_int == 202
    assert [c for c in compute.calls if c[0] == 'migrate']


@pytest.mark.parametrize('host', ['host2', 'api!cell2', None])
def test_migrate_to_a_host_from_2_56(call, compute, host):
    inst = compute.add_instance(host='host1')
    resp = _action(call, inst, {'migrate': {'host': host}}, token=ADMIN,
                   headers=V2_56)
    assert resp.status_int == 202
    assert compute.calls[-1] == ('migrate', {'uuid': inst.uuid,
                                             'host': host})
    assert _action(call, inst, {'migrate': None}, token=ADMIN,
                   headers=V2_56).status_int == 202


@pytest.mark.parametrize('host, message', [
    ('nowhere', 'Compute host nowhere could not be found.'),
    ('host1', 'Cannot migrate to the host where the instance is now.'),
])
def test_migrate_to_an_unknown_or_its_own_host_is_400(call, compute, host,
                                                       message):
    inst = compute.add_instance(host='host1')
    resp = _action(call, inst, {'migrate': {'host': host}}, token=ADMIN,
                   headers=V2_56)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == message
    assert not [c for c in compute.calls if c[0] == 'migrate']


@pytest.mark.parametrize('inner', [{'host': ''}, {'host': 1},
                                   {'host': 'h', 'force': True}])
def test_migrate_bad_bodies_at_2_56(call, compute, inner):
    inst = compute.add_instance(host='host1')
    resp = _action(call, inst, {'migrate': inner}, token=ADMIN,
                   headers=V2_56)
    assert resp.status_int == 400


def test_migrate_in_wrong_state_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.PAUSED, host='host1')
    resp = _action(call, inst, {'migrate': None}, token=ADMIN)
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Cannot 'migrate' instance {inst.uuid} while it is in "
        f"vm_state paused")
