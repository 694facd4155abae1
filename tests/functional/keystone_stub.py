"""A local stand-in for keystone v3, for clients and keystonemiddleware.

Just enough of the identity API for a password login and for token
validation:

* ``GET /`` and ``GET /v3``: version discovery.
* ``POST /v3/auth/tokens``: password (user name in domain ``Default``) or
  token authentication, scoped to a project by name or id; answers 201
  with ``X-Subject-Token`` and a token whose catalog lists the endpoints
  given to the stub.
* ``GET``/``HEAD /v3/auth/tokens``: validation of ``X-Subject-Token``
  for a caller holding a valid ``X-Auth-Token`` (what keystonemiddleware
  does).

Project ids are the project names; user ids are the user names.
"""

from __future__ import annotations

import datetime
import http.server
import json
import threading
from typing import Any
import uuid

from keystoneauth1 import fixture as ks_fixture

DOMAIN = {'id': 'default', 'name': 'Default'}


class KeystoneStub:
    """``users``: ``{name: (password, project, [roles])}``;
    ``catalog``: ``{service_type: url}`` (the identity entry is added)."""

    def __init__(self, users: dict[str, tuple[str, str, list[str]]],
                 catalog: dict[str, str] | None = None) -> None:
        self.users = users
        self.catalog = dict(catalog or {})
        self.tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:%d' % self._server.server_address[1]

    def start(self) -> KeystoneStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- tokens ---------------------------------------------------------

    def issue(self, user: str, project: str | None = None) -> str:
        """A token for ``user`` (scoped to their project by default)."""
        _password, own_project, roles = self.users[user]
        token = ks_fixture.V3Token(
            user_id=user, user_name=user, user_domain_id=DOMAIN['id'],
            user_domain_name=DOMAIN['name'],
            project_id=project or own_project,
            project_name=project or own_project,
            project_domain_id=DOMAIN['id'],
            project_domain_name=DOMAIN['name'],
            expires=datetime.datetime.now(datetime.UTC)
            + datetime.timedelta(hours=1))
        for role in roles:
            token.add_role(name=role)
        catalog = dict(self.catalog, identity=self.url + '/v3')
        for service_type, url in sorted(catalog.items()):
            service = token.add_service(service_type)
            service.add_standard_endpoints(public=url, admin=url,
                                           internal=url, region='RegionOne')
        token_id = uuid.uuid4().hex
        self.tokens[token_id] = dict(token)
        return token_id

    def authenticate(self, body: dict[str, Any]) -> str | None:
        auth = body.get('auth', {})
        identity = auth.get('identity', {})
        user = None
        if 'password' in identity.get('methods', []):
            given = identity['password']['user']
            entry = self.users.get(given.get('name') or given.get('id'))
            if entry and entry[0] == given.get('password'):
                user = given.get('name') or given.get('id')
        elif 'token' in identity.get('methods', []):
            known = self.tokens.get(identity['token'].get('id'))
            user = known['token']['user']['id'] if known else None
        if user is None:
            return None
        project = auth.get('scope', {}).get('project', {})
        return self.issue(user, project.get('name') or project.get('id'))


def _version(url: str) -> dict[str, Any]:
    return {'id': 'v3.14', 'status': 'stable',
            'updated': '2020-04-07T00:00:00Z',
            'links': [{'rel': 'self', 'href': url + '/v3/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.identity-'
                                     'v3+json'}]}


def _handler(stub: KeystoneStub) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any = None,
                  headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b''
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split('?')[0].rstrip('/')
            stub.requests.append(('GET', path))
            if path == '':
                self._send(300, {'versions': {'values': [
                    _version(stub.url)]}})
            elif path == '/v3':
                self._send(200, {'version': _version(stub.url)})
            elif path == '/v3/auth/tokens':
                self._validate()
            else:
                self._send(404, {'error': {'code': 404}})

        do_HEAD = do_GET

        def _validate(self) -> None:
            if self.headers.get('X-Auth-Token') not in stub.tokens:
                self._send(401, {'error': {'code': 401}})
                return
            subject = stub.tokens.get(self.headers.get('X-Subject-Token'))
            if subject is None:
                self._send(404, {'error': {'code': 404}})
                return
            self._send(200, subject, {'X-Subject-Token':
                                      self.headers['X-Subject-Token']})

        def do_POST(self) -> None:
            length = int(self.headers.get('Content-Length') or 0)
            body = json.loads(self.rfile.read(length) or b'{}')
            path = self.path.split('?')[0].rstrip('/')
            stub.requests.append(('POST', path))
            if path != '/v3/auth/tokens':
                self._send(404, {'error': {'code': 404}})
                return
            token_id = stub.authenticate(body)
            if token_id is None:
                self._send(401, {'error': {'code': 401,
                                           'title': 'Unauthorized'}})
                return
            self._send(201, stub.tokens[token_id],
                       {'X-Subject-Token': token_id})
    return Handler
