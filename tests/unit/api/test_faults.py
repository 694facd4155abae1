"""faultwrap: every error becomes Nova's JSON fault body."""

from __future__ import annotations

import pytest

from nova import exception
from nova.api import errors
from nova.api import faults


class _Boom(Exception):
    pass


def _fail_with(compute, exc):
    def _raise(*args, **kwargs):
        raise exc
    compute.flavor_get_all = _raise


def test_unexpected_error_is_generic_500(call, compute, caplog):
    _fail_with(compute, _Boom('db password is hunter2'))
    resp = call('GET', '/v2.1/flavors')
    assert resp.status_int == 500
    assert resp.json == {'computeFault': {
        'code': 500, 'message': faults.GENERIC_ERROR}}
    assert 'hunter2' not in resp.text
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'
    assert any(r.exc_info for r in caplog.records)


def test_internal_nova_exception_hides_its_message(call, compute):
    _fail_with(compute, exception.NoValidHost(reason='secret topology'))
    resp = call('GET', '/v2.1/flavors')
    assert resp.status_int == 500
    assert 'secret' not in resp.text


@pytest.mark.parametrize('exc, name, code', [
    (exception.NotSupported(reason='Not in this cell.'), 'notImplemented',
     501),
    (exception.ServiceUnavailable(reason='cells down'),
     'serviceUnavailable', 503),
    (exception.Forbidden(), 'forbidden', 403),
    (exception.Conflict(), 'conflictingRequest', 409),
    (exception.Invalid(reason='nope'), 'badRequest', 400),
    (exception.CellTimeout(), 'computeFault', 500),
])
def test_nova_exceptions_keep_their_code(call, compute, exc, name, code):
    _fail_with(compute, exc)
    resp = call('GET', '/v2.1/flavors')
    assert resp.status_int == code
    assert list(resp.json) == [name]
    assert resp.json[name]['code'] == code
    if code != 500:
        assert resp.json[name]['message'] == exc.format_message()


def test_unknown_path_is_404(call):
    resp = call('GET', '/v2.1/nothing/here')
    assert resp.status_int == 404
    assert resp.json == {'itemNotFound': {
        'code': 404, 'message': 'The resource could not be found.'}}


def test_wrong_method_is_405(call):
    resp = call('PUT', '/v2.1/servers')
    assert resp.status_int == 405
    assert resp.json['badMethod']['code'] == 405
    assert set(resp.headers['Allow'].split(', ')) == {'GET', 'POST'}


def test_a_trailing_slash_names_an_empty_id_as_in_nova(call):
    # tempest: DELETE /images/ and GET /os-simple-tenant-usage/ are 404s,
    # not the collection's answer nor a 405.
    assert call('GET', '/v2.1/flavors/').status_int == 404
    assert call('DELETE', '/v2.1/images/').status_int == 404
    assert call('GET', '/v2.1/flavors').status_int == 200


def test_get_with_json_content_type_is_fine(call):
    resp = call('GET', '/v2.1/flavors',
                headers={'Content-Type': 'application/json'})
    assert resp.status_int == 200
    resp = call('GET', '/v2.1/flavors', headers={'Content-Type': 'text/plain'})
    assert resp.status_int == 200


def test_get_with_unsupported_content_type_is_415(call):
    resp = call('GET', '/v2.1/flavors',
                headers={'Content-Type': 'application/xml'})
    assert resp.status_int == 415


def test_over_limit_body_has_retry_after():
    resp = faults.fault_response(413, 'Slow down', headers={
        'Retry-After': '30'})
    assert resp.json == {'overLimit': {'code': 413, 'message': 'Slow down',
                                       'retryAfter': '30'}}
    assert resp.headers['Retry-After'] == '30'


@pytest.mark.parametrize('code, name', [
    (400, 'badRequest'), (401, 'unauthorized'), (403, 'forbidden'),
    (404, 'itemNotFound'), (405, 'badMethod'),
    (409, 'conflictingRequest'), (413, 'overLimit'), (415, 'badMediaType'),
    (429, 'overLimit'), (500, 'computeFault'), (501, 'notImplemented'),
    (503, 'serviceUnavailable'), (406, 'computeFault'),
])
def test_fault_names(code, name):
    assert errors.fault_name(code) == name
