"""/servers/{id}/metadata and /servers/{id}/metadata/{key}."""

from __future__ import annotations

import pytest

from nova.compute import vm_states
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER


@pytest.fixture
def inst(compute):
    return compute.add_instance(metadata={'a': '1', 'b': '2'})


def _url(inst, key=None):
    url = f'/v2.1/servers/{inst.uuid}/metadata'
    return url if key is None else f'{url}/{key}'


def test_index(call, inst):
    resp = call('GET', _url(inst))
    assert resp.status_int == 200
    assert resp.json == {'metadata': {'a': '1', 'b': '2'}}


def test_show(call, inst):
    resp = call('GET', _url(inst, 'a'))
    assert resp.status_int == 200
    assert resp.json == {'meta': {'a': '1'}}


def test_show_missing_key_is_404(call, inst):
    resp = call('GET', _url(inst, 'zz'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Metadata item was not found'


def test_post_merges(call, inst):
    resp = call('POST', _url(inst), {'metadata': {'b': '3', 'c': '4'}})
    assert resp.status_int == 200
    assert resp.json == {'metadata': {'a': '1', 'b': '3', 'c': '4'}}
    assert inst.metadata == {'a': '1', 'b': '3', 'c': '4'}


def test_put_replaces_all(call, inst):
    resp = call('PUT', _url(inst), {'metadata': {'c': '4'}})
    assert resp.status_int == 200
    assert resp.json == {'metadata': {'c': '4'}}
    assert inst.metadata == {'c': '4'}


def test_put_empty_clears(call, inst):
    assert call('PUT', _url(inst), {'metadata': {}}).json == \
        {'metadata': {}}
    assert inst.metadata == {}


def test_put_item(call, inst):
    resp = call('PUT', _url(inst, 'key with.dots:1'),
                {'meta': {'key with.dots:1': 'v'}})
    assert resp.status_int == 200
    assert resp.json == {'meta': {'key with.dots:1': 'v'}}
    assert inst.metadata['key with.dots:1'] == 'v'
    assert inst.metadata['a'] == '1'


def test_put_item_uri_mismatch_is_400(call, inst):
    resp = call('PUT', _url(inst, 'a'), {'meta': {'b': 'x'}})
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'Request body and URI mismatch'


@pytest.mark.parametrize('body, field', [
    ({'meta': {'a': '1', 'b': '2'}}, 'meta'),
    ({'meta': {}}, 'meta'),
    ({'meta': {'a': 5}}, 'a'),
    ({'metadata': {'a': '1'}}, None),
])
def test_put_item_schema(call, inst, body, field):
    resp = call('PUT', _url(inst, 'a'), body)
    assert resp.status_int == 400
    message = resp.json['badRequest']['message']
    if field:
        assert message.startswith(
            f'Invalid input for field/attribute {field}.')


@pytest.mark.parametrize('body, field', [
    ({'metadata': {'k': 'x' * 256}}, 'k'),
    ({'metadata': {'bad/key': 'v'}}, 'metadata'),
    ({'metadata': []}, 'metadata'),
    ({'meta': {'a': '1'}}, None),
])
def test_post_schema(call, inst, body, field):
    resp = call('POST', _url(inst), body)
    assert resp.status_int == 400
    if field:
        assert resp.json['badRequest']['message'].startswith(
            f'Invalid input for field/attribute {field}.')
    assert inst.metadata == {'a': '1', 'b': '2'}


def test_delete_item(call, inst):
    resp = call('DELETE', _url(inst, 'a'))
    assert resp.status_int == 204
    assert resp.body == b''
    assert inst.metadata == {'b': '2'}


def test_delete_missing_item_is_404(call, inst):
    resp = call('DELETE', _url(inst, 'zz'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Metadata item was not found'


def test_change_in_wrong_state_is_409(call, compute):
    inst = compute.add_instance(vm_state=vm_states.BUILDING,
                                metadata={'a': '1'})
    resp = call('POST', _url(inst), {'metadata': {'b': '2'}})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == (
        f"Cannot 'update metadata' instance {inst.uuid} while it is in "
        "vm_state building")
    resp = call('DELETE', _url(inst, 'a'))
    assert resp.status_int == 409
    assert "Cannot 'delete metadata'" in \
        resp.json['conflictingRequest']['message']


def test_locked_server_is_409(call, compute):
    inst = compute.add_instance(locked=True, locked_by='admin')
    resp = call('PUT', _url(inst), {'metadata': {}})
    assert resp.status_int == 409
    assert resp.json['conflictingRequest']['message'] == \
        f'Instance {inst.uuid} is locked'


@pytest.mark.parametrize('method, key, body', [
    ('GET', None, None), ('POST', None, {'metadata': {}}),
    ('PUT', None, {'metadata': {}}), ('GET', 'a', None),
    ('PUT', 'a', {'meta': {'a': 'x'}}), ('DELETE', 'a', None)])
def test_other_project_gets_404(call, inst, method, key, body):
    resp = call(method, _url(inst, key), body, token=OTHER)
    assert resp.status_int == 404
    assert inst.metadata == {'a': '1', 'b': '2'}


def test_admin_sees_any_project(call, inst):
    assert call('GET', _url(inst), token=ADMIN).status_int == 200
