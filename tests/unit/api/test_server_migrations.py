"""/servers/{id}/migrations (2.22 to 2.24): no live migration is ever in
progress here, so Nova's answers for none."""

from __future__ import annotations

import pytest

from nova.compute import task_states
from nova.compute import vm_states
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import MEMBER
from nova.tests.unit.api.conftest import at

MISSING = '2a1d7f0c-97a6-4b43-9c15-2f5b8d1c0e11'
FORCE = {'force_complete': None}


def _path(server, tail=''):
    uuid = server if isinstance(server, str) else server.uuid
    return f'/v2.1/servers/{uuid}/migrations{tail}'


@pytest.fixture
def inst(compute):
    return compute.add_instance(launched_at=fakes.T0)


def test_index_is_empty(call, inst):
    resp = call('GET', _path(inst), token=ADMIN, headers=at('2.23'))
    assert resp.status_int == 200
    assert resp.json == {'migrations': []}


def test_show_is_404(call, inst):
    resp = call('GET', _path(inst, '/1'), token=ADMIN, headers=at('2.23'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == (
        f'In-progress live migration 1 is not found for server '
        f'{inst.uuid}.')


@pytest.mark.parametrize('method,tail,body,version', [
    ('GET', '', None, '2.23'),
    ('GET', '/1', None, '2.23'),
    ('DELETE', '/1', None, '2.24'),
    ('POST', '/1/action', FORCE, '2.22'),
])
def test_unknown_server_is_404(call, method, tail, body, version):
    resp = call(method, _path(MISSING, tail), body, token=ADMIN,
                headers=at(version))
    assert resp.status_int == 404


@pytest.mark.parametrize('method,tail,body,version', [
    ('GET', '', None, '2.23'),
    ('GET', '/1', None, '2.23'),
    ('DELETE', '/1', None, '2.24'),
    ('POST', '/1/action', FORCE, '2.22'),
])
def test_for_admins_only(call, inst, method, tail, body, version):
    resp = call(method, _path(inst, tail), body, token=MEMBER,
                headers=at(version))
    assert resp.status_int == 403


@pytest.mark.parametrize('method,tail,body,version', [
    ('GET', '', None, '2.22'),
    ('GET', '/1', None, '2.22'),
    ('DELETE', '/1', None, '2.23'),
    ('POST', '/1/action', FORCE, '2.21'),
    ('GET', '', None, '2.1'),
])
def test_absent_before_their_version(call, inst, method, tail, body,
                                     version):
    resp = call(method, _path(inst, tail), body, token=ADMIN,
                headers=at(version))
    assert resp.status_int == 404


def test_abort_of_a_server_not_migrating_is_409(call, inst):
    resp = call('DELETE', _path(inst, '/1'), token=ADMIN,
                headers=at('2.24'))
    assert resp.status_int == 409
    # Nova's wording when the state is None.
    assert resp.json['conflictingRequest']['message'] == (
        f"Instance {inst.uuid} is in an invalid state for 'abort live "
        f"migration'")


def test_abort_of_no_such_migration_is_404(call, compute):
    inst = compute.add_instance(launched_at=fakes.T0,
                                task_state=task_states.MIGRATING)
    resp = call('DELETE', _path(inst, '/7'), token=ADMIN,
                headers=at('2.24'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == (
        f'Migration 7 not found for instance {inst.uuid}')
    assert inst.task_state == task_states.MIGRATING


def test_force_complete_of_a_server_not_migrating_is_409(call, inst):
    resp = call('POST', _path(inst, '/1/action'), FORCE, token=ADMIN,
                headers=at('2.22'))
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Instance {inst.uuid} is in an invalid state for "
        f"'force_complete'")


def test_force_complete_of_no_such_migration_is_400(call, compute):
    inst = compute.add_instance(launched_at=fakes.T0,
                                task_state=task_states.MIGRATING)
    resp = call('POST', _path(inst, '/7/action'), FORCE, token=ADMIN,
                headers=at('2.22'))
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == (
        f'Migration 7 not found for instance {inst.uuid}')


def test_force_complete_of_a_stopped_server_is_409(call, compute):
    inst = compute.add_instance(launched_at=fakes.T0,
                                vm_state=vm_states.STOPPED,
                                task_state=task_states.MIGRATING)
    resp = call('POST', _path(inst, '/1/action'), FORCE, token=ADMIN,
                headers=at('2.22'))
    assert resp.status_int == 409


@pytest.mark.parametrize('body', [
    {}, {'force_complete': {}}, {'force_complete': None, 'x': 1},
    {'forceComplete': None},
])
def test_force_complete_bad_bodies_are_400(call, inst, body):
    resp = call('POST', _path(inst, '/1/action'), body, token=ADMIN,
                headers=at('2.22'))
    assert resp.status_int == 400
    assert resp.json['badRequest']['code'] == 400
