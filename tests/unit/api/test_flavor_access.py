"""Flavor access: the list of a private flavor, addTenantAccess and
removeTenantAccess, and what non-admins see of private flavors."""

from __future__ import annotations

import pytest

from nova.tests.unit.api.conftest import ADMIN

PRIVATE = '4'   # m1.private in the fake's flavors


def _action(call, flavor, body, token=ADMIN):
    return call('POST', f'/v2.1/flavors/{flavor}/action', body, token=token)


def test_add_list_remove(call, compute):
    path = f'/v2.1/flavors/{PRIVATE}/os-flavor-access'
    assert call('GET', path, token=ADMIN).json == {'flavor_access': []}
    resp = _action(call, PRIVATE, {'addTenantAccess': {'tenant': 'proj1'}})
    assert resp.status_int == 200
    assert resp.json == {'flavor_access': [
        {'flavor_id': PRIVATE, 'tenant_id': 'proj1'}]}
    assert call('GET', path, token=ADMIN).json == resp.json
    resp = _action(call, PRIVATE, {'removeTenantAccess': {'tenant': 'proj1'}})
    assert (resp.status_int, resp.json) == (200, {'flavor_access': []})


def test_add_twice_is_409_and_remove_unknown_is_404(call, compute):
    _action(call, PRIVATE, {'addTenantAccess': {'tenant': 'proj1'}})
    resp = _action(call, PRIVATE, {'addTenantAccess': {'tenant': 'proj1'}})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        'Flavor access already exists for flavor 4 and project proj1 '
        'combination.')
    resp = _action(call, PRIVATE, {'removeTenantAccess': {'tenant': 'p9'}})
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Flavor access not found for 4 / p9 combination.'


def test_public_flavor(call):
    resp = call('GET', '/v2.1/flavors/1/os-flavor-access', token=ADMIN)
    assert resp.status_int == 404
    resp = _action(call, '1', {'addTenantAccess': {'tenant': 'proj1'}})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == \
        'Can not add access to a public flavor.'


def test_unknown_flavor_is_404(call):
    assert call('GET', '/v2.1/flavors/99/os-flavor-access',
                token=ADMIN).status_int == 404
    assert _action(call, '99', {'addTenantAccess': {'tenant': 'p'}}
                   ).status_int == 404


@pytest.mark.parametrize('body', [
    {'addTenantAccess': {}}, {'addTenantAccess': {'tenant': ''}},
    {'addTenantAccess': {'tenant': 'a', 'x': 1}},
    {'addTenantAccess': None}, {'removeTenantAccess': {'tenant': 3}},
    {'grant': {'tenant': 'a'}}, [], {'addTenantAccess': {'tenant': 'a'},
                                     'removeTenantAccess': {'tenant': 'a'}},
])
def test_bad_bodies_are_400(call, compute, body):
    assert _action(call, PRIVATE, body).status_int == 400
    assert compute.flavor_access.get(PRIVATE, set()) == set()


def test_members_may_not_change_or_read_access(call, compute):
    assert call('GET', f'/v2.1/flavors/{PRIVATE}/os-flavor-access'
                ).status_int == 403
    assert _action(call, PRIVATE, {'addTenantAccess': {'tenant': 'proj1'}},
                   token='alice:proj1').status_int == 403
    assert compute.flavor_access.get(PRIVATE, set()) == set()


def test_members_see_the_private_flavors_given_them(call, compute):
    def listed():
        return {f['id'] for f in call('GET', '/v2.1/flavors').json['flavors']}
    assert PRIVATE not in listed()
    assert call('GET', f'/v2.1/flavors/{PRIVATE}').status_int == 404
    _action(call, PRIVATE, {'addTenantAccess': {'tenant': 'proj1'}})
    assert PRIVATE in listed()
    resp = call('GET', f'/v2.1/flavors/{PRIVATE}')
    assert resp.status_int == 200
    assert resp.json['flavor']['os-flavor-access:is_public'] is False
    # Another project still does not.
    assert call('GET', f'/v2.1/flavors/{PRIVATE}',
                token='bob:proj2').status_int == 404
