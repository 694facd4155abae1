"""A private flavor boots only for administrators and the projects in
its access list; anyone else gets Nova's 400, and nothing is built."""

from __future__ import annotations

from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER

PRIVATE = '4'


def _boot(call, flavor_ref, **kwargs):
    return call('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'imageRef': fakes.IMAGE, 'flavorRef': flavor_ref}},
        **kwargs)


def test_private_flavor_without_access_is_400(call, compute):
    resp = _boot(call, PRIVATE)
    assert resp.status_int == 400
    assert resp.json == {'badRequest': {
        'code': 400, 'message': 'Invalid flavorRef provided.'}}
    assert not compute.instances
    assert not [c for c in compute.calls if c[0] == 'create']


def test_private_flavor_boots_for_projects_given_access(call, compute):
    compute.flavor_access[PRIVATE] = {'proj1'}
    resp = _boot(call, PRIVATE)
    assert resp.status_int == 202, resp.body
    assert compute.last_call('create')['flavor'].flavorid == PRIVATE
    assert _boot(call, PRIVATE, token=OTHER).status_int == 400


def test_admin_boots_any_flavor(call, compute):
    resp = _boot(call, PRIVATE, token=ADMIN)
    assert resp.status_int == 202, resp.body
