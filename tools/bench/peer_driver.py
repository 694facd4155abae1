"""The peer workload, run INSIDE the peer's virtualenv (OpenStack Nova,
cells v2, from PyPI) by :mod:`bench.peer`; never imported by this
project's code, and it imports nothing of this project.

It is one of Nova's own functional tests (``_IntegratedTestBase``: the
API through wsgi-intercept, conductor, scheduler, placement and the
computes in one process, the ``fake.FakeDriver``), with one cells v2
cell (besides cell0) holding ``BENCH_PEER_COMPUTES`` compute services,
unlimited quotas and casts left asynchronous.  One cell, because the
harness points a global database connection at one cell at a time and
gives up ("generator didn't yield") when threads of several cells race
for it.  For each N it POSTs N servers one after another, notes when each
``instance.create.end`` notification (sent right after the instance is
saved ACTIVE in its cell's database, which the API reads) goes out, then
times ``GET /servers/detail`` a few times.  The results go as JSON to the
file named by ``BENCH_PEER_OUT``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import unittest

SIZES = json.loads(os.environ.get('BENCH_PEER_SIZES', '[10]'))
OUT = os.environ.get('BENCH_PEER_OUT', 'peer-result.json')
BUDGET = float(os.environ.get('BENCH_PEER_BUDGET', '900'))
LIST_REPEATS = 3
CELLS = 1
# As many compute hosts as our tree has hypervisor nodes (bench.peer
# passes it).  With a few, every claim gets slower as servers pile up:
# the resource tracker's _update_to_placement reads the allocations of
# every consumer on the host from placement, one GET each.
COMPUTES = int(os.environ.get('BENCH_PEER_COMPUTES', '3'))

EVENTS: dict[str, tuple[str, float]] = {}


def _hook_notifications() -> None:
    # OpenStack Nova's own test fixtures, in the peer's virtualenv (this
    # project's nova is not there).
    from nova.tests.fixtures import notifications
    cls = notifications.FakeVersionedNotifier
    original = cls._notify

    def _notify(self, priority, ctxt, event_type, payload):  # type: ignore[no-untyped-def]
        if event_type in ('instance.create.end', 'instance.create.error'):
            data = payload.get('nova_object.data', {}) if isinstance(
                payload, dict) else {}
            uuid = data.get('uuid')
            # A build that fails on one host (create.error) may be
            # rescheduled and end ACTIVE (create.end) on another.
            if uuid and EVENTS.get(uuid, ('',))[0] != 'instance.create.end':
                EVENTS[uuid] = (event_type, time.monotonic())
        return original(self, priority, ctxt, event_type, payload)

    cls._notify = _notify


def _test_case() -> type:
    # OpenStack Nova's functional-test base, as above.
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
            results = {'sizes': SIZES, 'bursts': {}}
            image = self.api.get_images()[0]['id']
            flavor = self.api.get_flavors()[0]['id']
            for n in SIZES:
                results['bursts'][str(n)] = self._burst(n, image, flavor)
                _write(results)
            _write(results)

        def _burst(self, n: int, image: str, flavor: str) -> dict:
            # BUDGET is per burst (bench.peer waits BUDGET per size).
            deadline = time.monotonic() + BUDGET
            posted = {}
            for i in range(n):
                t0 = time.monotonic()
                body = self._build_server(name=f'peer-{n}-{i}',
                                          image_uuid=image,
                                          flavor_id=flavor)
                server = self.api.post_server({'server': body})
                posted[server['id']] = t0
            while (time.monotonic() < deadline
                   and not all(sid in EVENTS for sid in posted)):
                time.sleep(0.05)
            done = {s: EVENTS[s] for s in posted if s in EVENTS}
            active = {s: t for s, (kind, t) in done.items()
                      if kind == 'instance.create.end'}
            first = min(posted.values())
            last = max(active.values()) if active else first
            lists = []
            count = 0
            for _ in range(LIST_REPEATS):
                t0 = time.monotonic()
                count = len(self.api.get_servers(detail=True))
                lists.append(time.monotonic() - t0)
            statuses: dict[str, int] = {}
            for server in self.api.get_servers(detail=True):
                if server['id'] in posted:
                    statuses[server['status']] = statuses.get(
                        server['status'], 0) + 1
            return {'n': n, 'active': len(active),
                    'errors': len(done) - len(active),
                    'timed_out': len(posted) - len(done),
                    'wall_seconds': last - first,
                    'servers_per_s': (len(active) / (last - first)
                                      if last > first else None),
                    'time_to_active': [t - posted[s]
                                       for s, t in active.items()],
                    'detail_list_seconds': lists,
                    'servers_listed': count, 'api_statuses': statuses}

    return PeerBench


def _write(results: dict) -> None:
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(results, f)
    os.replace(tmp, OUT)


def main() -> int:
    _hook_notifications()
    case = _test_case()
    suite = unittest.TestSuite([case('test_bench')])
    result = unittest.TextTestRunner(stream=sys.stderr,
                                     verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
