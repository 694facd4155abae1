"""The REST API of a running tree: real clients and bad input."""

import json
import urllib.error
import urllib.request

import openstack
import pytest

from nova import context as nova_context
from nova.tools.polling import wait_for

IMAGE = '8b1c7e6e-2c65-4c59-9e3a-0b8fd6d6b0a1'


@pytest.fixture
def api_tree(tree_factory):
    tree = tree_factory()
    tree.wait_for_capacities('api', ['cell1', 'cell2'])
    port = tree.service('api', 'api').server.port
    tree.endpoint = 'http://127.0.0.1:%d/v2.1' % port
    return tree


def request(tree, method, path, body=None, token='demo:demo', raw=None):
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(tree.endpoint + path, data=data,
                                 method=method)
    req.add_header('X-Auth-Token', token)
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            payload = resp.read()
            return resp.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b'null')


def all_rows(tree, cell):
    ctxt = nova_context.get_admin_context(read_deleted='yes')
    return tree.db(cell).instance_get_all_by_filters(ctxt, {})


def test_openstacksdk_boot_is_active_in_a_child_cell(api_tree):
    conn = openstack.connection.Connection(
        auth_type='none', compute_endpoint_override=api_tree.endpoint)
    server = conn.compute.create_server(name='sdk-vm', flavor_id='1',
                                        image_id=IMAGE, networks='none')
    server = conn.compute.wait_for_server(server, interval=0.1, wait=10)
    assert server.status == 'ACTIVE'

    shown = conn.compute.get_server(server.id)
    assert shown.name == 'sdk-vm'
    [address] = next(iter(shown.addresses.values()))
    assert address['version'] == 4
    [row] = all_rows(api_tree, 'api')
    assert row['uuid'] == server.id
    assert row['cell_name'] in ('api!cell1', 'api!cell2')
    assert [r['uuid'] for r in all_rows(
        api_tree, row['cell_name'].split('!')[1])] == [server.id]

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.1, wait=10)
    assert all(r['deleted'] for r in all_rows(api_tree, 'api'))


@pytest.mark.parametrize('body,raw,status,words', [
    ({'server': {'name': 'x', 'imageRef': IMAGE}}, None, 400,
     ['flavorRef']),
    ({'server': {'name': 'x', 'imageRef': IMAGE, 'flavorRef': '999'}},
     None, 400, ['flavor']),
    (None, b'{"server": {"name": ', 400, []),
    ({'server': {'name': 'x', 'imageRef': IMAGE, 'flavorRef': '1',
                 'bogus': 1}}, None, 400, ['bogus']),
])
def test_bad_create_is_a_4xx_and_writes_nothing(api_tree, body, raw,
                                                 status, words):
    code, payload = request(api_tree, 'POST', '/servers', body, raw=raw)
    assert code == status
    [(kind, error)] = payload.items()
    assert kind == 'badRequest'
    assert error['code'] == status
    for word in words:
        assert word in error['message']
    for cell in ('api', 'cell1', 'cell2'):
        assert all_rows(api_tree, cell) == []


def test_unknown_server_is_404(api_tree):
    code, payload = request(api_tree, 'GET',
                            '/servers/00000000-0000-0000-0000-000000000000')
    assert code == 404
    assert payload['itemNotFound']['code'] == 404


def test_another_projects_server_is_404(api_tree):
    code, created = request(api_tree, 'POST', '/servers', {
        'server': {'name': 'mine', 'imageRef': IMAGE, 'flavorRef': '1'}},
        token='alice:project-a')
    assert code == 202
    server_id = created['server']['id']
    code, _ = request(api_tree, 'GET', '/servers/' + server_id,
                      token='bob:project-b')
    assert code == 404
    code, listed = request(api_tree, 'GET', '/servers', token='bob:project-b')
    assert listed['servers'] == []
    code, shown = request(api_tree, 'GET', '/servers/' + server_id,
                          token='alice:project-a')
    assert shown['server']['id'] == server_id

    def active():
        _, body = request(api_tree, 'GET', '/servers/' + server_id,
                          token='alice:project-a')
        return body['server']['status'] == 'ACTIVE'
    wait_for(active, 10, what='ACTIVE')
