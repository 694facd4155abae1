"""Deeply nested and huge request bodies get a 4xx, never a 500 (issue 17,
item 7)."""

from __future__ import annotations

import io
import json

import pytest
import webob

from nova.api import wsgi
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import request

CONTENT_TYPES = [None, 'application/json',
                 'application/vnd.openstack.compute+json', 'text/plain']
WRITES = [('POST', '/v2.1/servers'), ('PUT', '/v2.1/servers/abc'),
          ('POST', '/v2.1/servers/abc/action'),
          ('POST', '/v2.1/os-keypairs'),
          ('PUT', '/v2.1/os-quota-sets/project-a')]


def _deep_but_parseable(depth: int) -> bytes:
    # Parseable by the decoder, and a valid-looking server body whose
    # "metadata" a recursive validator would walk.
    inner = '[' * depth + ']' * depth
    return ('{"server": {"name": "vm", "flavorRef": "1", "metadata": '
            '{"k": %s}}}' % inner).encode()


BODIES = {
    'unclosed lists': b'[' * 2000,
    'unclosed objects': b'{"a":' * 2000,
    'closed lists': b'[' * 5000 + b']' * 5000,
    'deep but parseable': _deep_but_parseable(900),
    'just too deep': _deep_but_parseable(wsgi.MAX_BODY_DEPTH),
}


def _send(app, method, path, raw, content_type):
    headers = {'Content-Type': content_type} if content_type else {}
    return request(app, method, path, raw=raw, token=ADMIN, headers=headers)


@pytest.mark.parametrize('content_type', CONTENT_TYPES)
@pytest.mark.parametrize('name', sorted(BODIES))
@pytest.mark.parametrize('method,path', WRITES)
def test_a_deeply_nested_body_is_a_400(app, compute, method, path, name,
                                       content_type):
    resp = _send(app, method, path, BODIES[name], content_type)
    assert resp.status_int == 400, resp.text
    fault = resp.json['badRequest']
    assert fault['code'] == 400
    assert 'nested more than' in fault['message']


def test_a_body_of_ordinary_depth_is_still_read(app, compute):
    body = json.loads(_deep_but_parseable(3))
    resp = request(app, 'POST', '/v2.1/servers', body, token=ADMIN)
    # Refused by the schema (metadata values are strings), not the parser.
    assert resp.status_int == 400
    assert 'nested' not in resp.json['badRequest']['message']


def test_a_body_over_the_size_limit_is_a_413(app, conf):
    limit = conf.oslo_middleware.max_request_body_size
    assert limit == 114688      # Nova's default
    raw = json.dumps({'server': {'name': 'x' * limit}}).encode()
    resp = _send(app, 'POST', '/v2.1/servers', raw, 'application/json')
    assert resp.status_int == 413
    assert resp.json['overLimit']['code'] == 413


def test_a_chunked_body_over_the_size_limit_is_a_413(app, conf):
    limit = conf.oslo_middleware.max_request_body_size
    req = webob.Request.blank('/v2.1/servers', method='POST')
    req.headers['X-Auth-Token'] = ADMIN
    req.content_type = 'application/json'
    # No Content-Length: the length is unknown until it has been read.
    req.environ['wsgi.input'] = io.BytesIO(b'[' * (limit + 10))
    req.environ.pop('CONTENT_LENGTH', None)
    req.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
    # What a WSGI server sets for a chunked body it can read to the end.
    req.environ['wsgi.input_terminated'] = True
    req.is_body_seekable = False
    resp = req.get_response(app)
    assert resp.status_int == 413
    assert resp.json['overLimit']['code'] == 413
