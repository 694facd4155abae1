"""/os-keypairs, and key_name on POST /servers."""

from __future__ import annotations

import pytest

from nova.tests.unit.api import fake_registry
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER
from nova.tests.unit.api.conftest import app_with_policy
from nova.tests.unit.api.conftest import request

PUBLIC_KEY = ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l'
              '6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9'
              'gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bN'
              'H6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova')


def _create(call, body, **kwargs):
    return call('POST', '/v2.1/os-keypairs', body, **kwargs)


def test_generate(call, compute):
    resp = _create(call, {'keypair': {'name': 'k1'}})
    assert resp.status_int == 200
    keypair = resp.json['keypair']
    assert set(keypair) == {'name', 'public_key', 'fingerprint', 'user_id',
                            'private_key'}
    assert keypair['name'] == 'k1'
    assert keypair['user_id'] == 'alice'
    assert keypair['private_key'].startswith('-----BEGIN RSA PRIVATE KEY')
    assert keypair['fingerprint'] == \
        fake_registry.fingerprint(keypair['public_key'])
    assert ('alice', 'k1') in compute.keypairs


def test_import(call, compute):
    resp = _create(call, {'keypair': {'name': 'k2',
                                      'public_key': PUBLIC_KEY}})
    assert resp.status_int == 200
    keypair = resp.json['keypair']
    assert 'private_key' not in keypair
    assert keypair['public_key'] == PUBLIC_KEY
    assert keypair['fingerprint'] == \
        fake_registry.fingerprint(PUBLIC_KEY)


def test_import_invalid_key_is_400(call):
    resp = _create(call, {'keypair': {'name': 'k', 'public_key': 'junk'}})
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'Keypair data is invalid: failed to generate fingerprint'


def test_unsafe_name_is_400(call):
    resp = _create(call, {'keypair': {'name': 'k/1'}})
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'] == \
        'Keypair data is invalid: Keypair name contains unsafe characters'


def test_duplicate_is_409(call):
    _create(call, {'keypair': {'name': 'k1'}})
    resp = _create(call, {'keypair': {'name': 'k1'}})
    assert resp.status_int == 409
    assert resp.json == {'conflictingRequest': {
        'code': 409, 'message': "Key pair 'k1' already exists."}}


def test_same_name_for_another_user(call):
    _create(call, {'keypair': {'name': 'k1'}})
    assert _create(call, {'keypair': {'name': 'k1'}},
                   token=OTHER).status_int == 200


@pytest.mark.parametrize('body, field', [
    ({'keypair': {}}, 'keypair'),
    ({'keypair': {'name': ''}}, 'name'),
    ({'keypair': {'name': 'k', 'type': 'x509'}}, 'keypair'),
    ({'keypair': {'name': 'k', 'public_key': 5}}, 'public_key'),
])
def test_create_schema(call, body, field):
    resp = _create(call, body)
    assert resp.status_int == 400
    assert resp.json['badRequest']['message'].startswith(
        f'Invalid input for field/attribute {field}.')


def test_index_lists_own_keypairs(call):
    _create(call, {'keypair': {'name': 'k1'}})
    _create(call, {'keypair': {'name': 'k2', 'public_key': PUBLIC_KEY}})
    _create(call, {'keypair': {'name': 'theirs'}}, token=OTHER)
    resp = call('GET', '/v2.1/os-keypairs')
    assert resp.status_int == 200
    keypairs = resp.json['keypairs']
    assert [kp['keypair']['name'] for kp in keypairs] == ['k1', 'k2']
    assert set(keypairs[1]['keypair']) == {'name', 'public_key',
                                           'fingerprint'}


def test_show(call):
    _create(call, {'keypair': {'name': 'k2', 'public_key': PUBLIC_KEY}})
    resp = call('GET', '/v2.1/os-keypairs/k2')
    assert resp.status_int == 200
    keypair = resp.json['keypair']
    assert keypair == {
        'name': 'k2', 'public_key': PUBLIC_KEY,
        'fingerprint': fake_registry.fingerprint(PUBLIC_KEY),
        'user_id': 'alice', 'id': 1,
        'created_at': '2024-01-31T12:00:01.000000', 'updated_at': None,
        'deleted': False, 'deleted_at': None}


def test_show_unknown_is_404(call):
    resp = call('GET', '/v2.1/os-keypairs/nope')
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Keypair nope not found for user alice'


def test_other_users_keypair_is_invisible(call):
    _create(call, {'keypair': {'name': 'k1'}})
    assert call('GET', '/v2.1/os-keypairs/k1', token=OTHER).status_int == \
        404
    assert call('DELETE', '/v2.1/os-keypairs/k1',
                token=OTHER).status_int == 404


def test_delete(call, compute):
    _create(call, {'keypair': {'name': 'k1'}})
    resp = call('DELETE', '/v2.1/os-keypairs/k1')
    assert resp.status_int == 202
    assert compute.keypairs == {}
    assert call('DELETE', '/v2.1/os-keypairs/k1').status_int == 404


def test_admin_manages_own_keypairs(call):
    assert _create(call, {'keypair': {'name': 'k1'}},
                   token=ADMIN).json['keypair']['user_id'] == 'admin'


def test_keypair_policy_is_per_user(conf, compute, tmp_path):
    app = app_with_policy(conf, compute, tmp_path,
                           '"os_compute_api:os-keypairs:create": '
                           '"user_id:bob"\n')
    assert request(app, 'POST', '/v2.1/os-keypairs',
                   {'keypair': {'name': 'k'}}).status_int == 403
    assert request(app, 'POST', '/v2.1/os-keypairs',
                   {'keypair': {'name': 'k'}}, token=OTHER).status_int == 200


# -- key_name on server create ---------------------------------------------


def _server(**kwargs):
    server = {'name': 'vm', 'imageRef': fakes.IMAGE, 'flavorRef': '1'}
    server.update(kwargs)
    return {'server': server}


def test_server_create_with_key_name(call, compute):
    _create(call, {'keypair': {'name': 'k1'}})
    resp = call('POST', '/v2.1/servers', _server(key_name='k1'))
    assert resp.status_int == 202
    server_id = resp.json['server']['id']
    shown = call('GET', f'/v2.1/servers/{server_id}').json['server']
    assert shown['key_name'] == 'k1'


def test_server_create_with_unknown_key_is_400(call, compute):
    _create(call, {'keypair': {'name': 'k1'}}, token=OTHER)
    resp = call('POST', '/v2.1/servers', _server(key_name='k1'))
    assert resp.status_int == 400
    assert resp.json == {'badRequest': {
        'code': 400, 'message': 'Invalid key_name provided.'}}
    assert compute.instances == {}
