"""The peer's side of benchmark 6, run INSIDE the peer's virtualenv
(OpenStack Nova, cells v2, from PyPI) by :mod:`bench.peer`; never
imported by this project's code, and it imports nothing of this project.

It is one of Nova's own functional tests (``_IntegratedTestBase``:
conductor, scheduler, placement and the computes in one process, the
``fake.FakeDriver``), with one cells v2 cell (besides cell0) holding
``BENCH_PEER_COMPUTES`` compute services, unlimited quotas and casts
left asynchronous.  One cell, because the harness points a global
database connection at one cell at a time and gives up ("generator
didn't yield") when threads of several cells race for it.

Once the harness has set the services up, the test serves the very
nova-api WSGI app its fixture loaded on a real local HTTP port (the
eventlet WSGI server nova-api itself ran on for years, HTTP/1.1 with
keep-alive; the harness has eventlet patched in), writes that port to
``BENCH_PEER_PORT_FILE`` and serves until ``BENCH_PEER_STOP_FILE``
appears (or ``BENCH_PEER_BUDGET`` seconds pass).  The benchmark drives
it with the same client code as our tree (:mod:`bench.clients`).  The
harness takes the caller from ``X-Auth-User``/``X-Auth-Project-Id``/
``X-Roles`` headers; the server fills them in from a noauth2-style
``X-Auth-Token: user:project``, the token our client sends.
"""

from __future__ import annotations

import json
import os
import sys
import time
import unittest

PORT_FILE = os.environ.get('BENCH_PEER_PORT_FILE', 'peer-port')
STOP_FILE = os.environ.get('BENCH_PEER_STOP_FILE', 'peer-stop')
OUT = os.environ.get('BENCH_PEER_OUT', 'peer-result.json')
BUDGET = float(os.environ.get('BENCH_PEER_BUDGET', '900'))
CELLS = 1
# As many compute hosts as our tree has hypervisor nodes (bench.peer
# passes it).  With a few, every claim gets slower as servers pile up:
# the resource tracker's _update_to_placement reads the allocations of
# every consumer on the host from placement, one GET each.
COMPUTES = int(os.environ.get('BENCH_PEER_COMPUTES', '3'))


def with_token_auth(app):  # type: ignore[no-untyped-def]
    """``app`` with the harness's identity headers filled in from a
    noauth2 token ``user:project`` (an ``admin`` user is an admin)."""
    def serve(environ, start_response):  # type: ignore[no-untyped-def]
        token = environ.get('HTTP_X_AUTH_TOKEN', 'admin:admin')
        user, _, project = token.partition(':')
        environ.setdefault('HTTP_X_AUTH_USER', user)
        environ.setdefault('HTTP_X_USER_ID', user)
        environ.setdefault('HTTP_X_AUTH_PROJECT_ID', project or user)
        environ.setdefault('HTTP_X_ROLES', 'reader,member'
                           + (',admin' if user == 'admin' else ''))
        return app(environ, start_response)
    return serve


def serve_http(app):  # type: ignore[no-untyped-def]
    """Serve ``app`` on 127.0.0.1 (a free port) in the background; the
    port."""
    import eventlet
    import eventlet.wsgi

    sock = eventlet.listen(('127.0.0.1', 0))
    eventlet.spawn(eventlet.wsgi.server, sock, app, log_output=False,
                   max_size=256, keepalive=True)
    return sock.getsockname()[1]


def _test_case() -> type:
    # OpenStack Nova's functional-test base (in the peer's virtualenv:
    # this project's nova is not there).
    from nova.tests.functional import integrated_helpers

    class PeerBench(integrated_helpers._IntegratedTestBase):
        ADMIN_API = True
        CAST_AS_CALL = False
        NUMBER_OF_CELLS = CELLS

        def setUp(self) -> None:
            self.flags(compute_driver='fake.FakeDriver')
            super().setUp()
            self.flags(instances=-1, cores=-1, ram=-1, group='quota')

        def _setup_services(self) -> None:
            # A wheel installs api-paste.ini under <venv>/etc/nova, not
            # next to the package where the test fixtures look for it.
            paste = os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini')
            if os.path.exists(paste):
                self.flags(api_paste_config=paste, group='wsgi')
            super()._setup_services()

        def _setup_compute_service(self):  # type: ignore[no-untyped-def]
            first = None
            for i in range(1, COMPUTES + 1):
                compute = self._start_compute(f'host{i}',
                                              cell_name='cell1')
                first = first or compute
            return first

        def test_bench(self) -> None:
            # The harness turns SQLAlchemy's deprecation warnings from
            # nova into errors, for Nova's own tests; a deployed Nova
            # only logs them, and a listing past its first page of 1,000
            # servers raised one (a 500) with the SQLAlchemy installed.
            import warnings

            from sqlalchemy import exc as sqla_exc
            warnings.filterwarnings('ignore',
                                    category=sqla_exc.SADeprecationWarning)
            port = serve_http(with_token_auth(self.api_fixture.app()))
            tmp = PORT_FILE + '.tmp'
            with open(tmp, 'w') as f:
                f.write(str(port))
            os.replace(tmp, PORT_FILE)
            began = time.monotonic()
            while (not os.path.exists(STOP_FILE)
                   and time.monotonic() - began < BUDGET):
                time.sleep(0.2)
            _write({'port': port, 'served_seconds':
                    time.monotonic() - began,
                    'stopped': os.path.exists(STOP_FILE)})

    return PeerBench


def _write(results: dict) -> None:
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(results, f)
    os.replace(tmp, OUT)


def main() -> int:
    case = _test_case()
    suite = unittest.TestSuite([case('test_bench')])
    result = unittest.TextTestRunner(stream=sys.stderr,
                                     verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
