"""Version documents and microversion negotiation."""

from __future__ import annotations

import pytest

from nova.api import api_version
from nova.api import errors
from nova.tests.unit.api.conftest import request


def test_root_lists_versions_without_token(app):
    resp = request(app, 'GET', '/', token=None)
    assert resp.status_int == 200
    assert resp.content_type == 'application/json'
    assert resp.json == {'versions': [
        {'id': 'v2.0', 'status': 'SUPPORTED', 'version': '',
         'min_version': '', 'updated': '2011-01-21T11:33:21Z',
         'links': [{'rel': 'self', 'href': 'http://localhost/v2/'}]},
        {'id': 'v2.1', 'status': 'CURRENT', 'version': '2.101',
         'min_version': '2.1', 'updated': '2013-07-23T11:33:21Z',
         'links': [{'rel': 'self', 'href': 'http://localhost/v2.1/'}]},
    ]}
    # The root is outside the versioned API: no microversion echo.
    assert api_version.HEADER not in resp.headers


@pytest.mark.parametrize('path', ['/v2.1', '/v2.1/'])
def test_v21_document(app, path):
    resp = request(app, 'GET', path, token=None)
    assert resp.status_int == 200
    version = resp.json['version']
    assert version['id'] == 'v2.1'
    assert version['status'] == 'CURRENT'
    assert version['version'] == str(api_version.MAX_VERSION) == '2.101'
    assert version['min_version'] == str(api_version.MIN_VERSION) == '2.1'
    assert version['links'][0] == {'rel': 'self',
                                   'href': 'http://localhost/v2.1/'}
    assert version['links'][1]['rel'] == 'describedby'
    assert version['media-types'] == [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.compute+json;version=2.1'}]
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert resp.headers['X-OpenStack-Nova-API-Version'] == '2.1'
    vary = resp.headers.getall('Vary')
    assert 'OpenStack-API-Version' in vary
    assert 'X-OpenStack-Nova-API-Version' in vary


def test_v2_document_is_legacy(app):
    resp = request(app, 'GET', '/v2', token=None)
    assert resp.status_int == 200
    assert resp.json['version']['id'] == 'v2.0'
    assert resp.json['version']['links'][0]['href'] == 'http://localhost/v2/'


def test_unversioned_path_gets_multiple_choices(app):
    resp = request(app, 'GET', '/servers', token=None)
    assert resp.status_int == 300
    choices = resp.json['choices']
    assert [c['id'] for c in choices] == ['v2.0', 'v2.1']
    assert choices[1]['links'][0]['href'] == \
        'http://localhost/v2.1/servers'


def test_compute_api_answers_under_v2_too(app):
    resp = request(app, 'GET', '/v2/flavors')
    assert resp.status_int == 200
    assert resp.json['flavors'][0]['links'][0]['href'].startswith(
        'http://localhost/v2/flavors/')


@pytest.mark.parametrize('headers,echoed', [
    ({'OpenStack-API-Version': 'compute 2.1'}, '2.1'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.101'),
    ({'OpenStack-API-Version': 'image 2.9, compute 2.1'}, '2.1'),
    ({'X-OpenStack-Nova-API-Version': '2.1'}, '2.1'),
    ({'X-OpenStack-Nova-API-Version': '2.53'}, '2.53'),
    ({'OpenStack-API-Version': 'compute 2.101'}, '2.101'),
    ({'OpenStack-API-Version': 'image 2.9'}, '2.1'),
    ({}, '2.1'),
])
def test_supported_versions_are_echoed(call, headers, echoed):
    resp = call('GET', '/v2.1/servers', headers=headers)
    assert resp.status_int == 200
    assert resp.headers['OpenStack-API-Version'] == f'compute {echoed}'
    assert resp.headers['X-OpenStack-Nova-API-Version'] == echoed
    assert 'OpenStack-API-Version' in resp.headers.getall('Vary')


@pytest.mark.parametrize('headers', [
    {'OpenStack-API-Version': 'compute 2.500'},
    {'OpenStack-API-Version': 'compute 2.102'},
    {'OpenStack-API-Version': 'compute 3.0'},
    {'OpenStack-API-Version': 'compute 2.0'},
    {'X-OpenStack-Nova-API-Version': '2.500'},
    # The new header wins over the legacy one.
    {'OpenStack-API-Version': 'compute 2.500',
     'X-OpenStack-Nova-API-Version': '2.1'},
])
def test_unsupported_version_is_406(call, headers):
    resp = call('GET', '/v2.1/servers', headers=headers)
    assert resp.status_int == 406
    fault = resp.json['computeFault']
    assert fault['code'] == 406
    assert 'is not supported by the API. Minimum is 2.1 and maximum ' \
        'is 2.101.' in fault['message']


@pytest.mark.parametrize('path', ['/v2.1/servers', '/v2.1'])
def test_malformed_version_is_400(call, path):
    resp = call('GET', path,
                headers={'OpenStack-API-Version': 'compute 2.x'})
    assert resp.status_int == 400
    assert 'API Version String 2.x is of invalid format' in \
        resp.json['badRequest']['message']


def test_unsupported_version_on_version_document(call):
    resp = call('GET', '/v2.1', token=None,
                headers={'OpenStack-API-Version': 'compute 2.500'})
    assert resp.status_int == 406


def test_errors_echo_the_version(call):
    resp = call('GET', '/v2.1/servers/nope')
    assert resp.status_int == 404
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'


def test_version_ordering_is_numeric():
    parse = api_version.APIVersion.parse
    assert parse('2.10') > parse('2.9')
    assert str(parse('2.10')) == '2.10'
    assert api_version.MIN_VERSION <= api_version.MAX_VERSION
    with pytest.raises(errors.InvalidAPIVersionString):
        parse('2.01')
    with pytest.raises(errors.InvalidAPIVersionString):
        parse('latest')


def test_negotiate_defaults_to_minimum():
    assert api_version.negotiate({}) == api_version.MIN_VERSION
    assert api_version.negotiate(
        {'OpenStack-API-Version': 'compute latest'}) == \
        api_version.MAX_VERSION


def test_v21_document_advertises_the_maximum_at_latest(app):
    resp = request(app, 'GET', '/v2.1', token=None,
                   headers={'OpenStack-API-Version': 'compute latest'})
    assert resp.json['version']['version'] == '2.101'
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.101'


def test_history_is_every_minor_version_once():
    versions = [entry.parsed for entry in api_version.history()]
    assert versions == [api_version.APIVersion(2, minor)
                        for minor in range(1, 102)]
    assert all(entry.kind in (api_version.HERE, api_version.ABSENT)
               and entry.change for entry in api_version.history())


def test_readme_holds_the_table():
    import pathlib

    import nova
    readme = pathlib.Path(nova.__file__).resolve().parent / 'README.rst'
    assert api_version.readme_table() in readme.read_text()


@pytest.mark.parametrize('version,found', [('2.35', 200), ('2.36', 404)])
def test_removed_route_answers_404_from_its_version(call, version, found):
    resp = call('GET', '/v2.1/images',
                headers={'OpenStack-API-Version': f'compute {version}'})
    assert resp.status_int == found
    if found == 404:
        assert resp.json['itemNotFound']['code'] == 404


def test_route_limits_follow_the_table():
    v = api_version.APIVersion
    assert api_version.route_allowed('server_tags', 'index', v(2, 26))
    assert not api_version.route_allowed('server_tags', 'index', v(2, 25))
    assert api_version.route_allowed('images', 'index', v(2, 35))
    assert not api_version.route_allowed('images', 'index', v(2, 36))
    assert not api_version.route_allowed('os-hosts', 'index', v(2, 43))
    assert api_version.route_allowed('flavor_manage', 'create', v(2, 1))
    assert not api_version.route_allowed('flavor_manage', 'update',
                                         v(2, 54))
