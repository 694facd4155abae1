"""The deployment benchmarks 2-4 share: an API cell above three child
cells, each child with nova-cells, nova-scheduler, nova-network and
``COMPUTES`` nova-compute processes of ``NODES`` fake hypervisor nodes
each (no spawn delay), on RabbitMQ and MariaDB.

POST latency runs first, on the idle tree; then boots (they also make
the real servers the other two use);
reads then top the tree up by copying servers (see :mod:`bench.reads`);
sync changes servers of the first child cell.
"""

from __future__ import annotations

from typing import Any

from nova.tools import launcher
from nova.tools.bench import boots
from nova.tools.bench import common
from nova.tools.bench import deploy
from nova.tools.bench import post_latency
from nova.tools.bench import reads
from nova.tools.bench import report as report_mod
from nova.tools.bench import sync_latency

CHILDREN = 3
COMPUTES = 2
NODES = 5
# Big simulated hosts, so that capacity never limits a benchmark.
FAKE_HOST = {'vcpus': 1024, 'memory_mb': 1024 * 1024, 'local_gb': 100000}
# Servers the reads and sync benchmarks need when boots did not run.
SEED_SERVERS = 30


def overrides() -> launcher.Overrides:
    return {'fake_driver': dict(FAKE_HOST, spawn_delay=0.0)}


def run(ctx: common.Context, report: report_mod.Report,
        parts: list[str]) -> None:
    tree = 'api:' + ','.join(f'cell{i}' for i in range(1, CHILDREN + 1))
    with deploy.deployed('tree', ctx.workroot, tree=tree,
                         computes_per_cell=COMPUTES, nodes_per_compute=NODES,
                         fixed_prefix=20, overrides=overrides()) as dep:
        if 'post_latency' in parts:
            _part(report, 'post_latency', post_latency.run, ctx, dep)
        if 'boots' in parts:
            _part(report, 'boots', boots.run, ctx, dep)
        elif 'reads' in parts or 'sync' in parts:
            rest = common.Rest(dep.api_url)
            common.say(f'seeding {SEED_SERVERS} servers')
            boots.burst(rest, dep, SEED_SERVERS, {}, timeout=300.0)
        if 'reads' in parts:
            _part(report, 'reads', reads.run, ctx, dep)
        if 'sync' in parts:
            _part(report, 'sync', sync_latency.run, ctx, dep)


def _part(report: report_mod.Report, name: str, func: Any,
          ctx: common.Context, dep: Any) -> None:
    if dep.watchdog.tripped or dep.dead_processes():
        report.failed(name, 'the deployment is down: '
                      + (dep.watchdog.tripped or 'a daemon died'))
        return
    with report.failures_recorded(name):
        report.add(func(ctx, dep))
