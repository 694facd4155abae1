"""A tiny JSON client for the REST API of a running tree."""

from __future__ import annotations

import json
from typing import Any
import urllib.error
import urllib.request

from nova.tools import inproc_tree
from nova.tools.polling import wait_for

ADMIN = 'admin:admin'
IMAGE = '8b1c7e6e-2c65-4c59-9e3a-0b8fd6d6b0a1'


def api_tree(tree: Any) -> Any:
    """Wait for the children to report; remember the API endpoint."""
    tree.wait_for_capacities('api', [
        name for name, (_, parents) in tree.spec.items()
        if 'api' in parents])
    port = tree.service('api', 'api').server.port
    tree.endpoint = 'http://127.0.0.1:%d/v2.1' % port
    return tree


def request(tree: Any, method: str, path: str, body: Any = None,
            token: str = 'demo:demo', raw: bytes | None = None,
            headers: dict[str, str] | None = None
            ) -> tuple[int, Any]:
    """``(status, decoded JSON body or None)``."""
    status, decoded, _ = request_with_headers(tree, method, path, body,
                                              token, raw, headers)
    return status, decoded


def request_with_headers(tree: Any, method: str, path: str,
                         body: Any = None, token: str = 'demo:demo',
                         raw: bytes | None = None,
                         headers: dict[str, str] | None = None
                         ) -> tuple[int, Any, Any]:
    """``(status, decoded JSON body or None, response headers)``."""
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(tree.endpoint + path, data=data,
                                 method=method)
    req.add_header('X-Auth-Token', token)
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            payload = resp.read()
            return (resp.status, json.loads(payload) if payload else None,
                    resp.headers)
    except urllib.error.HTTPError as error:
        payload = error.read()
        return (error.code, json.loads(payload) if payload else None,
                error.headers)


def boot(tree: Any, name: str = 'vm', token: str = 'demo:demo',
         flavor: str = '1', **server: Any) -> tuple[int, Any]:
    body = {'server': dict({'name': name, 'imageRef': IMAGE,
                            'flavorRef': flavor}, **server)}
    return request(tree, 'POST', '/servers', body, token=token)


def running_tree(tmpdir: str, cells: Any = None) -> Any:
    """Start an in-process tree (two child cells by default) with its
    API service; a generator for a fixture: yields it, stops it after."""
    tree = inproc_tree.Tree(tmpdir, cells or inproc_tree.TWO_CHILDREN)
    tree.start()
    try:
        api_tree(tree)
        yield tree
    finally:
        tree.stop()


def server(tree: Any, server_id: str, token: str) -> dict[str, Any]:
    """The server as ``token`` sees it (asserts a 200)."""
    code, body = request(tree, 'GET', '/servers/' + server_id, token=token)
    assert code == 200, body
    return body['server']


def settled(tree: Any, server_id: str, status: str, token: str
            ) -> dict[str, Any]:
    """Wait until the server shows ``status`` with no task; return it."""
    def reached() -> dict[str, Any] | None:
        shown = server(tree, server_id, token)
        return shown if (shown['status'] == status
                         and shown['OS-EXT-STS:task_state'] is None) \
            else None
    return wait_for(reached, 15, what=lambda: 'status %s (now %s)' % (
        status, server(tree, server_id, token)['status']))
