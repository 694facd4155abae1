"""Real faults while servers build: the tree repairs itself.

One deployment of ``nova.tools.launcher`` (the API cell above cell1 and
cell2, two compute hosts each, one vhost and one database per cell) runs
with a short ``[cells] heal_interval``, a modest
``instance_build_timeout`` and simulated spawns that take a few seconds,
so that builds are in flight when a fault strikes.  Each scenario boots
servers through the REST API, injects one fault into one cell while they
build, then checks that:

* every daemon still runs (only the one the test killed was started
  again) and talks again: its queues have consumers, its service row
  heartbeats;
* no server is lost: each ends ACTIVE or ERROR (with a fault) at the API
  within a bound, none stays BUILD;
* each ACTIVE server is live in exactly one child's database, the one the
  API replica names, and once the heal task ran the replica's vm_state,
  task_state, power_state, host and sync_version equal that child's;

and deletes every server, waiting until no live row is left, so that the
next scenario starts clean.  The scenarios:

1. the broker closes every connection of cell1's vhost;
2. cell2's nova-cells is SIGKILLed, then started again;
3. MariaDB kills every connection to cell1's database, a few times;
4. one more nova-scheduler starts against a closed database port: it
   logs that it retries and stays up, then reports once the port opens.

Each prints what it measured.  The deployment is torn down however the
tests end: processes by recorded pid, then the databases and vhosts.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
import dataclasses
import datetime
import os
import re
import signal
import threading
import time
from typing import Any

import pytest

from nova.compute import images
from nova.tests.real import launcher_support as support
from nova.tools import drill
from nova.tools import faults
from nova.tools import launcher

CHILDREN = ('cell1', 'cell2')
SERVERS = 30
# Seconds between two POSTs: posting lasts a few seconds, so that some
# servers are posted before, some during and some after the fault.
POST_PACE = 0.1
HEAL_INTERVAL = 2
BUILD_TIMEOUT = 45
SPAWN_DELAY = 3.0
OVERRIDES = {
    'cells': {'heal_interval': HEAL_INTERVAL,
              'instance_build_timeout': BUILD_TIMEOUT,
              # The heal task looks back over the whole test.
              'instance_updated_at_threshold': 900},
    'fake_driver': {'spawn_delay': SPAWN_DELAY},
    # More servers than a project's default quota allows.
    'quota': {'instances': -1, 'cores': -1, 'ram': -1},
}
# A build lost anywhere is timed out at the top (or in its cell) within
# BUILD_TIMEOUT of its creation, checked every HEAL_INTERVAL.
SETTLE_TIMEOUT = BUILD_TIMEOUT + 4 * HEAL_INTERVAL + 15
SYNC_TIMEOUT = 30.0
RECONNECT_TIMEOUT = 30.0
# Heartbeats come every REPORT_INTERVAL (launcher) seconds.
HEARTBEAT_TIMEOUT = 30.0
DELETE_TIMEOUT = 60.0
FINAL = ('ACTIVE', 'ERROR')
_UUID_RE = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                      r'[0-9a-f]{12}')
SYNC_COLUMNS = ('vm_state', 'task_state', 'power_state', 'host',
                'sync_version')


@pytest.fixture(scope='module')
def deployment(real_services: None,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """api + cell1 + cell2 with fast heal; removed however the tests end."""
    with support.running(tmp_path_factory.mktemp('faults'),
                         tree='api:' + ','.join(CHILDREN),
                         overrides=OVERRIDES) as dep:
        yield dep


@pytest.fixture
def dep(deployment: Any) -> Iterator[Any]:
    """The shared deployment, healthy and empty before each scenario and
    made so again after it (dead daemons restarted, servers deleted)."""
    _restore(deployment)
    assert not _live_rows(deployment), 'servers left from before'
    yield deployment
    _restore(deployment)


def _restore(dep: Any) -> None:
    for proc in dep.dead_processes():
        print(f'restoring: {proc.name} is dead, starting it again')
        dep.restart(proc.name)
    left = _live_rows(dep)
    if left:
        print(f'restoring: deleting {len(left)} server(s) left behind')
        for server_id in left:
            support.request(dep.api_url, 'DELETE',
                            f'/v2.1/servers/{server_id}')
        support.wait_all_deleted(dep, DELETE_TIMEOUT)


def _live_rows(dep: Any) -> set[str]:
    return {u for cell in dep.cells
            for u in support.live_instances(dep, cell.name)}


# -- load -------------------------------------------------------------------

class Booter(threading.Thread):
    """POSTs ``count`` servers at a steady pace from a thread."""

    def __init__(self, api: str, count: int, name: str) -> None:
        super().__init__(name=f'boot-{name}', daemon=True)
        self.api = api
        self.count = count
        self.label = name
        self.ids: list[str] = []
        self.failures: list[tuple[int, Any]] = []
        self.started_at = 0.0
        self.took = 0.0

    def run(self) -> None:
        self.started_at = time.monotonic()
        for n in range(self.count):
            status, body = support.request(self.api, 'POST', '/v2.1/servers', {
                'server': {'name': f'{self.label}-{n}', 'flavorRef': '1',
                           'imageRef': images.DEFAULT_IMAGE_ID}})
            if status == 202:
                self.ids.append(str(body['server']['id']))
            else:
                self.failures.append((status, body))
            time.sleep(POST_PACE)
        self.took = time.monotonic() - self.started_at

    def finish(self) -> list[str]:
        self.join(timeout=120)
        assert not self.is_alive(), 'POSTs did not finish'
        assert not self.failures, f'POSTs failed: {self.failures[:3]}'
        assert len(self.ids) == self.count
        return self.ids


def _building(dep: Any, cell: str) -> int:
    rows = dep.query(cell, "SELECT COUNT(*) FROM instances WHERE deleted = 0 "
                           "AND vm_state = 'building'")
    return int(rows[0][0])


def _boot_until_in_flight(dep: Any, cell: str, label: str) -> Booter:
    """Start booting; return once a third is posted and builds are under
    way in ``cell``, the moment to strike."""
    booter = Booter(dep.api_url, SERVERS, label)
    booter.start()

    def in_flight() -> tuple[bool, str]:
        posted, building = len(booter.ids), _building(dep, cell)
        return (posted >= SERVERS // 3 and building >= 2,
                f'{posted} posted, {building} building in {cell}')

    support.wait_for(f'builds in flight in {cell}', 30.0, in_flight)
    print(f'at the fault: {len(booter.ids)} of {SERVERS} posted, '
          f"{_building(dep, 'api')} building in the API replica, "
          + ', '.join(f'{_building(dep, c)} in {c}' for c in CHILDREN))
    return booter


# -- health -----------------------------------------------------------------

def _assert_all_alive(dep: Any) -> None:
    dead = dep.dead_processes()
    assert not dead, ('daemon(s) exited: '
                      + ', '.join(f'{p.name} (pid {p.pid})' for p in dead))


def _heartbeats(dep: Any, cell: str) -> dict[tuple[str, str], int]:
    rows = dep.query(cell, 'SELECT host, `binary`, report_count FROM '
                           'services WHERE deleted = 0')
    return {(str(h), str(b)): int(n) for h, b, n in rows}


def _wait_heartbeats(dep: Any, cells: tuple[str, ...],
                     since: dict[str, dict[tuple[str, str], int]]) -> float:
    """Wait until every service of ``cells`` reported after ``since``."""

    def all_reported() -> tuple[bool, str]:
        silent = [f'{cell}: {b} on {h}' for cell in cells
                  for (h, b), n in _heartbeats(dep, cell).items()
                  if n <= since[cell].get((h, b), -1)]
        return not silent, f'silent: {silent}'

    return support.wait_for('services heartbeat again', HEARTBEAT_TIMEOUT,
                            all_reported)


def _log_offsets(dep: Any) -> dict[str, int]:
    return {p.log: os.path.getsize(p.log) for p in dep.processes}


def _errors_since(dep: Any, offsets: dict[str, int]) -> dict[str, list[str]]:
    """Daemon -> the first line of each ERROR record (a traceback is many
    lines of one record) its log got after ``offsets``."""
    found: dict[str, list[str]] = {}
    for proc in dep.processes:
        records: dict[str, str] = {}
        with open(proc.log, errors='replace') as log:
            log.seek(offsets.get(proc.log, 0))
            for line in log:
                if ' ERROR ' in line:
                    # Timestamp and pid: the same for every line of one
                    # record.
                    records.setdefault(line[:30], line.strip())
        if records:
            found[proc.name] = list(records.values())
    return found


_LOG_TIME = '%Y-%m-%d %H:%M:%S.%f'
_RABBIT_LINE = re.compile(
    r'^(\S+ \S+) \d+ \w+ oslo\.messaging\._drivers\.impl_rabbit .*?'
    r'\[([0-9a-f-]{36})\] (AMQP server on \S+ is unreachable|Reconnected)')


def _reconnect_delays(dep: Any, offsets: dict[str, int]
                      ) -> dict[str, float]:
    """Daemon -> the longest time one of its connections took from the
    'is unreachable' line to the 'Reconnected' line, after ``offsets``."""
    delays: dict[str, float] = {}
    for proc in dep.processes:
        lost: dict[str, datetime.datetime] = {}
        with open(proc.log, errors='replace') as log:
            log.seek(offsets.get(proc.log, 0))
            for line in log:
                match = _RABBIT_LINE.match(line)
                if not match:
                    continue
                when = datetime.datetime.strptime(match[1], _LOG_TIME)
                if match[3] != 'Reconnected':
                    lost.setdefault(match[2], when)
                elif match[2] in lost:
                    took = (when - lost.pop(match[2])).total_seconds()
                    delays[proc.name] = max(took,
                                            delays.get(proc.name, 0.0))
    return delays


def _print_errors(errors: dict[str, list[str]]) -> None:
    if not errors:
        print('no ERROR line in any daemon log')
    for name, lines in sorted(errors.items()):
        print(f'{name}: {len(lines)} ERROR record(s), first: '
              f'{lines[0][:220]}')


# -- the end state ----------------------------------------------------------

@dataclasses.dataclass
class EndState:
    statuses: collections.Counter[str]
    settled: float          # seconds after the fault until all were final
    synced: float           # seconds after that until the replica agreed
    homes: collections.Counter[str]
    faults: collections.Counter[str]


def _replica_problems(dep: Any, ids: list[str]
                      ) -> tuple[list[str], dict[str, str | None]]:
    """What disagrees between the API replica and the children, and each
    server's home cell (None: it never reached one)."""
    return faults.replica_problems(dep, ids, CHILDREN, SYNC_COLUMNS)


def _check_end_state(dep: Any, ids: list[str], fault_at: float) -> EndState:
    """No server lost, every ACTIVE one where the top says, the top in
    sync with the children; prints and returns what it found."""
    api = dep.api_url
    views: dict[str, dict[str, Any]] = {server_id: {} for server_id in ids}

    def all_final() -> tuple[bool, str]:
        for server_id, seen in views.items():
            if seen.get('status') in FINAL:
                continue
            status, body = support.request(api, 'GET',
                                           f'/v2.1/servers/{server_id}')
            assert status == 200, (server_id, status, body)
            seen.clear()
            seen.update(body['server'])
        counts = collections.Counter(v.get('status') for v in views.values())
        return all(v.get('status') in FINAL for v in views.values()), \
            str(dict(counts))

    support.wait_for('every server ACTIVE or ERROR', SETTLE_TIMEOUT,
                     all_final)
    settled = time.monotonic() - fault_at

    state: dict[str, Any] = {}

    def in_sync() -> tuple[bool, str]:
        problems, state['homes'] = _replica_problems(dep, ids)
        return not problems, f'{len(problems)} problem(s): {problems[:3]}'

    synced = support.wait_for('API replica in sync with the children',
                              SYNC_TIMEOUT, in_sync)
    _assert_all_alive(dep)

    # The final word, now that every cell agrees.
    statuses: collections.Counter[str] = collections.Counter()
    fault_messages: collections.Counter[str] = collections.Counter()
    homes: collections.Counter[str] = collections.Counter()
    for server_id in ids:
        status, body = support.request(api, 'GET',
                                       f'/v2.1/servers/{server_id}')
        assert status == 200, (server_id, status, body)
        server = body['server']
        statuses[server['status']] += 1
        assert server['status'] in FINAL, server
        home = state['homes'][server_id]
        homes[f"{server['status']} in {home or 'no cell'}"] += 1
        if server['status'] == 'ACTIVE':
            assert home is not None, server
            assert server['OS-EXT-SRV-ATTR:host'] in \
                dep.cell(home).compute_hosts, server
        else:
            fault = server.get('fault') or {}
            assert fault.get('message'), f'ERROR without a fault: {server}'
            fault_messages[_UUID_RE.sub('<uuid>', fault['message'])] += 1
    print(f'all {len(ids)} final {settled:.1f}s after the fault: '
          f'{dict(statuses)}; where: {dict(homes)}')
    if fault_messages:
        print(f'faults: {dict(fault_messages)}')
    print(f'API replica equal to the children on {SYNC_COLUMNS} '
          f'{synced:.1f}s later')
    return EndState(statuses, settled, synced, homes, fault_messages)


def _delete_all(dep: Any, ids: list[str]) -> None:
    started = time.monotonic()
    for server_id in ids:
        status, body = support.request(dep.api_url, 'DELETE',
                                       f'/v2.1/servers/{server_id}')
        assert status == 204, (server_id, status, body)
    took = support.wait_all_deleted(dep, DELETE_TIMEOUT)
    print(f'all {len(ids)} deleted, no live row in any cell, '
          f'{time.monotonic() - started:.1f}s after the first DELETE '
          f'(waited {took:.1f}s)')


# -- 1. broker connections cut ----------------------------------------------

def _client_pids(connections: list[Any]) -> dict[int, str]:
    return {c.os_pid: c.program for c in connections if c.os_pid}


@pytest.mark.timeout(240)
def test_broker_connections_of_one_cell_closed_mid_build(dep: Any) -> None:
    cell, other = 'cell1', 'cell2'
    backends = dep.backends
    vhost = dep.cell(cell).vhost
    with support.logs_on_failure(dep):
        consumed = {name for name, queue in
                    faults.queues(backends, vhost).items()
                    if queue.consumers}
        others_before = {c.pid for c in faults.broker_connections(
            backends, dep.cell(other).vhost)}
        beats = {c.name: _heartbeats(dep, c.name) for c in dep.cells}
        offsets = _log_offsets(dep)

        booter = _boot_until_in_flight(dep, cell, 'broker')
        fault_at = time.monotonic()
        closed = faults.close_broker_connections(backends, vhost)
        cut_took = time.monotonic() - fault_at
        clients = _client_pids(closed)
        assert closed and clients, f'no connection in vhost {vhost}'
        print(f'closed {len(closed)} connections of vhost {vhost} in '
              f'{cut_took:.1f}s, of '
              + ', '.join(f'{program}[{pid}]' for pid, program in
                          sorted(clients.items())))

        # Listeners first: every queue consumed before is consumed again.
        def listening() -> tuple[bool, str]:
            now = faults.queues(backends, vhost)
            idle = sorted(q for q in consumed
                          if q in now and not now[q].consumers)
            gone = sorted(q for q in consumed if q not in now)
            return not idle and not gone, f'idle {idle}, gone {gone}'

        support.wait_for(f'queues of {vhost} consumed again',
                         RECONNECT_TIMEOUT, listening)
        listen_after = time.monotonic() - fault_at
        _assert_all_alive(dep)
        ids = booter.finish()
        print(f'{len(consumed)} queues of {vhost} consumed again '
              f'{listen_after:.1f}s after the cut began; {len(ids)} POSTs '
              f'took {booter.took:.1f}s')

        others_after = {c.pid for c in faults.broker_connections(
            backends, dep.cell(other).vhost)}
        assert others_before <= others_after, 'the other cell was touched'
        print(f'{other}: its {len(others_before)} broker connections '
              'untouched')

        _check_end_state(dep, ids, fault_at)
        _wait_heartbeats(dep, tuple(c.name for c in dep.cells), beats)
        print('every service of every cell heartbeats')
        _print_errors(_errors_since(dep, offsets))
        _delete_all(dep, ids)

        # Every client process that lost a connection has one again.  A
        # sender reconnects when it next sends, so this is checked last:
        # the deletes make the API cell's nova-cells send to this cell.
        def reconnected() -> tuple[bool, str]:
            now = _client_pids(faults.broker_connections(backends, vhost))
            missing = sorted(f'{program}[{pid}]'
                             for pid, program in clients.items()
                             if pid not in now)
            return not missing, f'without a connection: {missing}'

        support.wait_for('client processes reconnected', RECONNECT_TIMEOUT,
                         reconnected)
        delays = _reconnect_delays(dep, offsets)
        print(f'all {len(clients)} client processes are connected to '
              f'{vhost} again; longest reconnect per daemon (from its '
              'log, s): '
              + ', '.join(f'{name} {took:.1f}'
                          for name, took in sorted(delays.items())))


# -- 2. nova-cells SIGKILLed and restarted -----------------------------------

def _cells_queues() -> tuple[str, ...]:
    """The queues a cell's nova-cells consumes in its own vhost."""
    return (*launcher.INTERCELL_QUEUES, 'cells')


@pytest.mark.timeout(240)
def test_cells_daemon_of_one_cell_killed_and_restarted(dep: Any) -> None:
    cell = 'cell2'
    name = f'{cell}-cells'
    backends = dep.backends
    vhost = dep.cell(cell).vhost
    with support.logs_on_failure(dep):
        offsets = _log_offsets(dep)
        booter = _boot_until_in_flight(dep, cell, 'sigkill')
        fault_at = time.monotonic()
        old_pid = dep.process(name).pid
        dep.kill(name, signal.SIGKILL)
        print(f'{name} (pid {old_pid}) SIGKILLed '
              f'{time.monotonic() - fault_at:.2f}s after the decision')

        # While it is down, what is sent to it waits in its queues.
        time.sleep(2.0)
        down = faults.queues(backends, vhost)
        kept = [q for q in _cells_queues() if q in down]
        assert kept == list(_cells_queues()), f'queues gone: {down}'
        waiting = {q: v.messages for q, v in down.items()
                   if v.messages and not q.startswith('reply_')}
        print(f'after 2s down: its queues {kept} are kept; messages '
              f'waiting in {vhost}: {waiting}')
        beats = {cell: _heartbeats(dep, cell)}
        proc = dep.restart(name)
        restarted_at = time.monotonic()
        print(f'{name} started again as pid {proc.pid} '
              f'{restarted_at - fault_at:.1f}s after the kill')

        def drained() -> tuple[bool, str]:
            now = faults.queues(backends, vhost)
            idle = [q for q in _cells_queues()
                    if q not in now or not now[q].consumers]
            full = {q: now[q].messages for q in _cells_queues()
                    if q in now and now[q].messages}
            return not idle and not full, f'not consumed: {idle}, {full}'

        support.wait_for(f'{name} consuming again', RECONNECT_TIMEOUT,
                         drained)
        print(f'{name} consumes its queues, which are drained, '
              f'{time.monotonic() - restarted_at:.1f}s after its restart')
        _wait_heartbeats(dep, (cell,), beats)
        print(f'every service of {cell} heartbeats '
              f'{time.monotonic() - restarted_at:.1f}s after the restart')
        ids = booter.finish()

        end = _check_end_state(dep, ids, fault_at)
        assert sum(n for home, n in end.homes.items()
                   if home.endswith(cell)), f'nothing landed in {cell}'
        _print_errors(_errors_since(dep, offsets))
        _delete_all(dep, ids)


# -- 3. database connections of one cell killed ------------------------------

@pytest.mark.timeout(240)
def test_database_connections_of_one_cell_killed_mid_build(dep: Any) -> None:
    cell = 'cell1'
    rounds, pause = 4, 0.5
    backends = dep.backends
    database = dep.cell(cell).database
    with support.logs_on_failure(dep):
        offsets = _log_offsets(dep)
        booter = _boot_until_in_flight(dep, cell, 'dbkill')
        fault_at = time.monotonic()
        killed: list[int] = []
        for _ in range(rounds):
            killed += faults.kill_database_connections(backends, database)
            time.sleep(pause)
        last_kill = time.monotonic()
        beats = {c: _heartbeats(dep, c) for c in dep.database_names}
        print(f'killed {len(killed)} connections of database {database} in '
              f'{rounds} rounds over {last_kill - fault_at:.1f}s')
        assert killed, f'no connection to {database}'

        took = _wait_heartbeats(dep, tuple(dep.database_names), beats)
        _assert_all_alive(dep)
        print(f'every service of every cell heartbeats {took:.1f}s after '
              f'the last kill; {cell} has '
              f'{len(faults.database_connections(backends, database))} '
              'connections again')
        ids = booter.finish()

        _check_end_state(dep, ids, fault_at)
        _print_errors(_errors_since(dep, offsets))
        _delete_all(dep, ids)


# -- 4. database unreachable when a service starts ---------------------------

RETRY_INTERVAL = 0.5
RETRY_LINE = 'is unreachable'


@pytest.mark.timeout(120)
def test_service_waits_for_its_database_at_start(dep: Any) -> None:
    cell = 'cell1'
    host = f'{cell}-late'
    name = f'{host}-scheduler'
    backends = dep.backends
    port = faults.free_port()
    closed_port = dataclasses.replace(backends, mysql_port=port)
    with support.logs_on_failure(dep):
        proc = dep.start_service(cell, 'scheduler', name, {
            'DEFAULT': {'host': host},
            'database': {
                'connection': closed_port.database_url(
                    dep.cell(cell).database),
                'max_retries': -1, 'retry_interval': RETRY_INTERVAL}})
        started = time.monotonic()
        try:
            def retries() -> list[str]:
                with open(proc.log, errors='replace') as log:
                    return [line.strip() for line in log
                            if RETRY_LINE in line]

            support.wait_for('three retry lines', 30.0, lambda: (
                len(retries()) >= 3, f'{len(retries())} so far'))
            assert proc.is_alive(), launcher.tail(proc.log, 20)
            lines = retries()
            assert f'127.0.0.1:{port}' in lines[0], lines[0]
            assert 'retrying' in lines[0], lines[0]
            assert backends.rabbit_password not in lines[0]
            print(f'{name} (pid {proc.pid}) against closed port {port}: '
                  f'{len(lines)} retry lines in '
                  f'{time.monotonic() - started:.1f}s, still running; '
                  f'the line: {lines[0][lines[0].index("WARNING"):]}')
            assert not _heartbeats(dep, cell).get((host, 'nova-scheduler'))

            with faults.TcpForwarder(backends.mysql_host,
                                     backends.mysql_port, port):
                opened = time.monotonic()
                took = support.wait_for(
                    f'{name} reports once the port opens', 30.0,
                    lambda: ((host, 'nova-scheduler') in
                             _heartbeats(dep, cell), 'no services row'))
                assert proc.is_alive()
                print(f'port {port} opened (forwarded to MariaDB) after '
                      f'{opened - started:.1f}s; services row '
                      f'({host}, nova-scheduler) in {cell} {took:.1f}s '
                      f'later, after {len(retries())} retry lines')
                dep.stop(name)
        finally:
            if any(p.name == name for p in dep.processes):
                dep.stop(name, grace=5.0)
        print(f'{name} stopped and its port closed again')


# -- 5. the drill's short subset ----------------------------------------------

@pytest.mark.parametrize('fault', ['kill-scheduler', 'kill-api'])
def test_a_burst_of_boots_through_a_killed_daemon_strands_nothing(
        dep: Any, fault: str) -> None:
    """60 boots at once, a daemon SIGKILLed in the middle and started
    again (tools/drill.py runs every fault): every server of the burst,
    those whose POST failed included, ends ACTIVE or ERROR with a fault,
    the replica agrees with the children, and no deleted server comes
    back."""
    outcome = drill.run_round(dep, fault, HEAL_INTERVAL,
                              settle=SETTLE_TIMEOUT)
    drill.print_outcome(outcome, HEAL_INTERVAL)
    assert outcome.final_after >= 0, outcome
    assert (outcome.building, outcome.error_without_fault,
            outcome.mismatches, outcome.resurrections) == (0, 0, 0, 0), \
        outcome
    assert outcome.servers >= outcome.accepted > 0
