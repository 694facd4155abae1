"""bench.clients, the one client both systems of the boot benchmarks get:
against a small fake nova-api on a local port (servers turn ACTIVE on
their second listing)."""

import http.server
import json
import threading
import uuid

import pytest

from nova.tools.bench import clients
from nova.tools.bench import common


class FakeNova(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(('127.0.0.1', 0), Handler)
        self.lock = threading.Lock()
        self.servers = {}           # id -> times listed
        self.bodies = []
        self.connections = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _send(self, status, body):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        nova = self.server
        nova.connections.add(self.client_address)
        if self.path == '/v2.1/images':
            return self._send(200, {'images': [{'id': 'img-1'}]})
        if self.path == '/v2.1/flavors':
            return self._send(200, {'flavors': [{'id': '2'}, {'id': '1'}]})
        if self.path.startswith('/v2.1/servers?status=ACTIVE'):
            with nova.lock:
                for sid in nova.servers:
                    nova.servers[sid] += 1
                active = [{'id': s} for s, n in nova.servers.items()
                          if n >= 2]
            return self._send(200, {'servers': active})
        if self.path.startswith('/v2.1/servers?status=ERROR'):
            return self._send(200, {'servers': []})
        self._send(404, {})

    def do_POST(self):
        nova = self.server
        nova.connections.add(self.client_address)
        body = json.loads(self.rfile.read(
            int(self.headers['Content-Length'])))
        sid = str(uuid.uuid4())
        with nova.lock:
            nova.bodies.append(body)
            nova.servers[sid] = 0
        self._send(202, {'server': {'id': sid}})


@pytest.fixture
def nova():
    server = FakeNova()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def rest_of(nova):
    return common.Rest(f'http://127.0.0.1:{nova.server_address[1]}')


@pytest.mark.parametrize('concurrency', [1, 4])
def test_a_burst_posts_n_servers_and_sees_each_active(nova, concurrency):
    result = clients.boot_burst(rest_of(nova), 10, concurrency, 'b', 30.0)
    assert result['active'] == 10 and result['stuck'] == 0
    assert result['concurrency'] == concurrency
    assert sorted(result['posted_ids']) == sorted(nova.servers)
    assert result['post_latency']['n'] == 10
    assert len(result['to_active_samples']) == 10
    assert {b['server']['name'] for b in nova.bodies} == {
        f'b-{i}' for i in range(10)}


def test_the_first_image_and_flavor_are_booted(nova):
    clients.post_servers(rest_of(nova), 2, 1, 'x')
    assert {(b['server']['imageRef'], b['server']['flavorRef'])
            for b in nova.bodies} == {('img-1', '1')}


def test_sequential_posts_share_one_keep_alive_connection(nova):
    clients.post_servers(rest_of(nova), 5, 1, 'k')
    assert len(nova.connections) == 1


def test_a_refused_post_raises(nova, monkeypatch):
    def refuse(self):
        self.rfile.read(int(self.headers['Content-Length']))
        self._send(403, {'forbidden': {'code': 403}})
    monkeypatch.setattr(Handler, 'do_POST', refuse)
    with pytest.raises(RuntimeError, match='403'):
        clients.post_one(rest_of(nova), 'r')
