"""Fixtures of the API tests: a config, the fake compute API, the app."""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import Any

import pytest
import webob

from nova.api import policy
from nova.api import wsgi_app
from nova.tests.unit.api import fakes
from nova.tests.unit.api.fake_hosts import FakeHostAPI

MEMBER = 'alice:proj1'
OTHER = 'bob:proj2'
ADMIN = 'admin:admin'


@pytest.fixture
def compute() -> fakes.FakeComputeAPI:
    return fakes.FakeComputeAPI()


@pytest.fixture
def app(conf, compute):
    return wsgi_app.load_app(conf, compute)


def request(app: Any, method: str, path: str, body: Any = None,
            token: str | None = MEMBER,
            headers: dict[str, str] | None = None,
            raw: bytes | None = None) -> webob.Response:
    req = webob.Request.blank(path, method=method)
    if token is not None:
        req.headers['X-Auth-Token'] = token
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    if raw is not None:
        req.body = raw
    for name, value in (headers or {}).items():
        req.headers[name] = value
    return req.get_response(app)


@pytest.fixture
def call(app) -> Callable[..., webob.Response]:
    def _call(method: str, path: str, body: Any = None, **kwargs: Any
              ) -> webob.Response:
        return request(app, method, path, body, **kwargs)
    return _call


def app_with_policy(conf: Any, compute: fakes.FakeComputeAPI,
                    tmp_path: Any, text: str) -> Any:
    """An app whose policy file holds ``text``."""
    path = tmp_path / 'policy.yaml'
    path.write_text(text)
    policy.register_opts(conf)
    conf.set_override('policy_file', str(path), group='oslo_policy')
    return wsgi_app.load_app(conf, compute)


def at(version: str) -> dict[str, str]:
    return {'OpenStack-API-Version': f'compute {version}'}


@pytest.fixture
def v(app):
    """``v(version, method, path, body=None, token=MEMBER)``."""
    def _call(version: str, method: str, path: str, body: Any = None,
              token: str = MEMBER) -> Any:
        return request(app, method, '/v2.1' + path, body, token=token,
                       headers=at(version))
    return _call


@pytest.fixture
def hosts(compute) -> FakeHostAPI:
    compute.host_api = FakeHostAPI()
    return compute.host_api
