"""POST /flavors, DELETE /flavors/{id} and /flavors/{id}/os-extra_specs."""

from __future__ import annotations

import pytest

from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import MEMBER


def _flavor(**kwargs):
    flavor = {'name': 'm1.big', 'ram': 8192, 'vcpus': 4, 'disk': 80}
    flavor.update(kwargs)
    return {'flavor': flavor}


def _create(call, body, token=ADMIN):
    return call('POST', '/v2.1/flavors', body, token=token)


# -- create ------------------------------------------------------------------


def test_create(call, compute):
    resp = _create(call, _flavor(id='10', swap=512, rxtx_factor=2.0,
                                 **{'OS-FLV-EXT-DATA:ephemeral': 10,
                                    'os-flavor-access:is_public': False}))
    assert resp.status_int == 200
    assert resp.json == {'flavor': {
        'id': '10', 'name': 'm1.big', 'ram': 8192, 'disk': 80,
        'swap': 512, 'OS-FLV-EXT-DATA:ephemeral': 10,
        'OS-FLV-DISABLED:disabled': False, 'vcpus': 4,
        'os-flavor-access:is_public': False, 'rxtx_factor': 2.0,
        'links': [
            {'rel': 'self', 'href': 'http://localhost/v2.1/flavors/10'},
            {'rel': 'bookmark', 'href': 'http://localhost/flavors/10'}]}}
    assert compute.last_call('flavor_create') == {
        'name': 'm1.big', 'flavorid': '10', 'memory_mb': 8192, 'vcpus': 4,
        'root_gb': 80, 'ephemeral_gb': 10, 'swap': 512, 'rxtx_factor': 2.0,
        'is_public': False}
    assert call('GET', '/v2.1/flavors/10', token=ADMIN).status_int == 200


def test_create_defaults_and_generated_id(call, compute):
    resp = _create(call, _flavor(ram='1024', vcpus='2', disk='0'))
    flavor = resp.json['flavor']
    assert len(flavor['id']) == 36
    assert (flavor['swap'], flavor['OS-FLV-EXT-DATA:ephemeral']) == ('', 0)
    assert flavor['os-flavor-access:is_public'] is True
    values = compute.last_call('flavor_create')
    assert values['flavorid'] is None
    assert (values['memory_mb'], values['vcpus'], values['root_gb']) == \
        (1024, 2, 0)
    assert values['rxtx_factor'] == 1.0


def test_create_numeric_id_becomes_string(call, compute):
    resp = _create(call, _flavor(id=42, **{
        'os-flavor-access:is_public': 'false'}))
    assert resp.json['flavor']['id'] == '42'
    assert compute.last_call('flavor_create')['is_public'] is False


@pytest.mark.parametrize('changes, field', [
    ({'name': ''}, 'name'),
    ({'ram': 0}, 'ram'),
    ({'vcpus': 'many'}, 'vcpus'),
    ({'disk': -1}, 'disk'),
    ({'id': ' x'}, 'id'),
    ({'rxtx_factor': 0}, 'rxtx_factor'),
    ({'os-flavor-access:is_public': 'maybe'}, 'os-flavor-access:is_public'),
    ({'color': 'red'}, 'flavor'),
])
def test_create_schema(call, compute, changes, field):
    resp = _create(call, _flavor(**changes))
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'].startswith(
        f'Invalid input for field/attribute {field}.')


def test_create_missing_field(call):
    body = _flavor()
    del body['flavor']['ram']
    resp = _create(call, body)
    assert resp.status_int == 400
    assert "'ram' is a required property" in \
        resp.json['badRequest']['message']


def test_create_string_zero_ram_is_400(call):
    resp = _create(call, _flavor(ram='0'))
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'Invalid input received: memory_mb must be >= 1'


@pytest.mark.parametrize('changes, message', [
    ({'name': 'm1.tiny'}, 'Flavor with name m1.tiny already exists.'),
    ({'id': '1'}, 'Flavor with ID 1 already exists.'),
])
def test_create_duplicate_is_409(call, changes, message):
    resp = _create(call, _flavor(**changes))
    assert resp.status_int == 409
    assert resp.json == {'conflictingRequest': {'code': 409,
                                                'message': message}}


def test_member_cannot_create(call, compute):
    resp = _create(call, _flavor(), token=MEMBER)
    assert resp.status_int == 403
    assert resp.json['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be "
        "performed.")
    assert not [c for c in compute.calls if c[0] == 'flavor_create']


# -- delete ------------------------------------------------------------------


def test_delete(call, compute):
    resp = call('DELETE', '/v2.1/flavors/3', token=ADMIN)
    assert resp.status_int == 202
    assert '3' not in compute.flavors


def test_delete_unknown_is_404(call):
    resp = call('DELETE', '/v2.1/flavors/99', token=ADMIN)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Flavor 99 could not be found.'


def test_member_cannot_delete(call, compute):
    assert call('DELETE', '/v2.1/flavors/3').status_int == 403
    assert '3' in compute.flavors


# -- extra specs -------------------------------------------------------------


@pytest.fixture
def specs(compute):
    compute.flavors['2'].extra_specs = {'hw:cpu_policy': 'dedicated'}
    return compute.flavors['2']


def _specs_url(key=None):
    url = '/v2.1/flavors/2/os-extra_specs'
    return url if key is None else f'{url}/{key}'


def test_extra_specs_index(call, specs):
    resp = call('GET', _specs_url())
    assert resp.status_int == 200
    assert resp.json == {'extra_specs': {'hw:cpu_policy': 'dedicated'}}


def test_extra_spec_show(call, specs):
    resp = call('GET', _specs_url('hw:cpu_policy'))
    assert resp.json == {'hw:cpu_policy': 'dedicated'}


def test_extra_spec_show_missing_is_404(call, specs):
    resp = call('GET', _specs_url('nope'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Flavor 2 has no extra specs with key nope.'


def test_extra_specs_of_unknown_flavor_is_404(call):
    resp = call('GET', '/v2.1/flavors/99/os-extra_specs')
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Flavor 99 could not be found.'


def test_extra_specs_create_merges_and_echoes(call, compute, specs):
    body = {'extra_specs': {'quota:cpu_shares': 1024, 'a.b': 'c'}}
    resp = call('POST', _specs_url(), body, token=ADMIN)
    assert resp.status_int == 200
    assert resp.json == body
    assert specs.extra_specs == {'hw:cpu_policy': 'dedicated',
                                 'quota:cpu_shares': '1024', 'a.b': 'c'}


def test_extra_spec_update(call, specs):
    resp = call('PUT', _specs_url('hw:cpu_policy'),
                {'hw:cpu_policy': 'shared'}, token=ADMIN)
    assert resp.status_int == 200
    assert resp.json == {'hw:cpu_policy': 'shared'}
    assert specs.extra_specs == {'hw:cpu_policy': 'shared'}


def test_extra_spec_update_mismatch_is_400(call, specs):
    resp = call('PUT', _specs_url('hw:cpu_policy'), {'other': 'x'},
                token=ADMIN)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'Request body and URI mismatch'


@pytest.mark.parametrize('method, key, body', [
    ('POST', None, {'extra_specs': {'k': True}}),
    ('POST', None, {'extra_specs': {'bad/key': 'v'}}),
    ('POST', None, {'specs': {}}),
    ('PUT', 'k', {'k': 'v', 'l': 'w'}),
    ('PUT', 'k', {}),
])
def test_extra_specs_schema(call, specs, method, key, body):
    resp = call(method, _specs_url(key), body, token=ADMIN)
    assert resp.status_int == 400
    assert specs.extra_specs == {'hw:cpu_policy': 'dedicated'}


def test_extra_spec_number_too_long_is_400(call, specs):
    resp = call('POST', _specs_url(), {'extra_specs': {'k': 10 ** 300}},
                token=ADMIN)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'extra_specs value has more than 255 characters.'


def test_extra_spec_delete(call, specs):
    resp = call('DELETE', _specs_url('hw:cpu_policy'), token=ADMIN)
    assert resp.status_int == 200
    assert resp.body == b''
    assert specs.extra_specs == {}
    assert call('DELETE', _specs_url('hw:cpu_policy'),
                token=ADMIN).status_int == 404


@pytest.mark.parametrize('method, key, body, rule', [
    ('POST', None, {'extra_specs': {'k': 'v'}}, 'create'),
    ('PUT', 'hw:cpu_policy', {'hw:cpu_policy': 'x'}, 'update'),
    ('DELETE', 'hw:cpu_policy', None, 'delete'),
])
def test_members_cannot_change_extra_specs(call, specs, method, key, body,
                                           rule):
    resp = call(method, _specs_url(key), body)
    assert resp.status_int == 403
    assert f'os-flavor-extra-specs:{rule}' in \
        resp.json['forbidden']['message']
    assert specs.extra_specs == {'hw:cpu_policy': 'dedicated'}
