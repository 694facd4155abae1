"""POST /servers: the response, what reaches compute_api, validation."""

from __future__ import annotations

import base64

import pytest

from nova.tests.unit.api.conftest import ADMIN

IMAGE = '155d900f-4e14-4e4c-a73d-069cbf4541e6'


def _body(**server):
    base = {'name': 'vm1', 'imageRef': IMAGE, 'flavorRef': '1'}
    base.update(server)
    return {'server': base}


def test_create_returns_202_with_nova_body(call, compute):
    resp = call('POST', '/v2.1/servers', _body())
    assert resp.status_int == 202
    server = resp.json['server']
    assert set(server) == {'id', 'links', 'adminPass', 'OS-DCF:diskConfig',
                           'security_groups'}
    assert server['id'] in compute.instances
    assert server['OS-DCF:diskConfig'] == 'MANUAL'
    assert server['security_groups'] == [{'name': 'default'}]
    assert len(server['adminPass']) == 12
    self_link = 'http://localhost/v2.1/servers/{}'.format(server['id'])
    assert server['links'] == [
        {'rel': 'self', 'href': self_link},
        {'rel': 'bookmark',
         'href': 'http://localhost/servers/{}'.format(server['id'])}]
    assert resp.headers['Location'] == self_link


def test_create_passes_request_to_compute(call, compute):
    compute.keypair_create(None, 'alice', 'mykey')
    user_data = base64.b64encode(b'#!/bin/sh\necho hi\n').decode()
    body = _body(imageRef=f'http://glance/images/{IMAGE}',
                 flavorRef='http://localhost/flavors/2',
                 metadata={'role': 'web'}, key_name='mykey',
                 user_data=user_data, availability_zone='az1',
                 min_count=2, max_count='3', accessIPv4='10.0.0.9',
                 adminPass='s3cret',
                 security_groups=[{'name': 'default'}], networks='auto')
    body['os:scheduler_hints'] = {'same_host': IMAGE, 'custom': 'x'}
    resp = call('POST', '/v2.1/servers', body)
    assert resp.status_int == 202
    assert resp.json['server']['adminPass'] == 's3cret'
    assert resp.json['server']['security_groups'] == [{'name': 'default'}]
    kwargs = compute.last_call('create')
    assert kwargs['flavor'].flavorid == '2'
    assert kwargs['image_href'] == IMAGE
    assert kwargs['display_name'] == 'vm1'
    assert (kwargs['min_count'], kwargs['max_count']) == (2, 3)
    assert kwargs['metadata'] == {'role': 'web'}
    assert kwargs['key_name'] == 'mykey'
    assert kwargs['user_data'] == user_data
    assert kwargs['availability_zone'] == 'az1'
    assert kwargs['access_ip_v4'] == '10.0.0.9'
    assert kwargs['scheduler_hints'] == {'same_host': IMAGE, 'custom': 'x'}


def test_create_defaults(call, compute):
    call('POST', '/v2.1/servers', _body(flavorRef=1))
    kwargs = compute.last_call('create')
    assert kwargs['flavor'].flavorid == '1'
    assert (kwargs['min_count'], kwargs['max_count']) == (1, 1)
    assert kwargs['metadata'] == {}
    assert kwargs['scheduler_hints'] == {}
    assert kwargs['key_name'] is None


def test_create_return_reservation_id(call):
    resp = call('POST', '/v2.1/servers',
                _body(return_reservation_id=True, max_count=2))
    assert resp.status_int == 202
    assert resp.json['reservation_id'].startswith('r-')


def test_created_server_belongs_to_caller(call, compute):
    server_id = call('POST', '/v2.1/servers', _body()).json['server']['id']
    instance = compute.instances[server_id]
    assert (instance.project_id, instance.user_id) == ('proj1', 'alice')
    assert call('GET', f'/v2.1/servers/{server_id}').json['server'][
        'status'] == 'BUILD'


@pytest.mark.parametrize('body, words', [
    ({'server': {'name': 'vm', 'imageRef': IMAGE}},
     ["'flavorRef' is a required property"]),
    ({'server': {'flavorRef': '1', 'imageRef': IMAGE}},
     ["'name' is a required property"]),
    ({'srv': {}}, ["'server' is a required property"]),
    ({'server': {'name': 'vm', 'flavorRef': '1', 'imageRef': IMAGE,
                 'bogus': 1}},
     ["Additional properties are not allowed ('bogus' was unexpected)"]),
    (_body(name=' padded'), ['field/attribute name']),
    (_body(name=''), ['field/attribute name']),
    (_body(name='x' * 256), ['field/attribute name']),
    (_body(metadata={'k': 'v' * 256}), ['field/attribute k']),
    (_body(metadata={'k': 1}), ['field/attribute k']),
    (_body(metadata='nope'), ['field/attribute metadata']),
    (_body(user_data='not base64!'), ['field/attribute user_data']),
    (_body(min_count=0), ['field/attribute min_count']),
    (_body(min_count='0'), ['field/attribute min_count']),
    (_body(max_count='two'), ['field/attribute max_count']),
    (_body(accessIPv4='300.1.1.1'), ['field/attribute accessIPv4']),
    (_body(networks='some'), ['field/attribute networks']),
    (_body(networks=[{'uuid': 'x', 'bad': 1}]), ['networks']),
    (_body(networks=[{'fixed_ip': 'nope'}]), ['fixed_ip']),
    (_body(key_name=7), ['field/attribute key_name']),
    (_body(flavorRef=''), ['field/attribute flavorRef']),
    (_body(security_groups=[{'id': 'x'}]), ['security_groups']),
    ({'server': _body()['server'], 'os:scheduler_hints': 'x'},
     ['field/attribute os:scheduler_hints']),
    ({'server': _body()['server'], 'os:scheduler_hints': {'group': 'x'}},
     ['field/attribute group']),
    ([1, 2], ["is not of type 'object'"]),
])
def test_create_validation(call, compute, body, words):
    resp = call('POST', '/v2.1/servers', body)
    assert resp.status_int == 400, resp.body
    message = resp.json['badRequest']['message']
    for word in words:
        assert word in message
    assert not [c for c in compute.calls if c[0] == 'create']


@pytest.mark.parametrize('server, message', [
    ({'flavorRef': '99'}, 'Invalid flavorRef provided.'),
    ({'flavorRef': 'http://localhost/flavors/99'},
     'Invalid flavorRef provided.'),
    ({'flavorRef': '5'}, 'Invalid flavorRef provided.'),
    ({'imageRef': None}, 'Missing imageRef attribute'),
    ({'imageRef': 'not-a-uuid'}, 'Invalid imageRef provided.'),
    ({'imageRef': ''}, 'Invalid imageRef provided.'),
    ({'imageRef': 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa'},
     'Can not find requested image'),
    ({'min_count': 3, 'max_count': 2}, 'min_count must be <= max_count'),
])
def test_create_bad_references(call, server, message):
    body = _body(**server)
    if body['server']['imageRef'] is None:
        del body['server']['imageRef']
    resp = call('POST', '/v2.1/servers', body)
    assert resp.status_int == 400
    assert resp.json == {'badRequest': {'code': 400, 'message': message}}


def test_create_without_body(call):
    resp = call('POST', '/v2.1/servers')
    assert resp.status_int == 400
    assert 'badRequest' in resp.json


def test_create_with_malformed_json(call):
    resp = call('POST', '/v2.1/servers', raw=b'{"server": ',
                headers={'Content-Type': 'application/json'})
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == 'Malformed request body'


def test_create_with_unsupported_content_type(call):
    resp = call('POST', '/v2.1/servers', raw=b'<server/>',
                headers={'Content-Type': 'application/xml'})
    assert resp.status_int == 415
    assert resp.json == {'badMediaType': {
        'code': 415, 'message': 'Unsupported Content-Type'}}


def test_create_accepts_compute_media_type(call):
    resp = call('POST', '/v2.1/servers', raw=b'{"server": {"name": "a", '
                b'"flavorRef": "1", "imageRef": "%s"}}' % IMAGE.encode(),
                headers={'Content-Type':
                         'application/vnd.openstack.compute+json'})
    assert resp.status_int == 202


def test_admin_creates_in_own_project(call, compute):
    server_id = call('POST', '/v2.1/servers', _body(),
                     token=ADMIN).json['server']['id']
    assert compute.instances[server_id].project_id == 'admin'
