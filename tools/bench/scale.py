"""Benchmark 5: how many cells and simulated hosts one machine holds.

An API cell above K child cells; each child runs nova-cells,
nova-scheduler, nova-network and ONE nova-compute simulating ``NODES``
hypervisor nodes (``[fake_driver] nodes``), all as separate daemons on
RabbitMQ and MariaDB, with capacity reports every few seconds (the
launcher's ``capacity_update_interval``).  Measured: how long the tree
takes to come up, the memory of every daemon, and the top nova-cells'
RSS and CPU while idle and during a burst of boots.

The issue asks for 75 cells of 100 hosts.  Each daemon is a Python
process of ~90 MiB holding its own MariaDB connections, four daemons per
cell, and this machine's MariaDB allows ``max_connections`` (151 by
default) for everybody.  So a small probe tree (``PROBE_CELLS``) comes up
first and measures what one cell costs; the benchmark then tries the
largest tree that fits the free memory (keeping ``MEM_MARGIN``), the
free connections (keeping ``CONN_MARGIN`` for the other users of this
machine) and RabbitMQ's free sockets (``SOCKET_SHARE``; every cell
shares the one broker here, whose file descriptors run out first),
capped at what was asked, and once more at 70% if that fails.  The
deployments' watchdog (:class:`bench.deploy.Watchdog`) stops a tree that
starves the machine anyway.  The report names what was asked,
what was tried and what worked.
"""

from __future__ import annotations

import time
from typing import Any

from nova.tools import launcher
from nova.tools.bench import boots
from nova.tools.bench import common
from nova.tools.bench import deploy
from nova.tools.bench.report import Section

NODES = 100
MEM_MARGIN = 3 * 2**30
# MariaDB connections left for the other users of this machine.
CONN_MARGIN = 40
# Share of RabbitMQ's sockets a tree may plan for: the probe's peak per
# cell grows in a bigger tree (the top opens connections to every child
# broker), and other users of this machine need some.
SOCKET_SHARE = 0.7
# Cells of the first, small deployment, which measures what a cell costs.
PROBE_CELLS = 5


def largest_fit(probe: dict[str, Any], backends: Any,
                asked: int) -> dict[str, Any]:
    """How many cells fit in the memory and the MariaDB connections
    left, going by what the probe deployment used: memory and idle
    connections grow with the cells; the boot burst's extra connections
    (the same burst whatever the size) do not."""
    cells = probe['cells']
    # What the tree took from the free memory (shared pages count once),
    # or its RSS total if that was not measurable.
    used = probe['mem_used_gib'] * 2**30
    if used <= 0:
        used = probe['rss_mib']['total'] * 2**20
    per_cell_rss = used / (cells + 0.5)
    idle = probe['db_connections']['idle']
    burst_extra = max(probe['db_connections']['peak'] - idle, 0)
    per_cell_conn = max(idle / cells, 1.0)
    conns = deploy.mariadb_connections(backends)
    spare_conn = conns['max'] - conns['open'] - CONN_MARGIN - burst_extra
    spare_mem = common.mem_available() - MEM_MARGIN
    by_memory = int(spare_mem / per_cell_rss)
    by_conn = int(spare_conn / per_cell_conn)
    # RabbitMQ runs out of file descriptors before memory does: at 75
    # cells (302 daemons) its sockets ran out during the boots and its
    # internal database stopped.  The probe's peak, boots included,
    # scales with the cells.
    broker = deploy.broker_sockets(backends)
    per_cell_sockets = max(probe['broker_sockets_peak'] / cells, 1.0)
    by_sockets = int((broker['limit'] * SOCKET_SHARE - broker['used'])
                     / per_cell_sockets)
    return {'by_memory': by_memory, 'by_db_connections': by_conn,
            'by_broker_sockets': by_sockets,
            'cells': max(1, min(asked, by_memory, by_conn, by_sockets)),
            'per_cell_broker_sockets': round(per_cell_sockets, 1),
            'broker_sockets_limit': broker['limit'],
            'per_cell_rss_mib': round(per_cell_rss / 2**20),
            'per_cell_idle_db_connections': round(per_cell_conn, 1),
            'burst_db_connections': burst_extra,
            'mariadb_max_connections': conns['max'],
            'mariadb_open_connections': conns['open']}


class ConnectionSampler(common.Background):
    """Peaks of the MariaDB connections a deployment holds and of the
    sockets open on RabbitMQ (the broker every cell shares here)."""

    def __init__(self, dep: Any) -> None:
        super().__init__()
        self.dep = dep
        self.peak = 0
        self.peak_sockets = 0

    def _run(self) -> None:
        while True:
            try:
                ours = deploy.mariadb_connections(self.dep.backends,
                                                  self.dep.prefix)['ours']
                self.peak = max(self.peak, ours)
                sockets = deploy.broker_sockets(self.dep.backends)['used']
                self.peak_sockets = max(self.peak_sockets, sockets)
            except Exception:  # full or failing: the watchdog's business
                pass
            if self._stop.wait(0.5):
                return


def run(ctx: common.Context) -> Section:
    section = Section('scale', '5. Scale: cells and simulated hosts')
    asked = int(ctx.shared.get('scale_cells') or ctx.pick(3, 75))
    nodes = ctx.pick(20, NODES)
    probe_cells = min(asked, PROBE_CELLS)
    section.data.update({'asked_cells': asked, 'nodes_per_cell': nodes,
                         'mem_available_gib': round(
                             common.mem_available() / 2**30, 1)})
    tried: list[dict[str, Any]] = []
    common.say(f'scale: a probe of {probe_cells} cells first')
    result = _one(ctx, probe_cells, nodes)
    _record(section, tried, result)
    if asked > probe_cells:
        fit = largest_fit(result, launcher.Backends(), asked)
        section.data['fit'] = fit
        size = fit['cells']
        section.line(
            f"asked for {asked} cells; one cell took ~"
            f"{fit['per_cell_rss_mib']} MiB of free memory and "
            f"{fit['per_cell_idle_db_connections']} MariaDB connections "
            f"idle (the burst {fit['burst_db_connections']} more), so "
            f"{fit['by_memory']} cells fit in the free memory and "
            f"{fit['by_db_connections']} in the connections left "
            f"(max_connections {fit['mariadb_max_connections']}, "
            f"{fit['mariadb_open_connections']} open), "
            f"{fit['by_broker_sockets']} in RabbitMQ's sockets "
            f"({fit['per_cell_broker_sockets']} per cell at the peak, "
            f"limit {fit['broker_sockets_limit']}): trying {size}")
        _attempts(ctx, section, tried, size, probe_cells, nodes)
    section.data['tried'] = tried
    ok = [t for t in tried if 'error' not in t]
    best = max(ok, key=lambda t: t['cells'])
    section.data['largest_working'] = {'cells': best['cells'],
                                       'hosts': best['hosts']}
    section.line(f"largest that worked: {best['cells']} cells x {nodes} "
                 f"hosts = {best['hosts']} simulated hosts "
                 f'(asked: {asked} x {nodes})')
    return section


def _attempts(ctx: common.Context, section: Section,
              tried: list[dict[str, Any]], size: int, probe_cells: int,
              nodes: int) -> None:
    for attempt in (size, int(size * 0.7)):
        if attempt <= probe_cells:
            return
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
                         timeout=ctx.pick(300.0, 1500.0),
                         overrides={'fake_driver': {
                             'vcpus': 1024, 'memory_mb': 1024 * 1024,
                             'local_gb': 100000}}) as dep, \
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
        result['broker_sockets_peak'] = conns.peak_sockets
        dog = dep.watchdog
        result['lowest_mem_available_gib'] = round(dog.lowest_mem / 2**30,
                                                   2)
        result['most_mariadb_connections'] = dog.most_connections
    return result


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
    section.line(f"MariaDB connections of this tree: {r['db_connections']}"
                 f"; most open on the server: "
                 f"{r['most_mariadb_connections']}; RabbitMQ sockets at "
                 f"the peak: {r['broker_sockets_peak']}; lowest free "
                 f"memory: {r['lowest_mem_available_gib']} GiB")
