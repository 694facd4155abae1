"""Benchmark 2: servers booted through the API into three child cells.

Each burst is N servers POSTed to ``/v2.1/servers`` by ``1`` and by
``POSTERS`` concurrent clients, each on a keep-alive connection, and
watched to ACTIVE through the REST API: :mod:`bench.clients`, the very
code the peer (benchmark 6) is driven with.  The clock runs from the
first POST to the last ACTIVE listed; each server's time to ACTIVE runs
from the start of its POST to the poll that listed it ACTIVE (so it
includes up to one ``clients.POLL_INTERVAL`` and the poll).  CPU seconds
per server are each daemon's (and the broker's and database's, which
other users of this machine share) CPU over that window divided by N.

"Time to ACTIVE must not grow with the number of servers already
running" is measured with probes: ``PROBES`` servers booted one at a
time (each waited for) before the first burst and after each burst.
"""

from __future__ import annotations

from collections.abc import Callable
import threading
import time
from typing import Any

from nova.tools.bench import clients
from nova.tools.bench import common
from nova.tools.bench import profiling
from nova.tools.bench import reads
from nova.tools.bench.report import Section

POSTERS = 8
CONCURRENCY = (1, POSTERS)
POLL_INTERVAL = 0.02
PAGE = 1000


class Watcher(common.Background):
    """Watches the API cell's replica for the probes' states.

    It reads the API cell's database directly (every ``POLL_INTERVAL``,
    only the servers not yet ACTIVE or ERROR), which is where the API
    reads them from: polling the REST API for hundreds of servers would
    load the very nova-api being measured, and ``changes-since`` misses
    a server whose change reaches the top later than the look-back
    (the replica keeps the child's ``updated_at``).  The REST API
    confirms the final states once the burst is over.
    """

    def __init__(self, dep: Any) -> None:
        super().__init__()
        self.conn = dep.backends.connect(dep.api_cell.database)
        self.pending: set[str] = set()
        self.active_at: dict[str, float] = {}
        self.errors: dict[str, Any] = {}
        self.polls = 0
        self._lock = threading.Lock()

    def watch(self, server_id: str) -> None:
        with self._lock:
            self.pending.add(server_id)

    def _close(self) -> None:
        self.conn.close()

    def _run(self) -> None:
        with self.conn.cursor() as cursor:
            while not self._stop.is_set():
                with self._lock:
                    pending = sorted(self.pending)
                if pending:
                    self._poll(cursor, pending)
                self._stop.wait(POLL_INTERVAL)

    def _poll(self, cursor: Any, pending: list[str]) -> None:
        cursor.execute(
            'SELECT uuid, vm_state, task_state FROM instances WHERE uuid '
            f'IN ({", ".join(["%s"] * len(pending))})', pending)
        seen = time.monotonic()
        self.polls += 1
        done = []
        for uuid_, vm_state, task_state in cursor.fetchall():
            if vm_state == 'active' and task_state is None:
                self.active_at[uuid_] = seen
                done.append(uuid_)
            elif vm_state == 'error':
                self.errors[uuid_] = vm_state
                done.append(uuid_)
        with self._lock:
            self.pending.difference_update(done)

    def done(self, ids: list[str]) -> int:
        return sum(1 for i in ids if i in self.active_at or i in self.errors)

    def done_check(self, server_id: str) -> Callable[[], bool]:
        return lambda: self.done([server_id]) == 1


def confirm(rest: common.Rest, ids: list[str]) -> dict[str, int]:
    """Status counts of ``ids`` as the REST API lists them."""
    wanted, marker = set(ids), None
    counts: dict[str, int] = {}
    while True:
        page = rest.get(f'/v2.1/servers/detail?limit={PAGE}'
                        + (f'&marker={marker}' if marker else ''))['servers']
        for server in page:
            if server['id'] in wanted:
                counts[server['status']] = counts.get(server['status'],
                                                      0) + 1
        if len(page) < PAGE:
            return counts
        marker = page[-1]['id']


def _post(rest: common.Rest, name: str) -> tuple[str, float]:
    sid, began, _took = clients.post_one(rest, name)
    return sid, began


def burst(rest: common.Rest, dep: Any, n: int, pids: dict[str, int],
          timeout: float, concurrency: int = POSTERS) -> dict[str, Any]:
    """Boot ``n`` servers from ``concurrency`` clients with the client
    the peer gets too (:func:`clients.boot_burst`); CPU per daemon."""
    meter = common.CpuMeter(pids)
    meter.start()
    result = clients.boot_burst(rest, n, concurrency,
                                f'bench-c{concurrency}-{n}', timeout)
    cpu = meter.stop()
    errors = result.pop('error_ids')
    result.update({
        'error_samples': _faults(rest, errors),
        'rest_status_counts': confirm(rest, result.pop('posted_ids')),
        'cpu_seconds': cpu,
        'cpu_ms_per_server': {k: round(v * 1000 / n, 2)
                              for k, v in cpu.items()}})
    return result


def _faults(rest: common.Rest, ids: list[str]) -> list[Any]:
    return [rest.get(f'/v2.1/servers/{i}')['server'].get('fault')
            for i in ids]


def probe(rest: common.Rest, dep: Any, count: int,
          timeout: float) -> list[float]:
    """Time to ACTIVE of ``count`` servers booted one after another."""
    times = []
    with Watcher(dep) as watcher:
        for i in range(count):
            sid, began = _post(rest, f'bench-probe-{i}')
            watcher.watch(sid)
            common.poll_until('probe ACTIVE', timeout,
                              watcher.done_check(sid), interval=0.005)
            if sid in watcher.errors:
                raise RuntimeError(f'probe {sid} ERROR: '
                                   f'{_faults(rest, [sid])}')
            times.append(watcher.active_at[sid] - began)
    return times


def running_servers(rest: common.Rest) -> int:
    total, marker = 0, None
    while True:
        page = rest.get(f'/v2.1/servers?limit={PAGE}'
                        + (f'&marker={marker}' if marker else ''))['servers']
        total += len(page)
        if len(page) < PAGE:
            return total
        marker = page[-1]['id']


def run(ctx: common.Context, dep: Any) -> Section:
    section = Section('boots', '2. End-to-end boots through the cells')
    sizes = ctx.shared.get('boot_sizes') or ctx.pick([20, 60], [100, 500])
    probes = ctx.pick(5, 10)
    rest = common.Rest(dep.api_url)
    pids = dict(dep.pids())
    pids.update(common.pids_by_comm('mariadbd', 'beam.smp'))
    section.data.update({'sizes': sizes, 'probes': probes,
                         'client_concurrency': list(CONCURRENCY),
                         'poll_interval_s': clients.POLL_INTERVAL,
                         'hosts': {p.name: len(p.compute_hosts) *
                                   dep.nodes_per_compute
                                   for p in dep.cells[1:]}})
    probe_runs = []
    running = running_servers(rest)
    common.say(f'boots: probe with {running} servers running')
    probe_runs.append((running, probe(rest, dep, probes, 60.0)))
    for n in sizes:
        for concurrency in CONCURRENCY:
            _one_burst(ctx, section, rest, dep, pids, n, concurrency,
                       profile=(n == sizes[-1] and concurrency == POSTERS))
        running = running_servers(rest)
        common.say(f'boots: probe with {running} servers running')
        probe_runs.append((running, probe(rest, dep, probes, 60.0)))
    section.data['probes_by_running'] = [
        {'running': r, 'time_to_active': common.summary_ms(t)}
        for r, t in probe_runs]
    for r, t in probe_runs:
        section.latencies[f'probe with {r} running'] = t
    section.line('time to ACTIVE of one server at a time, by servers '
                 'already running: ' + '; '.join(
                     f'{r}: {common.fmt_ms(common.summary_ms(t))}'
                     for r, t in probe_runs))
    first = common.percentile(probe_runs[0][1], 50)
    last = common.percentile(probe_runs[-1][1], 50)
    section.target('probe_growth',
                   f'probe p50 with {probe_runs[-1][0]} running / with '
                   f'{probe_runs[0][0]} running (flat = 1.0)',
                   round(last / first, 2) if first else None, 1.5,
                   higher_is_better=False)
    return section


def _one_burst(ctx: common.Context, section: Section, rest: common.Rest,
               dep: Any, pids: dict[str, int], n: int, concurrency: int,
               profile: bool) -> None:
    common.say(f'boots: burst of {n} from {concurrency} client(s)')
    busiest = {k: v for k, v in pids.items() if k in (
        'api-cells', 'api-api', 'cell1-cells', 'cell1-compute1',
        'cell1-scheduler', 'cell1-network')}
    label = f'c{concurrency}-{n}'
    with profiling.Profile(bool(ctx.shared.get('profile')) and profile,
                           ctx.outdir, f'boots{n}', busiest) as prof:
        result = burst(rest, dep, n, pids, timeout=max(120.0, n * 1.0),
                       concurrency=concurrency)
    profiling.attach(section, prof)
    samples = result.pop('to_active_samples')
    section.latencies[f'time to ACTIVE, burst {n}, {concurrency} '
                      'client(s)'] = samples
    section.data[f'burst_{label}'] = result
    _burst_lines(section, result)
    lists = [reads.list_all(rest, PAGE) for _ in range(3)]
    detail = common.summary_ms([seconds for seconds, _, _ in lists])
    section.line(f'  then GET /servers/detail of {lists[0][2]} servers '
                 f'{common.fmt_ms(detail)}')
    result['detail_after'] = {'servers': lists[0][2], **detail}
    # What the peer section compares with, by client concurrency and N.
    ctx.shared.setdefault('boots', {})[(concurrency, n)] = {
        'servers_per_s': result['servers_per_s'], 'detail': detail,
        'listed': lists[0][2], 'concurrency': concurrency}


def _burst_lines(section: Section, result: dict[str, Any]) -> None:
    n = result['n']
    section.line(
        f'N={n}, {result["concurrency"]} client(s): {result["active"]} '
        f'ACTIVE, {result["errors"]} ERROR, '
        f'{result["stuck"]} neither in '
        f'{result["wall_seconds"]:.1f}s = {result["servers_per_s"]} '
        f'servers/s; time to ACTIVE {common.fmt_ms(result["time_to_active"])}'
        f'; POST {common.fmt_ms(result["post_latency"])}; '
        f'REST API shows {result["rest_status_counts"]}')
    if result['error_samples']:
        section.line(f'  errors, e.g.: {result["error_samples"][:2]}')
    per = result['cpu_ms_per_server']
    section.line('  CPU ms per server: ' + ', '.join(
        f'{k} {v:.1f}' for k, v in sorted(per.items(), key=lambda kv:
                                          -kv[1])))
