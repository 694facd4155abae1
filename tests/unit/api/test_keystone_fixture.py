"""The keystone pipeline with keystonemiddleware's own test fixture.

``AuthTokenFixture`` replaces the token validation of ``auth_token``: the
tokens it knows are valid, any other is refused, and the rest of the
pipeline (the identity headers, NovaKeystoneContext, policy) runs as in
production.
"""

from __future__ import annotations

import uuid

import pytest

from nova.api import wsgi_app
from nova.tests.unit.api.conftest import request

fixture_mod = pytest.importorskip('keystonemiddleware.fixture')


@pytest.fixture
def tokens():
    auth = fixture_mod.AuthTokenFixture()
    auth.setUp()
    yield auth
    auth.cleanUp()


@pytest.fixture
def ks_app(conf, compute, tokens):
    from keystonemiddleware import auth_token
    conf.set_override('auth_strategy', 'keystone', group='api')
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override('www_authenticate_uri', 'http://keystone.test/v3',
                      group='keystone_authtoken')
    return wsgi_app.load_app(conf, compute)


def _token(tokens, user, project, roles):
    token_id = uuid.uuid4().hex
    tokens.add_token_data(token_id=token_id, user_id=user, user_name=user,
                          project_id=project, project_name=project,
                          role_list=roles)
    return token_id


def test_only_known_tokens_pass(ks_app, tokens, compute):
    for token in (None, 'unknown', 'alice:proj1'):
        resp = request(ks_app, 'GET', '/v2.1/servers', token=token)
        assert resp.status_int == 401
        assert resp.headers['WWW-Authenticate'] == \
            'Keystone uri="http://keystone.test/v3"'
    alice = _token(tokens, 'alice', 'proj1', ['member'])
    resp = request(ks_app, 'GET', '/v2.1/servers', token=alice)
    assert resp.status_int == 200
    ctxt = compute.last_call('get_all')['context']
    assert (ctxt.user_id, ctxt.project_id, ctxt.is_admin) == (
        'alice', 'proj1', False)
    # Discovery needs no token.
    assert request(ks_app, 'GET', '/v2.1', token=None).status_int == 200


def test_projects_and_roles_come_from_the_token(ks_app, tokens, compute):
    theirs = compute.add_instance(project_id='proj2')
    mine = compute.add_instance(project_id='proj1')
    alice = _token(tokens, 'alice', 'proj1', ['member'])
    boss = _token(tokens, 'boss', 'adminproj', ['admin'])
    assert request(ks_app, 'GET', f'/v2.1/servers/{theirs.uuid}',
                   token=alice).status_int == 404
    assert request(ks_app, 'GET', f'/v2.1/servers/{mine.uuid}',
                   token=alice).status_int == 200
    assert request(ks_app, 'GET', '/v2.1/servers?all_tenants=1',
                   token=alice).status_int == 403
    resp = request(ks_app, 'GET', '/v2.1/servers?all_tenants=1', token=boss)
    assert {s['id'] for s in resp.json['servers']} == {theirs.uuid,
                                                      mine.uuid}
    assert compute.last_call('get_all')['context'].is_admin
