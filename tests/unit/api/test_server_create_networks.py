"""POST /servers with networks or security groups that cannot be: 400 in
Nova's shape, before anything is created."""

from __future__ import annotations

import pytest

from nova.tests.unit.api import fakes

NET = '3cb9bc59-5699-4588-a4b1-b87f96708bc6'


def _create(call, **server):
    return call('POST', '/v2.1/servers', {'server': dict(
        {'name': 'vm', 'imageRef': fakes.IMAGE, 'flavorRef': '1'},
        **server)})


def _refused(resp, compute, message):
    assert resp.status_int == 400, resp.body
    assert resp.json == {'badRequest': {'code': 400, 'message': message}}
    assert not compute.instances


@pytest.mark.parametrize('networks, message', [
    ([{'uuid': 'a-b-c-d-e-f-g-h-i-j'}],
     'Bad networks format: network uuid is not in proper format '
     '(a-b-c-d-e-f-g-h-i-j)'),
    ([{'uuid': 'not-a-uuid'}],
     'Bad networks format: network uuid is not in proper format '
     '(not-a-uuid)'),
    ([{'fixed_ip': '10.0.0.5'}], "Bad network format: missing 'uuid'"),
    ([{'uuid': NET}, {'uuid': NET}],
     f'Duplicate networks ({NET}) are not allowed'),
])
def test_bad_networks_are_400(call, compute, networks, message):
    _refused(_create(call, networks=networks), compute, message)


@pytest.mark.parametrize('networks', [
    [{'uuid': NET}], [{'uuid': 'br-' + NET}], 'auto', 'none', []])
def test_well_formed_networks_are_accepted(call, compute, networks):
    assert _create(call, networks=networks).status_int == 202


def test_unknown_security_group_is_400(call, compute):
    resp = _create(call, security_groups=[{'name': 'default'},
                                          {'name': 'nonexistent'}])
    _refused(resp, compute,
             'Security group nonexistent not found for project proj1.')
    assert compute.last_call('create')['security_groups'] == [
        'default', 'nonexistent']


def test_default_security_group_is_accepted(call, compute):
    resp = _create(call, security_groups=[{'name': 'default'}])
    assert resp.status_int == 202, resp.body
    assert resp.json['server']['security_groups'] == [{'name': 'default'}]
