"""POST /servers/{id}/action: dispatch and the actions without arguments."""

from __future__ import annotations

import pytest

from nova.api import wsgi_app
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER
from nova.tests.unit.api.conftest import request


def _action(call, inst, body, **kwargs):
    return call('POST', f'/v2.1/servers/{inst.uuid}/action', body, **kwargs)


# (action, starting vm_state, final vm_state, status, compute method)
SIMPLE = [
    ('os-stop', vm_states.ACTIVE, vm_states.STOPPED, 202, 'stop'),
    ('os-start', vm_states.STOPPED, vm_states.ACTIVE, 202, 'start'),
    ('pause', vm_states.ACTIVE, vm_states.PAUSED, 202, 'pause'),
    ('unpause', vm_states.PAUSED, vm_states.ACTIVE, 202, 'unpause'),
    ('suspend', vm_states.ACTIVE, vm_states.SUSPENDED, 202, 'suspend'),
    ('resume', vm_states.SUSPENDED, vm_states.ACTIVE, 202, 'resume'),
    ('unrescue', vm_states.RESCUED, vm_states.ACTIVE, 202, 'unrescue'),
    ('shelve', vm_states.ACTIVE, vm_states.SHELVED_OFFLOADED, 202,
     'shelve'),
    ('unshelve', vm_states.SHELVED_OFFLOADED, vm_states.ACTIVE, 202,
     'unshelve'),
    ('restore', vm_states.SOFT_DELETED, vm_states.ACTIVE, 202, 'restore'),
]


@pytest.mark.parametrize('name, start, final, status, method', SIMPLE)
def test_simple_action(call, compute, name, start, final, status, method):
    inst = compute.add_instance(vm_state=start)
    resp = _action(call, inst, {name: None})
    assert resp.status_int == status
    assert resp.body == b''
    assert 'Content-Type' not in resp.headers
    assert inst.vm_state == final
    assert compute.calls[-1][1]['uuid'] == inst.uuid


@pytest.mark.parametrize('name, start, final, status, method', SIMPLE)
def test_simple_action_in_wrong_state_is_409(call, compute, name, start,
                                              final, status, method):
    inst = compute.add_instance(vm_state=vm_states.BUILDING)
    resp = _action(call, inst, {name: None})
    assert resp.status_int == 409
    nova_name = {'os-stop': 'stop', 'os-start': 'start'}.get(name, name)
    assert resp.json == {'conflictingRequest': {
        'code': 409,
        'message': f"Cannot '{nova_name}' instance {inst.uuid} while it "
                   f"is in vm_state building"}}


def test_stop_sets_power_state(call, compute):
    inst = compute.add_instance()
    _action(call, inst, {'os-stop': None})
    server = call('GET', f'/v2.1/servers/{inst.uuid}').json['server']
    assert server['status'] == 'SHUTOFF'
    assert server['OS-EXT-STS:power_state'] == power_state.SHUTDOWN


def test_force_delete(call, compute):
    inst = compute.add_instance()
    assert _action(call, inst, {'forceDelete': None}).status_int == 202
    assert inst.uuid not in compute.instances


def test_restore_of_an_active_server_is_409_and_changes_nothing(call,
                                                                compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'restore': None})
    assert resp.status_int == 409
    assert "Cannot 'restore' instance" in \
        resp.json['conflictingRequest']['message']
    assert inst.vm_state == vm_states.ACTIVE
    assert compute.actions.get(inst.uuid, []) == []


def test_restore_with_a_second_action_is_400_and_restores_nothing(call,
                                                                   compute):
    inst = compute.add_instance(vm_state=vm_states.SOFT_DELETED)
    resp = _action(call, inst, {'restore': None, 'forceDelete': None})
    assert resp.status_int == 400
    assert 'too many body keys' in resp.json['badRequest']['message']
    assert inst.vm_state == vm_states.SOFT_DELETED
    assert inst.uuid in compute.instances


@pytest.fixture
def soft_app(conf, compute):
    conf.set_override('reclaim_instance_interval', 60)
    return wsgi_app.load_app(conf, compute)


def test_delete_is_soft_with_a_reclaim_interval(soft_app, compute):
    inst = compute.add_instance()
    resp = request(soft_app, 'DELETE', f'/v2.1/servers/{inst.uuid}')
    assert resp.status_int == 204
    assert inst.vm_state == vm_states.SOFT_DELETED
    assert inst.uuid in compute.instances
    assert compute.calls[-1][0] == 'soft_delete'


def test_delete_of_what_cannot_be_kept_is_for_good(soft_app, compute):
    inst = compute.add_instance(vm_state=vm_states.SOFT_DELETED)
    resp = request(soft_app, 'DELETE', f'/v2.1/servers/{inst.uuid}')
    assert resp.status_int == 204
    assert [c[0] for c in compute.calls[-2:]] == ['soft_delete', 'delete']
    assert inst.uuid not in compute.instances


def test_delete_without_a_reclaim_interval_is_for_good(call, compute):
    inst = compute.add_instance()
    assert call('DELETE', f'/v2.1/servers/{inst.uuid}').status_int == 204
    assert inst.uuid not in compute.instances
    assert 'soft_delete' not in [c[0] for c in compute.calls]


def test_locked_server_refuses_member_actions(call, compute):
    inst = compute.add_instance(locked=True, locked_by='admin')
    resp = _action(call, inst, {'os-stop': None})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == \
        f'Instance {inst.uuid} is locked'
    # An administrator is not held back by a lock.
    assert _action(call, inst, {'os-stop': None},
                   token=ADMIN).status_int == 202


def test_lock_by_owner_then_unlock(call, compute):
    inst = compute.add_instance()
    assert _action(call, inst, {'lock': None}).status_int == 202
    assert (inst.locked, inst.locked_by) == (True, 'owner')
    assert _action(call, inst, {'unlock': None}).status_int == 202
    assert (inst.locked, inst.locked_by) == (False, None)


def test_owner_cannot_undo_admin_lock(call, compute):
    inst = compute.add_instance()
    assert _action(call, inst, {'lock': None}, token=ADMIN).status_int == 202
    assert inst.locked_by == 'admin'
    resp = _action(call, inst, {'unlock': None})
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:os-lock-server:unlock:"
        "unlock_override to be performed.")
    assert inst.locked
    assert _action(call, inst, {'unlock': None},
                   token=ADMIN).status_int == 202
    assert not inst.locked


def test_admin_may_undo_owner_lock(call, compute):
    inst = compute.add_instance()
    _action(call, inst, {'lock': None})
    assert _action(call, inst, {'unlock': None},
                   token=ADMIN).status_int == 202


def test_other_project_gets_404(call, compute):
    inst = compute.add_instance()
    resp = _action(call, inst, {'os-stop': None}, token=OTHER)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        f'Instance {inst.uuid} could not be found.'
    assert inst.vm_state == vm_states.ACTIVE


def test_unknown_server_is_404(call):
    resp = call('POST', '/v2.1/servers/nope/action', {'pause': None})
    assert resp.status_int == 404


def test_admin_acts_on_any_project(call, compute):
    inst = compute.add_instance(project_id='proj2')
    assert _action(call, inst, {'pause': None},
                   token=ADMIN).status_int == 202


@pytest.mark.parametrize('body, message', [
    ({'explode': None}, 'There is no such action: explode'),
    ({'pause': None, 'unpause': None},
     'Malformed message body: too many body keys'),
    ({}, 'Malformed message body: too many body keys'),
    ([1], 'Malformed message body: cannot understand JSON'),
])
def test_bad_action_body_is_400(call, compute, body, message):
    inst = compute.add_instance()
    resp = _action(call, inst, body)
    assert resp.status_int == 400
    assert resp.json == {'badRequest': {'code': 400, 'message': message}}


def test_empty_action_body_is_400(call, compute):
    inst = compute.add_instance()
    resp = call('POST', f'/v2.1/servers/{inst.uuid}/action')
    assert resp.status_int == 400


def test_action_needs_post(call, compute):
    inst = compute.add_instance()
    resp = call('GET', f'/v2.1/servers/{inst.uuid}/action')
    assert resp.status_int == 405


def test_not_implemented_is_501(call, compute, monkeypatch):
    inst = compute.add_instance()

    def _pause(context, instance):
        raise NotImplementedError()
    monkeypatch.setattr(compute, 'pause', _pause)
    resp = _action(call, inst, {'pause': None})
    assert resp.status_int == 501
    assert resp.json['notImplemented']['message'] == \
        'Action is not supported.'


def test_actions_are_recorded(call, compute):
    inst = compute.add_instance()
    _action(call, inst, {'pause': None})
    assert compute.actions[inst.uuid][0]['action'] == 'pause'
