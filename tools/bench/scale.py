"""Benchmark 5: 75 cells of 100 simulated hosts on one machine (issue 19,
target 4).

An API cell above K child cells; each child runs nova-cells,
nova-scheduler, nova-network and ONE nova-compute simulating ``NODES``
hypervisor nodes (``[fake_driver] nodes``), with capacity reports every
few seconds (the launcher's ``capacity_update_interval``).  Measured: how
long the tree takes to come up, the memory of every process, the top
nova-cells' RSS and CPU while idle and during a burst of boots, and what
each RabbitMQ node held.

What the top nova-cells sees is what production gives it: a broker per
group of cells that it connects to, one vhost and one database per cell.
Three things of one machine are shared, and each ran out on the way:

* RabbitMQ: the system node's 1024 descriptors ran out at 27 cells.  The
  deployment starts ``ceil(K / CELLS_PER_BROKER)`` RabbitMQ nodes of its
  own (the launcher's ``rabbit_nodes``) and spreads the cells over them.
* Memory: four Python daemons of ~90 MiB per cell are ~27 GiB at 75
  cells.  Each child cell runs its four services in one ``nova-all``
  process (the launcher's ``all_in_one``, a bench and development mode:
  each service still its own RPC server on the cell's broker).
* MariaDB's 151 connections, shared with everybody: a child cell's
  process keeps ONE pooled connection (``LEAF_POOL``; its services wait
  their turn for it) and the API cell's two daemons ``API_POOL`` each, so
  that the tree stays within ``CONN_BUDGET``.

The tree tried is the one asked for, unless the free memory or the
connections say it cannot fit (:func:`planned`); if it fails, once more
at 70%.  The deployments' watchdog (:class:`bench.deploy.Watchdog`)
stops a tree that starves the machine anyway.  The report names what
was asked, what was tried and what worked, and marks the targets MET or
MISSED.
"""

from __future__ import annotations

import math
import time
from typing import Any

from nova.tools import launcher
from nova.tools.bench import boots
from nova.tools.bench import common
from nova.tools.bench import deploy
from nova.tools.bench.report import Section

NODES = 100
MEM_MARGIN = 3 * 2**30
# What a child cell costs: its nova-all process (~110 MiB measured) and
# its share of a RabbitMQ node and of MariaDB, with some room.
CELL_MIB = 160
# MariaDB connections the whole tree may hold at its peak (the machine's
# other users keep the rest of max_connections), and those left free.
CONN_BUDGET = 110
CONN_MARGIN = 30
# Child cells per RabbitMQ node of the deployment's own (--quick: a small
# tree on several nodes too).
CELLS_PER_BROKER = 20
QUICK_CELLS_PER_BROKER = 3
# Database pools: (max_pool_size, max_overflow).
LEAF_POOL = (1, 0)
API_POOL = (4, 4)
# The connections the benchmark's own samplers and the watchdog hold.
TOOL_CONNECTIONS = 4
# The services' own defaults (the launcher shortens them so that a small
# tree is ready in seconds): every child reports its capabilities and
# capacities every 10 s, every cell reloads its neighbours every 60 s, as
# a real deployment would.
INTERVALS = {'capacity_update_interval': 10, 'db_check_interval': 60}
# Issue 19, target 4: the top nova-cells while the tree idles.
IDLE_CPU_TARGET = 5.0
RSS_TARGET_MIB = 200.0
ASKED = 75


def brokers_for(cells: int, per_broker: int = CELLS_PER_BROKER) -> int:
    return max(1, math.ceil(cells / per_broker))


def planned(asked: int, backends: Any) -> dict[str, Any]:
    """How many child cells to try: those asked, unless the free memory
    or MariaDB's free connections cannot take them."""
    conns = deploy.mariadb_connections(backends)
    api_conns = 2 * sum(API_POOL)
    per_cell = sum(LEAF_POOL)
    free = min(CONN_BUDGET, conns['max'] - conns['open'] - CONN_MARGIN)
    by_conn = int((free - api_conns - TOOL_CONNECTIONS) / per_cell)
    by_memory = int((common.mem_available() - MEM_MARGIN)
                    / (CELL_MIB * 2**20))
    return {'by_memory': by_memory, 'by_db_connections': by_conn,
            'cells': max(1, min(asked, by_memory, by_conn)),
            'mariadb_max_connections': conns['max'],
            'mariadb_open_connections': conns['open']}


class ConnectionSampler(common.Background):
    """The peak of the MariaDB connections a deployment holds (a
    RabbitMQ node's figures cost a rabbitmqctl, an Erlang VM, each: they
    are taken idle and after the burst, see :func:`_brokers`)."""

    def __init__(self, dep: Any) -> None:
        super().__init__()
        self.dep = dep
        self.peak = 0

    def _run(self) -> None:
        while True:
            try:
                ours = deploy.mariadb_connections(self.dep.backends,
                                                  self.dep.prefix)['ours']
                self.peak = max(self.peak, ours)
            except Exception:  # full or failing: the watchdog's business
                pass
            if self._stop.wait(0.5):
                return


def run(ctx: common.Context) -> Section:
    section = Section('scale', '5. Scale: cells and simulated hosts')
    asked = int(ctx.shared.get('scale_cells') or ctx.pick(3, ASKED))
    nodes = ctx.pick(10, NODES)
    section.data.update({'asked_cells': asked, 'nodes_per_cell': nodes,
                         'mem_available_gib': round(
                             common.mem_available() / 2**30, 1)})
    fit = planned(asked, launcher.Backends())
    section.data['fit'] = fit
    size = fit['cells']
    section.line(
        f"asked for {asked} cells x {nodes} hosts; the free memory takes "
        f"{fit['by_memory']} cells (~{CELL_MIB} MiB each), MariaDB's free "
        f"connections {fit['by_db_connections']} (max_connections "
        f"{fit['mariadb_max_connections']}, {fit['mariadb_open_connections']}"
        f' open, at most {CONN_BUDGET} for this tree): trying {size} on '
        f'{brokers_for(size, _per_broker(ctx))} RabbitMQ node(s) of its own')
    tried: list[dict[str, Any]] = []
    _attempts(ctx, section, tried, size, nodes)
    section.data['tried'] = tried
    ok = [t for t in tried if 'error' not in t]
    best = max(ok, key=lambda t: t['cells']) if ok else None
    section.data['largest_working'] = (
        {'cells': best['cells'], 'hosts': best['hosts']} if best else None)
    reached = best['cells'] if best else 0
    section.line(f'largest that worked: {reached} cells x {nodes} hosts = '
                 f'{reached * nodes} simulated hosts (asked: {asked} x '
                 f'{nodes})')
    _targets(section, best, asked, nodes)
    return section


def _targets(section: Section, best: dict[str, Any] | None, asked: int,
             nodes: int) -> None:
    """Issue 19, target 4, each MET or MISSED."""
    section.target('scale_cells', f'child cells of {nodes} simulated hosts '
                   'up, idle and booting', best['cells'] if best else 0,
                   asked)
    idle = best['idle'] if best else {}
    boot = best['booting'] if best else {}
    section.target('scale_top_idle_cpu', 'top nova-cells idle CPU %',
                   idle.get('top_cells_cpu_percent'), IDLE_CPU_TARGET,
                   higher_is_better=False)
    section.target('scale_top_rss', 'top nova-cells RSS MiB (idle and '
                   'booting)', max(idle.get('top_cells_rss_mib', math.nan),
                                   boot.get('top_cells_rss_mib', 0.0)),
                   RSS_TARGET_MIB, higher_is_better=False)
    servers = boot.get('servers') or 0
    section.target('scale_burst', 'share of the boot burst ACTIVE through '
                   'the top', round(boot['active'] / servers, 3)
                   if servers else None, 1.0)


def _attempts(ctx: common.Context, section: Section,
              tried: list[dict[str, Any]], size: int, nodes: int) -> None:
    for attempt in dict.fromkeys((size, max(1, int(size * 0.7)))):
        measured: dict[str, Any] = {}
        try:
            _record(section, tried, _one(ctx, attempt, nodes, measured))
            return
        except Exception as exc:
            common.say(f'scale: {attempt} cells failed: {exc}')
            # What was measured before it failed (coming up, idle) stays.
            measured.pop('to_active_samples', None)
            tried.append(dict(measured, cells=attempt,
                              error=str(exc)[:500]))
            section.line(f'{attempt} cells: failed ({str(exc)[:200]})')
            if 'idle' in measured:
                _lines(section, dict(measured, cells=attempt),
                       booting=False)


def _record(section: Section, tried: list[dict[str, Any]],
            result: dict[str, Any]) -> None:
    section.latencies[f"time to ACTIVE, {result['cells']} cells"] = \
        result.pop('to_active_samples')
    tried.append(result)
    _lines(section, result)


def _one(ctx: common.Context, cells: int, nodes: int,
         result: dict[str, Any] | None = None) -> dict[str, Any]:
    """Bring up ``cells`` cells, measure them idle and booting; the
    figures go into ``result`` as they come, so that a caller keeps them
    should a later step fail."""
    result = {} if result is None else result
    tree = 'api:' + ','.join(f's{i}=1' for i in range(1, cells + 1))
    common.say(f'scale: {cells} cells x {nodes} hosts')
    free_before = common.mem_available()
    began = time.monotonic()
    with deploy.deployed(f'scale{cells}', ctx.workroot, tree=tree,
                         computes_per_cell=1, nodes_per_compute=nodes,
                         timeout=ctx.pick(300.0, 900.0) + 12.0 * cells,
                         rabbit_nodes=brokers_for(cells, _per_broker(ctx)),
                         all_in_one=True,
                         overrides={
                             'fake_driver': {'vcpus': 1024,
                                             'memory_mb': 1024 * 1024,
                                             'local_gb': 100000},
                             'database': _pool(API_POOL),
                             'cells': dict(INTERVALS)},
                         leaf_overrides={'database': _pool(LEAF_POOL)}
                         ) as dep, \
            ConnectionSampler(dep) as conns:
        up_seconds = time.monotonic() - began
        result.update({
            'cells': cells, 'hosts': cells * nodes,
            'daemons': len(dep.processes),
            'up_seconds': round(up_seconds, 1),
            'up_steps': {k: round(v, 1) for k, v in dep.timings.items()}})
        pids = dep.pids()
        result['compute_nodes_at_top_cells'] = _node_count(dep)
        result['rss_mib'] = _rss_by_role(pids)
        result['db_connections_idle'] = deploy.mariadb_connections(
            dep.backends, dep.prefix)['ours']
        result['mem_used_gib'] = round(
            (free_before - common.mem_available()) / 2**30, 2)
        top = {'api-cells': pids['api-cells']}
        idle = ctx.pick(10.0, 30.0)
        common.say(f'scale: idle {idle:.0f}s')
        everyone = common.CpuMeter(pids).start()
        with common.RssSampler(top) as rss:
            meter = common.CpuMeter(top).start()
            time.sleep(idle)
            cpu = meter.stop()['api-cells']
        all_cpu = sum(everyone.stop().values())
        result['idle'] = {'seconds': idle,
                          'top_cells_cpu_percent': round(cpu / idle * 100,
                                                         1),
                          'top_cells_rss_mib': rss.peak_mib('api-cells'),
                          'all_daemons_cpu_percent': round(
                              all_cpu / idle * 100, 1)}
        result['brokers_idle'] = _brokers(dep)
        n = ctx.pick(20, 200)
        common.say(f'scale: burst of {n} boots')
        rest = common.Rest(dep.api_url)
        with common.RssSampler(top) as rss:
            booted = boots.burst(rest, dep, n, top, timeout=600.0)
        result['to_active_samples'] = booted.pop('to_active_samples')
        wall = booted['wall_seconds'] or 1.0
        result['booting'] = {
            'servers': n, 'active': booted['active'],
            'servers_per_s': booted['servers_per_s'],
            'time_to_active': booted['time_to_active'],
            'top_cells_cpu_percent': round(
                booted['cpu_seconds']['api-cells'] / wall * 100, 1),
            'top_cells_cpu_ms_per_server':
                booted['cpu_ms_per_server']['api-cells'],
            'top_cells_rss_mib': rss.peak_mib('api-cells')}
        result['db_connections'] = {'idle': result.pop(
            'db_connections_idle'), 'peak': conns.peak}
        result['brokers_after_burst'] = _brokers(dep)
        dog = dep.watchdog
        result['lowest_mem_available_gib'] = round(dog.lowest_mem / 2**30,
                                                   2)
        result['most_mariadb_connections'] = dog.most_connections
    return result


def _per_broker(ctx: common.Context) -> int:
    return int(ctx.pick(QUICK_CELLS_PER_BROKER, CELLS_PER_BROKER))


def _pool(pool: tuple[int, int]) -> dict[str, int]:
    # Services of one process wait their turn for a pooled connection.
    return {'max_pool_size': pool[0], 'max_overflow': pool[1],
            'pool_timeout': 120}


def _brokers(dep: Any) -> dict[str, dict[str, Any]]:
    """What each RabbitMQ node of the deployment holds: its vhosts
    (cells), sockets (AMQP connections) and memory."""
    out: dict[str, dict[str, Any]] = {}
    vhosts = {n.name: len(n.vhosts) for n in dep.brokers.nodes}
    for name, backends in dep.node_backends().items():
        try:
            status = deploy.broker_sockets(backends)
        except Exception as exc:  # a report names it, the run goes on
            out[name] = {'vhosts': vhosts[name], 'error': str(exc)[:200]}
            continue
        out[name] = {'vhosts': vhosts[name], 'sockets': status['used'],
                     'sockets_limit': status['limit'],
                     'rss_mib': status['rss_mib']}
    return out


def _node_count(dep: Any) -> int:
    total = 0
    for plan in dep.cells[1:]:
        total += int(dep.query(plan.name, 'SELECT COUNT(*) FROM '
                               'compute_nodes WHERE deleted = 0')[0][0])
    return total


def _rss_by_role(pids: dict[str, int]) -> dict[str, Any]:
    roles: dict[str, list[int]] = {}
    for name, pid in pids.items():
        role = name.split('-', 1)[1] if not name.startswith('api-') \
            else name
        role = 'compute' if role.startswith('compute') else role
        roles.setdefault(role, []).append(common.rss_bytes(pid) or 0)
    values = [v for vs in roles.values() for v in vs]
    out: dict[str, Any] = {
        role: round(sum(vs) / len(vs) / 2**20, 1)
        for role, vs in sorted(roles.items())}
    out['total'] = round(sum(values) / 2**20, 1)
    out['mean_per_daemon'] = round(sum(values) / len(values) / 2**20, 1)
    return out


def _lines(section: Section, r: dict[str, Any],
           booting: bool = True) -> None:
    """The report lines of one tree; ``booting``: it got through its
    burst of boots (otherwise only coming up and idle are reported)."""
    idle = r['idle']
    section.line(
        f"{r['cells']} cells x {r['hosts'] // r['cells']} hosts = "
        f"{r['hosts']} hosts ({r['compute_nodes_at_top_cells']} compute "
        f"nodes in the cells' DBs), {r['daemons']} daemons, up in "
        f"{r['up_seconds']:.0f}s ({r['up_steps']}); RSS total "
        f"{r['rss_mib']['total'] / 1024:.1f} GiB, mean "
        f"{r['rss_mib']['mean_per_daemon']:.0f} MiB per daemon "
        f"(by role, MiB: " + ', '.join(
            f'{k} {v:.0f}' for k, v in r['rss_mib'].items()
            if k not in ('total', 'mean_per_daemon')) + ')')
    section.line(
        f"top nova-cells idle: {idle['top_cells_cpu_percent']}% CPU, "
        f"{idle['top_cells_rss_mib']} MiB RSS (all daemons together "
        f"{idle['all_daemons_cpu_percent']}% CPU)")
    _broker_lines(section, 'idle', r.get('brokers_idle') or {})
    if not booting:
        return
    boot = r['booting']
    section.line(
        f"top nova-cells booting {boot['servers']} servers "
        f"({boot['active']} ACTIVE, {boot['servers_per_s']} servers/s, "
        f"time to ACTIVE {common.fmt_ms(boot['time_to_active'])}): "
        f"{boot['top_cells_cpu_percent']}% CPU, "
        f"{boot['top_cells_cpu_ms_per_server']} ms CPU per server, peak "
        f"{boot['top_cells_rss_mib']} MiB RSS")
    _broker_lines(section, 'after the burst',
                  r.get('brokers_after_burst') or {})
    section.line(f"MariaDB connections of this tree: {r['db_connections']}"
                 f"; most open on the server: "
                 f"{r['most_mariadb_connections']}; lowest free "
                 f"memory: {r['lowest_mem_available_gib']} GiB")


def _broker_lines(section: Section, when: str,
                  nodes: dict[str, dict[str, Any]]) -> None:
    for name, node in nodes.items():
        if 'error' in node:
            section.line(f"RabbitMQ {name} ({when}): {node['vhosts']} "
                         f"vhosts; status failed: {node['error']}")
            continue
        section.line(f"RabbitMQ {name} ({when}): {node['vhosts']} vhosts, "
                     f"{node['sockets']} of {node['sockets_limit']} "
                     f"sockets, {node['rss_mib']} MiB")
