"""Benchmark 4: sync latency, a child's DB change to the API cell.

A writer process with ``cell1``'s configuration (``WRITERS`` threads
sharing one schedule) changes instances in cell1's database through the
cell's own code path (``Database.instance_update``, whose listener pushes
every change up as it does for the compute manager) at a fixed rate,
setting ``progress`` (a field the child owns) to a new value each time.  This
process polls the API cell's replica every ``POLL`` seconds for those
instances and notes when each value first shows.  Latency runs from
just before the writer's update call (so it includes that write) to the
poll that saw it; both sides read the same system-wide monotonic clock.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

from nova.tools.bench import common
from nova.tools.bench import profiling
from nova.tools.bench.report import Section

POLL = 0.005
# Threads of the writer process; each update takes a few ms to tens of ms.
WRITERS = 4
INSTANCES = 100
BASE = 1_000_000


def writer_main(argv: list[str]) -> int:
    """``worker.py sync-writer``: change instances at a fixed rate."""
    parser = argparse.ArgumentParser(prog='worker.py sync-writer')
    parser.add_argument('--config', required=True)
    parser.add_argument('--uuids', required=True, help='a file, one a line')
    parser.add_argument('--rate', type=float, required=True)
    parser.add_argument('--seconds', type=float, required=True)
    parser.add_argument('--base', type=int, default=BASE)
    args = parser.parse_args(argv)
    from nova import conf as nova_conf
    from nova import context as nova_context
    from nova import rpc
    from nova.cmd import common as cmd_common
    conf = nova_conf.CONF
    cmd_common.parse_config(['--config-file', args.config], conf,
                            'nova-bench')
    transport = rpc.get_transport(conf)
    db = cmd_common.make_database(conf, transport)
    with open(args.uuids) as f:
        uuids = [line.strip() for line in f if line.strip()]
    ctxt = nova_context.get_admin_context()
    db.instance_update(ctxt, uuids[0], {'progress': args.base - 1})  # warm
    changes: list[list[Any]] = []
    lock = threading.Lock()
    count = int(args.rate * args.seconds)
    began = time.monotonic()

    def write(first: int) -> None:
        # Change k is due at began + k / rate; WRITERS threads share them
        # so that one slow update does not hold the schedule back.
        for k in range(first, count, WRITERS):
            delay = began + k / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            uuid = uuids[k % len(uuids)]
            t0 = time.monotonic()
            db.instance_update(ctxt, uuid, {'progress': args.base + k})
            with lock:
                changes.append([uuid, args.base + k, t0,
                                time.monotonic() - t0])

    threads = [threading.Thread(target=write, args=(i,))
               for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    time.sleep(0.5)  # let the last casts leave
    transport.cleanup()
    print(json.dumps({'changes': changes, 'achieved_rate':
                      count / elapsed}), flush=True)
    return 0


class ReplicaPoller(common.Background):
    """Notes when each (uuid, progress) first shows in the API DB."""

    def __init__(self, dep: Any, uuids: list[str]) -> None:
        super().__init__()
        self.conn = dep.backends.connect(dep.api_cell.database)
        self.uuids = uuids
        self.seen: dict[tuple[str, int], float] = {}
        self.polls = 0

    def _run(self) -> None:
        sql = ('SELECT uuid, progress FROM instances WHERE uuid IN (%s)'
               % ', '.join(['%s'] * len(self.uuids)))
        with self.conn.cursor() as cursor:
            while not self._stop.is_set():
                cursor.execute(sql, self.uuids)
                now = time.monotonic()
                self.polls += 1
                for uuid, progress in cursor.fetchall():
                    if progress is not None:
                        self.seen.setdefault((uuid, int(progress)), now)
                self._stop.wait(POLL)

    def _close(self) -> None:
        self.conn.close()


def _uuids(dep: Any, cell: str) -> list[str]:
    rows = dep.query('api', 'SELECT uuid FROM instances WHERE deleted = 0 '
                     "AND vm_state = 'active' AND cell_name = %s AND "
                     "display_name NOT LIKE 'bench-copy-%%' LIMIT %s",
                     (f'api!{cell}', INSTANCES))
    return [str(u) for (u,) in rows]


def run(ctx: common.Context, dep: Any) -> Section:
    section = Section('sync', '4. Sync latency, child DB to API cell')
    cell = dep.cells[1].name
    uuids = _uuids(dep, cell)
    if not uuids:
        raise RuntimeError(f'no ACTIVE server in {cell} to change')
    path = ctx.workroot / 'sync-uuids.txt'
    path.write_text('\n'.join(uuids) + '\n')
    rates = ctx.pick([10, 50], [10, 100])
    seconds = ctx.pick(5.0, 20.0)
    pids = {n: p for n, p in dep.pids().items()
            if n in ('api-cells', f'{cell}-cells')}
    section.data.update({'cell': cell, 'instances': len(uuids),
                         'seconds_per_rate': seconds,
                         'poll_interval_s': POLL})
    base = BASE
    for rate in rates:
        common.say(f'sync: {rate} changes/s for {seconds:.0f}s')
        with common.workers() as started, ReplicaPoller(dep, uuids) as poll:
            writer = common.start_worker(
                'sync-writer', ['--config', dep.cell(cell).conf, '--uuids',
                                str(path), '--rate', str(rate), '--seconds',
                                str(seconds), '--base', str(base)],
                ctx.workroot)
            started.append(writer)
            meter = common.CpuMeter(pids).start()
            with profiling.Profile(
                    bool(ctx.shared.get('profile')) and rate == rates[-1],
                    ctx.outdir, f'sync{rate}',
                    dict(pids, writer=writer.pid)) as prof:
                result = writer.result(timeout=seconds * 5 + 120)
            deadline = time.monotonic() + 30
            changes = result['changes']
            while time.monotonic() < deadline and not all(
                    (u, v) in poll.seen for u, v, _, _ in changes[-20:]):
                time.sleep(0.05)
            cpu = meter.stop()
        profiling.attach(section, prof)
        base += len(changes) + 10
        latencies, lost = [], 0
        by_uuid: dict[str, list[tuple[int, float]]] = {}
        for (u, v), t in poll.seen.items():
            by_uuid.setdefault(u, []).append((v, t))
        for uuid, value, t0, _ in changes:
            # a later value of the same instance also proves this one
            later = [t for v, t in by_uuid.get(uuid, ()) if v >= value]
            if later:
                latencies.append(min(later) - t0)
            else:
                lost += 1
        summary = common.summary_ms(latencies)
        writes = common.summary_ms([c[3] for c in changes])
        section.latencies[f'{rate} changes/s'] = latencies
        section.data[f'rate_{rate}'] = {
            'asked_rate': rate, 'achieved_rate': round(
                result['achieved_rate'], 1),
            'changes': len(changes), 'not_seen': lost,
            'latency': summary, 'writer_update_call': writes,
            'polls': poll.polls,
            'cpu_ms_per_change': {k: round(v * 1000 / len(changes), 2)
                                  for k, v in cpu.items()}}
        section.line(
            f'{rate} changes/s (achieved {result["achieved_rate"]:.1f}/s, '
            f'{len(changes)} changes, {lost} not seen): child DB -> API '
            f'replica {common.fmt_ms(summary)}; the update call itself '
            f'{common.fmt_ms(writes)}; CPU ms per change: ' + ', '.join(
                f'{k} {v * 1000 / len(changes):.1f}'
                for k, v in cpu.items()))
    return section
