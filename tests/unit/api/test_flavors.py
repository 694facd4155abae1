"""GET /flavors, /flavors/detail and /flavors/{id}."""

from __future__ import annotations

import pytest

from nova.tests.unit.api.conftest import ADMIN


def _ids(resp):
    return [f['id'] for f in resp.json['flavors']]


def test_index_shows_public_enabled_flavors(call):
    resp = call('GET', '/v2.1/flavors')
    assert resp.status_int == 200
    assert _ids(resp) == ['1', '2', '3']
    assert resp.json['flavors'][0] == {
        'id': '1', 'name': 'm1.tiny',
        'links': [{'rel': 'self', 'href': 'http://localhost/v2.1/flavors/1'},
                  {'rel': 'bookmark', 'href': 'http://localhost/flavors/1'}]}


def test_detail_view(call):
    flavor = call('GET', '/v2.1/flavors/detail').json['flavors'][1]
    assert flavor == {
        'id': '2', 'name': 'm1.small', 'ram': 2048, 'disk': 20, 'swap': '',
        'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': False,
        'vcpus': 1, 'os-flavor-access:is_public': True, 'rxtx_factor': 1.0,
        'links': [{'rel': 'self', 'href': 'http://localhost/v2.1/flavors/2'},
                  {'rel': 'bookmark', 'href': 'http://localhost/flavors/2'}]}


def test_show(call):
    resp = call('GET', '/v2.1/flavors/3')
    assert resp.status_int == 200
    assert resp.json['flavor']['name'] == 'm1.medium'
    assert resp.json['flavor']['vcpus'] == 2


def test_show_unknown_is_404(call):
    resp = call('GET', '/v2.1/flavors/42')
    assert resp.status_int == 404
    assert resp.json == {'itemNotFound': {
        'code': 404, 'message': 'Flavor 42 could not be found.'}}


def test_private_flavor_hidden_from_members(call):
    assert call('GET', '/v2.1/flavors/4').status_int == 404
    assert call('GET', '/v2.1/flavors/4', token=ADMIN).status_int == 200


@pytest.mark.parametrize('query, expected', [
    ('', ['1', '2', '3', '5']),
    ('?is_public=none', ['1', '2', '3', '4', '5']),
    ('?is_public=None', ['1', '2', '3', '4', '5']),
    ('?is_public=false', ['4']),
    ('?is_public=true', ['1', '2', '3', '5']),
])
def test_admin_is_public_filter(call, query, expected):
    assert _ids(call('GET', '/v2.1/flavors' + query, token=ADMIN)) == \
        expected


def test_member_ignores_is_public(call):
    assert _ids(call('GET', '/v2.1/flavors?is_public=none')) == \
        ['1', '2', '3']


def test_bad_is_public_is_400(call):
    assert call('GET', '/v2.1/flavors?is_public=maybe',
                token=ADMIN).status_int == 400


@pytest.mark.parametrize('query, expected', [
    ('?minRam=2048', ['2', '3']),
    ('?minDisk=30', ['3']),
    ('?minRam=1&minDisk=1', ['1', '2', '3']),
    ('?sort_key=memory_mb&sort_dir=desc', ['3', '2', '1']),
    ('?sort_key=name', ['3', '2', '1']),
])
def test_filters_and_sorting(call, query, expected):
    assert _ids(call('GET', '/v2.1/flavors/detail' + query)) == expected


@pytest.mark.parametrize('query', ['minRam=x', 'minDisk=-1',
                                   'sort_key=bogus', 'sort_dir=up',
                                   'limit=x'])
def test_bad_query_is_400(call, query):
    resp = call('GET', '/v2.1/flavors?' + query)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'].startswith(
        'Invalid input for query parameters {}.'.format(query.split('=')[0]))


def test_paging(call):
    page = call('GET', '/v2.1/flavors?limit=2').json
    assert [f['id'] for f in page['flavors']] == ['1', '2']
    assert page['flavors_links'] == [{
        'rel': 'next',
        'href': 'http://localhost/v2.1/flavors?limit=2&marker=2'}]
    page = call('GET', '/v2.1/flavors?limit=2&marker=2').json
    assert [f['id'] for f in page['flavors']] == ['3']
    assert 'flavors_links' not in page
    detail = call('GET', '/v2.1/flavors/detail?limit=1').json
    assert detail['flavors_links'][0]['href'] == \
        'http://localhost/v2.1/flavors/detail?limit=1&marker=1'


def test_unknown_marker_is_400(call):
    resp = call('GET', '/v2.1/flavors?marker=99')
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == 'marker [99] not found'


def test_flavors_need_a_token(call):
    assert call('GET', '/v2.1/flavors', token=None).status_int == 401
