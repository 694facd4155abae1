"""WSGIServer: a real socket, a background thread, a clean stop."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request

import pytest

from nova.api import server as api_server


def _hello(environ, start_response):
    body = json.dumps({'path': environ['PATH_INFO']}).encode()
    start_response('200 OK', [('Content-Type', 'application/json'),
                              ('Content-Length', str(len(body)))])
    return [body]


def _get(port, path='/x'):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}',
                                timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def test_serves_on_a_free_port_and_stops():
    server = api_server.WSGIServer(_hello, '127.0.0.1', 0, threads=2)
    assert isinstance(server.port, int) and server.port > 0
    server.start()
    try:
        assert _get(server.port) == (200, {'path': '/x'})
    finally:
        server.stop()
        server.wait(timeout=10)
    assert not server._thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', server.port), timeout=1)


def test_concurrent_requests_use_threads():
    barrier = threading.Barrier(3, timeout=5)

    def _wait_for_peers(environ, start_response):
        # Only answers once three requests run at the same time.
        barrier.wait()
        return _hello(environ, start_response)

    server = api_server.WSGIServer(_wait_for_peers, '127.0.0.1', 0,
                                   threads=3)
    server.start()
    results = []
    try:
        workers = [threading.Thread(
            target=lambda: results.append(_get(server.port)))
            for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(10)
    finally:
        server.stop()
        server.wait(timeout=10)
    assert len(results) == 3


def test_stop_is_prompt_with_an_idle_connection():
    server = api_server.WSGIServer(_hello, '127.0.0.1', 0, threads=1)
    server.start()
    idle = socket.create_connection(('127.0.0.1', server.port))
    try:
        server.stop()
        # The idle connection, still open, does not keep it running.
        server.wait(timeout=10)
        assert not server._thread.is_alive()
    finally:
        idle.close()


def test_stop_without_start_releases_the_port():
    server = api_server.WSGIServer(_hello, '127.0.0.1', 0)
    port = server.port
    server.stop()
    server.wait()
    again = api_server.WSGIServer(_hello, '127.0.0.1', port)
    again.stop()


def test_start_twice_is_an_error():
    server = api_server.WSGIServer(_hello, '127.0.0.1', 0)
    server.start()
    try:
        with pytest.raises(RuntimeError):
            server.start()
    finally:
        server.stop()
        server.wait(timeout=10)


def test_a_listing_sized_body_stays_in_memory(monkeypatch):
    # waitress spills a response larger than its outbuf_overflow to a
    # temporary file; a page of 1,000 detailed servers (~1.5 MiB) must
    # not take that detour.
    from waitress import buffers
    spilled = []
    newfile = buffers.TempfileBasedBuffer.newfile

    def recording(self):
        spilled.append(self)
        return newfile(self)

    monkeypatch.setattr(buffers.TempfileBasedBuffer, 'newfile', recording)
    body = b'x' * (3 * 1024 * 1024)

    def _large(environ, start_response):
        start_response('200 OK', [('Content-Length', str(len(body)))])
        return [body]

    server = api_server.WSGIServer(_large, '127.0.0.1', 0, threads=1)
    server.start()
    try:
        with urllib.request.urlopen(f'http://127.0.0.1:{server.port}/',
                                    timeout=10) as resp:
            assert resp.read() == body
    finally:
        server.stop()
        server.wait(timeout=10)
    assert spilled == []
