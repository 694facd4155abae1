"""noauth2, the keystone context filter, the pipeline and request IDs."""

from __future__ import annotations

import pytest
import webob

from nova.api import auth
from nova.api import deps as api_deps
from nova.api import policy
from nova.api import request_id
from nova.api import wsgi
from nova.api import wsgi_app


def _context_of(compute):
    return compute.last_call('get_all')['context']


def test_missing_token_is_401(call):
    resp = call('GET', '/v2.1/servers', token=None)
    assert resp.status_int == 401
    assert resp.json == {'unauthorized': {
        'code': 401, 'message': 'Authentication required.'}}


def test_empty_user_is_401(call):
    assert call('GET', '/v2.1/servers', token=':proj').status_int == 401


def test_token_names_user_and_project(call, compute):
    assert call('GET', '/v2.1/servers', token='alice:proj1').status_int \
        == 200
    ctxt = _context_of(compute)
    assert (ctxt.user_id, ctxt.project_id) == ('alice', 'proj1')
    assert not ctxt.is_admin
    assert 'admin' not in ctxt.roles


def test_token_without_project_uses_user(call, compute):
    call('GET', '/v2.1/servers', token='carol')
    assert _context_of(compute).project_id == 'carol'


def test_token_without_project_uses_project_header(call, compute):
    call('GET', '/v2.1/servers', token='carol',
         headers={'X-Auth-Project-Id': 'projX'})
    assert _context_of(compute).project_id == 'projX'


def test_admin_user_is_admin(call, compute):
    call('GET', '/v2.1/servers', token='admin:admin')
    ctxt = _context_of(compute)
    assert ctxt.is_admin
    assert 'admin' in ctxt.roles


def test_request_id_headers(call, compute):
    resp = call('GET', '/v2.1/servers')
    rid = resp.headers['X-OpenStack-Request-ID']
    assert rid.startswith('req-')
    assert resp.headers['X-Compute-Request-ID'] == rid
    assert _context_of(compute).request_id == rid


def test_request_id_on_errors_and_versions(call):
    assert call('GET', '/v2.1/servers', token=None).headers[
        'X-OpenStack-Request-ID'].startswith('req-')
    assert call('GET', '/', token=None).headers[
        'X-OpenStack-Request-ID'].startswith('req-')


def test_inbound_request_id_becomes_global(call, compute):
    inbound = request_id.new_request_id()
    resp = call('GET', '/v2.1/servers',
                headers={'X-OpenStack-Request-ID': inbound})
    ctxt = _context_of(compute)
    assert ctxt.global_request_id == inbound
    assert resp.headers['X-OpenStack-Request-ID'] != inbound


def test_malformed_inbound_request_id_is_ignored(call, compute):
    call('GET', '/v2.1/servers',
         headers={'X-OpenStack-Request-ID': 'evil\nvalue'})
    assert _context_of(compute).global_request_id is None


class _Loader:
    """Stands in for paste's loader: records what the pipeline asks for."""

    def __init__(self):
        self.calls = []

    def get_app(self, name):
        self.calls.append(name)
        return [name]

    def get_filter(self, name):
        self.calls.append(name)
        return lambda app: [name] + app


_PIPELINES = {
    'noauth2': 'request_id faultwrap noauth2 osapi_compute_app_v21',
    'keystone': 'request_id faultwrap authtoken keystonecontext '
                'osapi_compute_app_v21',
}


def _deps(conf, compute=None):
    return api_deps.ApiDeps(conf=conf, compute_api=compute,
                            enforcer=policy.new_enforcer(conf))


def test_pipeline_follows_auth_strategy(conf):
    for strategy, pipeline in _PIPELINES.items():
        conf.set_override('auth_strategy', strategy, group='api')
        loader = _Loader()
        with api_deps.registered(_deps(conf)) as token:
            app = auth.pipeline_factory_v21(
                loader, {api_deps.GLOBAL_CONF_KEY: token}, **_PIPELINES)
        assert app == pipeline.split()


def test_keystone_context_from_headers(conf):
    seen = {}

    def inner(environ, start_response):
        seen['ctxt'] = environ[wsgi.CONTEXT_KEY]
        return webob.Response(status=204)(environ, start_response)

    app = auth.NovaKeystoneContext(inner, _deps(conf))
    req = webob.Request.blank('/')
    req.headers.update({'X-Identity-Status': 'Confirmed',
                        'X-User-Id': 'u1', 'X-Project-Id': 'p1',
                        'X-Roles': 'member, admin',
                        'X-Auth-Token': 'tok'})
    req.environ[request_id.ENV_REQUEST_ID] = 'req-1'
    assert req.get_response(app).status_int == 204
    ctxt = seen['ctxt']
    assert (ctxt.user_id, ctxt.project_id) == ('u1', 'p1')
    assert ctxt.roles == ['member', 'admin']
    assert ctxt.is_admin
    assert ctxt.request_id == 'req-1'


def test_keystone_context_refuses_unconfirmed(conf):
    app = auth.NovaKeystoneContext(lambda e, s: [], _deps(conf))
    for headers in ({'X-Identity-Status': 'Invalid', 'X-User-Id': 'u'},
                    {'X-Project-Id': 'p'}):
        req = webob.Request.blank('/', headers=headers)
        try:
            req.get_response(app)
        except Exception as exc:  # noqa: BLE001 - faultwrap's job
            assert getattr(exc, 'code', None) == 401
        else:
            raise AssertionError('expected a 401 error')


def test_keystone_strategy_loads_authtoken(conf):
    conf.set_override('auth_strategy', 'keystone', group='api')
    try:
        import keystonemiddleware  # noqa: F401
    except ImportError:
        # Only the keystone strategy needs keystonemiddleware, and says so.
        with pytest.raises(ImportError, match='keystonemiddleware'):
            wsgi_app.load_app(conf, None)
    else:
        assert wsgi_app.load_app(conf, None) is not None
