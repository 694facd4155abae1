"""Deployments for the benchmarks: the launcher's trees with benchmark
settings, always torn down, and a watchdog that stops a tree before it
starves this shared machine (memory, MariaDB connections).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
import pathlib
import signal
import time
from typing import Any
import uuid

from nova.tools import launcher
from nova.tools.bench import common
from nova.tools.bench.common import say
from nova.tools.launcher import Overrides

ALWAYS: Overrides = {
    'quota': {'instances': -1, 'cores': -1, 'ram': -1},
    # The service defaults (the launcher keeps pools small for tests); a
    # burst can then open several hundred connections: --db-connections.
    'database': {'max_pool_size': 64, 'max_overflow': 16},
}


def merge_ini(text: str, overrides: Overrides) -> str:
    """``text`` with ``overrides`` ({section: {key: value}}) applied:
    existing keys replaced in place, new keys and sections added."""
    pending = {s: dict(opts) for s, opts in overrides.items()}
    out: list[str] = []
    section: str | None = None

    def flush() -> None:
        if section is not None and pending.get(section):
            while out and not out[-1].strip():
                out.pop()
            out.extend(f'{k} = {launcher.ini_value(v)}'
                       for k, v in pending.pop(section).items())
            out.append('')

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith('[') and stripped.endswith(']'):
            flush()
            section = stripped[1:-1]
        elif section is not None and '=' in stripped and \
                not stripped.startswith('#'):
            key = stripped.split('=', 1)[0].strip()
            if key in pending.get(section, {}):
                value = pending[section].pop(key)
                line = f'{key} = {launcher.ini_value(value)}'
        out.append(line)
    flush()
    for name, opts in pending.items():
        if opts:
            out += ['', f'[{name}]']
            out += [f'{k} = {launcher.ini_value(v)}' for k, v in opts.items()]
    return '\n'.join(out) + '\n'


class BenchDeployment(launcher.Deployment):
    """A launcher deployment with benchmark settings in its config files.

    ``overrides`` go into every cell's file, over :data:`ALWAYS` (no
    quota limits: the benchmarks boot hundreds of servers as one
    project); ``nodes_per_compute`` makes
    each compute process simulate that many hypervisor nodes
    (``[fake_driver] nodes``); ``fixed_prefix`` widens each cell's
    fixed-IP range (``/24`` by default) so that many servers fit.
    """

    def __init__(self, *args: Any, overrides: Overrides | None = None,
                 nodes_per_compute: int = 1, fixed_prefix: int = 24,
                 leaf_overrides: Overrides | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.overrides = {s: dict(o) for s, o in ALWAYS.items()}
        for section, opts in (overrides or {}).items():
            self.overrides.setdefault(section, {}).update(opts)
        # Over those, in the cells that run compute hosts only.
        self.leaf_overrides = leaf_overrides or {}
        if self.all_in_one and nodes_per_compute > 1 and any(
                len(plan.compute_hosts) > 1 for plan in self.cells):
            # nova-all's compute hosts read the cell's file: one list of
            # nodes would be every host's.
            raise ValueError('all_in_one simulates several nodes only '
                             'with one compute host per cell')
        self.nodes_per_compute = nodes_per_compute
        self.fixed_prefix = fixed_prefix
        # Set by deployed(): the benchmarks ask it whether it tripped.
        self.watchdog: Watchdog | None = None

    def _write_configs(self) -> None:
        super()._write_configs()
        for plan in self.cells:
            extra = {s: dict(o) for s, o in self.overrides.items()}
            if plan.fixed_range:
                net = plan.fixed_range.split('/')[0]
                extra.setdefault('network', {})['fixed_range'] = \
                    f'{net}/{self.fixed_prefix}'
            if not plan.compute_hosts:
                extra.pop('fake_driver', None)
            else:
                for section, opts in self.leaf_overrides.items():
                    extra.setdefault(section, {}).update(opts)
            if self.all_in_one and plan.compute_hosts and \
                    self.nodes_per_compute > 1:
                extra.setdefault('fake_driver', {})['nodes'] = \
                    self._nodes(plan.compute_hosts[0])
            text = pathlib.Path(plan.conf).read_text()
            launcher.write_private(plan.conf, merge_ini(text, extra))
            for host in plan.compute_hosts:
                if self.nodes_per_compute <= 1 or self.all_in_one:
                    continue
                nodes = self._nodes(host)
                path = self._host_conf(host)
                text = pathlib.Path(path).read_text()
                launcher.write_private(path, merge_ini(
                    text, {'fake_driver': {'nodes': nodes}}))

    def _nodes(self, host: str) -> str:
        """The ``[fake_driver] nodes`` of compute host ``host``."""
        return ','.join(f'{host}-n{i}'
                        for i in range(1, self.nodes_per_compute + 1))

    def pids(self, include_tools: bool = False) -> dict[str, int]:
        """Daemon name -> pid (e.g. 'api-cells', 'cell1-compute1')."""
        return {p.name: p.pid for p in self.processes if p.is_alive()}


def mariadb_connections(backends: Any, prefix: str | None = None
                        ) -> dict[str, int]:
    """MariaDB's connection limit, the connections open now, and those
    open to the databases named ``<prefix>_*``."""
    with backends.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SHOW VARIABLES LIKE 'max_connections'")
        limit = int(cursor.fetchone()[1])
        cursor.execute('SELECT COUNT(*) FROM information_schema.processlist')
        used = int(cursor.fetchone()[0])
        mine = 0
        if prefix:
            cursor.execute('SELECT COUNT(*) FROM information_schema.'
                           'processlist WHERE db LIKE %s', (prefix + '%',))
            mine = int(cursor.fetchone()[0])
    return {'max': limit, 'open': used, 'ours': mine}


def broker_sockets(backends: Any) -> dict[str, Any]:
    """A RabbitMQ node's socket limit, the sockets open now (an AMQP
    connection holds one), its memory and its Erlang VM's pid."""
    status = json.loads(backends.rabbitmqctl('status', '--formatter',
                                             'json'))
    fds = status['file_descriptors']
    total = status.get('memory', {}).get('total', {})
    rss = int(total.get('rss', 0)) if isinstance(total, dict) else 0
    return {'limit': int(fds['sockets_limit']),
            'used': int(fds['sockets_used']),
            'rss_mib': round(rss / 2**20, 1),
            'pid': int(status.get('pid') or 0)}


class Watchdog(common.Background):
    """Stops a deployment before it starves this shared machine.

    Every second it looks at the free memory and MariaDB's free
    connections (other people's tests need both).  Below ``MEM_FLOOR``,
    or below ``CONN_FLOOR`` free connections while this deployment holds
    at least ``CONN_SHARE`` of them (if others hold most, stopping ours
    would not help them), it SIGTERMs the deployment's daemons, which
    makes the benchmark fail and tear down.
    """

    # Free memory left to the machine's shared services (MariaDB and
    # RabbitMQ grow with a big tree's connections).
    MEM_FLOOR = 2 * 2**30
    CONN_FLOOR = 15
    CONN_SHARE = 0.4

    def __init__(self, dep: Any) -> None:
        super().__init__()
        self.dep = dep
        self.tripped = ''
        self.lowest_mem = common.mem_available()
        self.most_connections = 0

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            free = common.mem_available()
            self.lowest_mem = min(self.lowest_mem, free)
            try:
                conns = mariadb_connections(self.dep.backends,
                                            self.dep.prefix)
            except Exception:
                conns = {'max': 1, 'open': 0, 'ours': 0}
            self.most_connections = max(self.most_connections,
                                        conns['open'])
            if free < self.MEM_FLOOR:
                self.trip(f'free memory down to {free / 2**20:.0f} MiB')
            elif (conns['open'] >= conns['max'] - self.CONN_FLOOR
                  and conns['ours'] >= conns['max'] * self.CONN_SHARE):
                self.trip(f"MariaDB has {conns['open']} of "
                          f"{conns['max']} connections open, "
                          f"{conns['ours']} of them ours")

    def trip(self, why: str) -> None:
        if self.tripped:
            return
        self.tripped = why
        say(f'  WATCHDOG: {why}: stopping the deployment')
        for proc in list(self.dep.processes):
            self.dep.send_signal(proc, signal.SIGTERM)


@contextlib.contextmanager
def deployed(label: str, workroot: pathlib.Path, timeout: float = 300.0,
             **kwargs: Any) -> Iterator[Any]:
    """A :class:`BenchDeployment` that is up; always taken down again."""
    prefix = f'bench_{label}_{uuid.uuid4().hex[:6]}'
    dep = BenchDeployment(workroot / label, prefix=prefix,
                          out=lambda line: say(f'  [{label}] {line}'),
                          **kwargs)
    dog = Watchdog(dep)
    try:
        with dog:
            dep.up(timeout=timeout)
            dep.watchdog = dog
            yield dep
        if dog.tripped:
            raise RuntimeError(f'stopped by the watchdog: {dog.tripped}')
    except BaseException:
        if dog.tripped:
            say(f'  [{label}] the watchdog stopped it: {dog.tripped}')
        for proc in dep.processes:
            if not proc.is_alive():
                say(f'  [{label}] {proc.name} died:\n'
                    + launcher.tail(proc.log, 15))
        raise
    finally:
        began = time.monotonic()
        try:
            dep.down(grace=20.0)
        finally:
            left = dep.leftovers()
            say(f'  [{label}] down in {time.monotonic() - began:.1f}s'
                + (f'; LEFT BEHIND: {left}' if left else ''))
