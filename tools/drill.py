#!/usr/bin/env python3
"""The fault drill: no fault loses or strands a build.

Brings up a deployment of ``tools/launch`` (an API cell above two child
cells, two compute hosts each, default settings but a short
``[cells] heal_interval``) and, for each fault in turn, boots
:data:`SERVERS` servers at once (from :data:`POSTERS` threads, each its
own project, so that the default quota holds), strikes while the builds
are in flight, ends the fault (a killed daemon is started again, as a
supervisor would) and then checks:

* **final**: every server of the drill's projects, including those whose
  POST failed on the client's side, is ACTIVE, or ERROR with a fault, at
  the API; the seconds this took after the fault ended are reported, in
  heal intervals too;
* **building**: none is left in BUILD;
* **mismatches**: each ACTIVE server is live in exactly one child, the
  one the API replica names, with the same vm, task and power state and
  host (after at most two heal intervals to agree);
* **resurrections**: once every server is deleted and gone from every
  database, none comes back within two heal intervals.

The faults: SIGKILL a child's nova-cells, nova-api, a child's
nova-scheduler, one nova-compute; close the API cell's broker connections;
kill a child's database connections; make MariaDB refuse new connections
for :data:`REFUSE_SECONDS` (``SET GLOBAL max_connections`` lowered to the
connections open now, restored in a ``finally``: MariaDB is shared, keep
it short).

Command line (from the repository root)::

    .venv/bin/python tools/drill.py [--heal-interval 10] [--only kill-api]

It prints one line per fault and a table at the end; the exit status is 1
when any fault broke a promise.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Callable
import dataclasses
import pathlib
import signal
import sys
import tempfile
import threading
import time
from typing import Any
import uuid

from nova.tools import faults as fault_tools
from nova.tools import launcher

SERVERS = 60
POSTERS = 12
REFUSE_SECONDS = 10.0
# Seconds between two POSTs of one poster: the burst lasts a few seconds,
# so that the fault strikes while POSTs and builds are in flight.
POST_PACE = 0.3
# How long a killed daemon stays dead before it is started again.
DEAD_SECONDS = 3.0
# The drill's tree (tests/real/test_faults.py runs its rounds on the same
# names): an API cell above these two children.
CHILDREN = ('cell1', 'cell2')
IMAGE = '8b1c7e6e-2c65-4c59-9e3a-0b8fd6d6b0a1'
ADMIN = 'admin:admin'
FINAL = ('ACTIVE', 'ERROR')
COMPARED = ('vm_state', 'task_state', 'power_state', 'host')


# -- the REST API -------------------------------------------------------------

def request(api: str, method: str, path: str, token: str = ADMIN,
            body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """``(status, decoded body)``; status 0 when the API is unreachable."""
    return fault_tools.request(api, method, path, body, token=token)


class Burst:
    """:data:`SERVERS` POSTs from :data:`POSTERS` threads at once."""

    def __init__(self, api: str, label: str) -> None:
        self.api = api
        self.label = label
        self.projects = [f'{label}{n}' for n in range(POSTERS)]
        self.accepted: list[str] = []
        self.failed: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._post, args=(p,),
                                          daemon=True)
                         for p in self.projects]

    def _post(self, project: str) -> None:
        for n in range(SERVERS // POSTERS):
            status, body = request(
                self.api, 'POST', '/v2.1/servers', f'drill:{project}',
                {'server': {'name': f'{project}-{n}', 'flavorRef': '1',
                            'imageRef': IMAGE}})
            with self._lock:
                if status == 202:
                    self.accepted.append(body['server']['id'])
                else:
                    self.failed[status] += 1
            time.sleep(POST_PACE)

    def start(self) -> Burst:
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=300)

    def servers(self) -> dict[str, dict[str, Any]]:
        """Every server of the burst's projects (those whose POST the
        client saw fail too), by id."""
        status, body = request(self.api, 'GET',
                               '/v2.1/servers/detail?all_tenants=1')
        if status != 200:
            return {}
        return {s['id']: s for s in body['servers']
                if s['tenant_id'] in self.projects}


# -- the databases ------------------------------------------------------------

def mismatches(dep: Any, ids: list[str]) -> list[str]:
    """What disagrees between the API replica and the children."""
    return fault_tools.replica_problems(dep, ids, CHILDREN, COMPARED)[0]


def live_anywhere(dep: Any, ids: set[str]) -> set[str]:
    return {u for cell in ('api',) + CHILDREN
            for u in fault_tools.live_rows(dep, cell, ()) if u in ids}


# -- the faults ---------------------------------------------------------------

def _kill(name: str) -> Callable[[Any], None]:
    def strike(dep: Any) -> None:
        dep.kill(name, signal.SIGKILL)
        time.sleep(DEAD_SECONDS)
        dep.restart(name)
    return strike


def _cut_api_broker(dep: Any) -> None:
    fault_tools.close_broker_connections(dep.backends, dep.cell('api').vhost)


def _cut_child_db(dep: Any) -> None:
    fault_tools.kill_database_connections(dep.backends,
                                          dep.cell(CHILDREN[0]).database)


def _refuse_connections(dep: Any) -> None:
    """MariaDB refuses every new connection for REFUSE_SECONDS."""
    admin = dep.backends.connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute('SELECT @@GLOBAL.max_connections')
            limit = int(cursor.fetchone()[0])
            cursor.execute("SHOW STATUS LIKE 'Threads_connected'")
            open_now = int(cursor.fetchone()[1])
            try:
                cursor.execute('SET GLOBAL max_connections = %s',
                               (max(1, open_now - 1),))
                print(f'  MariaDB max_connections {limit} -> '
                      f'{max(1, open_now - 1)} for {REFUSE_SECONDS:.0f}s')
                time.sleep(REFUSE_SECONDS)
            finally:
                cursor.execute('SET GLOBAL max_connections = %s', (limit,))
                print(f'  MariaDB max_connections back to {limit}')
    finally:
        admin.close()


FAULTS: dict[str, Callable[[Any], None]] = {
    'kill-child-cells': _kill(CHILDREN[0] + '-cells'),
    'kill-api': _kill('api-api'),
    'kill-scheduler': _kill(CHILDREN[0] + '-scheduler'),
    'kill-compute': _kill(CHILDREN[1] + '-compute1'),
    'cut-api-broker': _cut_api_broker,
    'cut-child-db': _cut_child_db,
    'refuse-db-connections': _refuse_connections,
}


# -- one round ----------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    fault: str
    accepted: int = 0
    post_failures: int = 0
    servers: int = 0
    active: int = 0
    error: int = 0
    error_without_fault: int = 0
    building: int = 0
    final_after: float = -1.0       # seconds after the fault ended
    mismatches: int = 0
    resurrections: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)

    def ok(self, heal: float) -> bool:
        return (self.building == 0 and self.error_without_fault == 0
                and self.mismatches == 0 and self.resurrections == 0
                and 0 <= self.final_after <= 2 * heal)


def _wait(timeout: float, check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(1.0)
    return check()


def run_round(dep: Any, name: str, heal: float, settle: float) -> Outcome:
    outcome = Outcome(name)
    burst = Burst(dep.api_url, f'd{uuid.uuid4().hex[:6]}').start()
    # Strike once builds are under way.
    _wait(60, lambda: len(burst.accepted) >= SERVERS // 6)
    FAULTS[name](dep)
    ended = time.monotonic()
    burst.join()
    outcome.accepted = len(burst.accepted)
    outcome.post_failures = sum(burst.failed.values())
    if burst.failed:
        outcome.notes.append(f'POST answers {dict(burst.failed)}')
    # The API may be coming back: every server of the projects, the
    # ones the client never heard of included.
    _wait(60, lambda: bool(burst.servers()) or not burst.accepted)
    servers: dict[str, dict[str, Any]] = {}

    def all_final() -> bool:
        servers.clear()
        servers.update(burst.servers())
        return bool(servers) and all(s['status'] in FINAL
                                     for s in servers.values())

    if _wait(settle, all_final):
        outcome.final_after = time.monotonic() - ended
    statuses = collections.Counter(s['status'] for s in servers.values())
    outcome.servers = len(servers)
    outcome.active = statuses['ACTIVE']
    outcome.error = statuses['ERROR']
    outcome.building = statuses['BUILD']
    outcome.error_without_fault = sum(
        1 for s in servers.values()
        if s['status'] == 'ERROR' and not (s.get('fault') or {}).get(
            'message'))
    ids = list(servers)
    problems: list[str] = []

    def agreed() -> bool:
        problems[:] = mismatches(dep, ids)
        return not problems

    _wait(2 * heal, agreed)
    outcome.mismatches = len(problems)
    outcome.notes += problems[:3]
    for server_id in ids:
        request(dep.api_url, 'DELETE', f'/v2.1/servers/{server_id}')
    gone = _wait(settle, lambda: not live_anywhere(dep, set(ids)))
    if not gone:
        outcome.notes.append('not deleted everywhere: '
                             f'{sorted(live_anywhere(dep, set(ids)))[:3]}')
    time.sleep(2 * heal)
    outcome.resurrections = len(live_anywhere(dep, set(ids))) if gone else 0
    return outcome


def print_outcome(outcome: Outcome, heal: float) -> None:
    after = (f'{outcome.final_after:.1f}s ({outcome.final_after / heal:.1f} '
             'heal intervals)' if outcome.final_after >= 0
             else 'NOT ALL FINAL')
    print(f'{outcome.fault}: {outcome.accepted} accepted, '
          f'{outcome.post_failures} POSTs failed, {outcome.servers} servers'
          f' ({outcome.active} ACTIVE, {outcome.error} ERROR, '
          f'{outcome.building} BUILD, {outcome.error_without_fault} ERROR '
          f'without fault); final {after}; {outcome.mismatches} mismatches, '
          f'{outcome.resurrections} resurrections; '
          f"{'ok' if outcome.ok(heal) else 'FAILED'}", flush=True)
    for note in outcome.notes:
        print(f'  {note}', flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='drill.py', description=__doc__
                                     .split('\n\n')[0])
    parser.add_argument('--heal-interval', type=float, default=10.0)
    parser.add_argument('--only', action='append', choices=sorted(FAULTS),
                        help='run this fault (repeatable; default: all)')
    parser.add_argument('--workdir', help='default: a new temporary one')
    args = parser.parse_args(argv)
    heal = args.heal_interval
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix='drill-'))
    dep = launcher.Deployment(
        workdir / 'deployment', prefix=f'drill_{uuid.uuid4().hex[:8]}',
        tree='api:' + ','.join(CHILDREN),
        overrides={'cells': {'heal_interval': heal}})
    outcomes = []
    try:
        dep.up(timeout=300)
        for name in args.only or list(FAULTS):
            for proc in dep.dead_processes():
                dep.restart(proc.name)
            outcome = run_round(dep, name, heal, settle=max(120, 6 * heal))
            print_outcome(outcome, heal)
            outcomes.append(outcome)
    finally:
        dep.down()
    print('\nfault                   servers  ACTIVE  ERROR  BUILD  '
          'final after  mismatches  resurrections')
    for o in outcomes:
        print(f'{o.fault:<23} {o.servers:>7} {o.active:>7} {o.error:>6} '
              f'{o.building:>6} {o.final_after:>10.1f}s {o.mismatches:>11} '
              f'{o.resurrections:>14}')
    return 0 if all(o.ok(heal) for o in outcomes) else 1


if __name__ == '__main__':
    sys.exit(main())
