"""The metadata_items quota on create and on every metadata change: 403
in Nova's shape, nothing written."""

from __future__ import annotations

import pytest

from nova.tests.unit.api import fakes

LIMIT_MESSAGE = 'Maximum number of metadata items exceeds 2'


def _forbidden(resp):
    assert resp.status_int == 403, resp.body
    assert resp.json == {'forbidden': {'code': 403,
                                       'message': LIMIT_MESSAGE}}


@pytest.fixture
def limited(compute):
    compute.metadata_items = 2
    return compute


def test_create_with_too_many_items_is_403(call, limited):
    resp = call('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'imageRef': fakes.IMAGE, 'flavorRef': '1',
        'metadata': {'a': '1', 'b': '2', 'c': '3'}}})
    _forbidden(resp)
    assert not limited.instances


def test_merge_counts_the_items_the_server_has(call, limited):
    inst = limited.add_instance(metadata={'a': '1'})
    url = f'/v2.1/servers/{inst.uuid}/metadata'
    _forbidden(call('POST', url, {'metadata': {'b': '2', 'c': '3'}}))
    assert inst.metadata == {'a': '1'}
    # Changing a key it has adds nothing.
    resp = call('POST', url, {'metadata': {'a': 'x', 'b': '2'}})
    assert resp.status_int == 200, resp.body
    assert inst.metadata == {'a': 'x', 'b': '2'}


def test_replacing_all_counts_the_new_items_only(call, limited):
    inst = limited.add_instance(metadata={'a': '1', 'b': '2'})
    url = f'/v2.1/servers/{inst.uuid}/metadata'
    _forbidden(call('PUT', url, {'metadata': {'x': '1', 'y': '2',
                                              'z': '3'}}))
    assert inst.metadata == {'a': '1', 'b': '2'}
    resp = call('PUT', url, {'metadata': {'x': '1', 'y': '2'}})
    assert resp.status_int == 200, resp.body


def test_setting_one_more_item_is_403(call, limited):
    inst = limited.add_instance(metadata={'a': '1', 'b': '2'})
    base = f'/v2.1/servers/{inst.uuid}/metadata/'
    _forbidden(call('PUT', base + 'c', {'meta': {'c': '3'}}))
    assert inst.metadata == {'a': '1', 'b': '2'}
    resp = call('PUT', base + 'a', {'meta': {'a': 'x'}})
    assert resp.status_int == 200, resp.body
