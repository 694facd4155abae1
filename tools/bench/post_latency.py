"""Benchmark 2b: ``POST /servers`` latency on an idle tree.

``N`` servers POSTed one after another with the client the boot
benchmarks use (:func:`clients.post_one`, one keep-alive connection),
each POST timed at the client from sending it to the last byte of the
202; before the next POST the server is waited for until ACTIVE (read
from the API cell's replica, :class:`boots.Watcher`), so that every POST
meets an idle tree.  Issue 19, target 2: p50 <= 15 ms, p99 <= 40 ms.
"""

from __future__ import annotations

from typing import Any

from nova.tools.bench import boots
from nova.tools.bench import clients
from nova.tools.bench import common
from nova.tools.bench import profiling
from nova.tools.bench.report import Section

P50_MS = 15.0
P99_MS = 40.0


def run(ctx: common.Context, dep: Any) -> Section:
    section = Section('post_latency', '2b. POST /servers latency, idle '
                      'tree, one client')
    n = ctx.pick(50, 300)
    rest = common.Rest(dep.api_url)
    clients.first_ids(rest)
    took = []
    api = {k: v for k, v in dep.pids().items() if k == 'api-api'}
    with profiling.Profile(bool(ctx.shared.get('profile')), ctx.outdir,
                           'post', api) as prof, \
            boots.Watcher(dep) as watcher:
        for i in range(n):
            sid, _began, seconds = clients.post_one(rest, f'post-{i}')
            took.append(seconds)
            watcher.watch(sid)
            common.poll_until('POSTed server ACTIVE', 60.0,
                              watcher.done_check(sid), interval=0.005)
    profiling.attach(section, prof)
    summary = common.summary_ms(took)
    section.data.update({'n': n, 'client_concurrency': 1,
                         'post_latency': summary})
    section.latencies['POST /servers, idle tree'] = took
    section.line(f'{n} POSTs one after another (1 client, keep-alive), '
                 f'each after the last server was ACTIVE: '
                 f'{common.fmt_ms(summary, ("p50", "p90", "p99"))}')
    section.target('post_p50', 'POST /servers p50 ms, idle tree',
                   summary.get('p50_ms'), P50_MS, higher_is_better=False)
    section.target('post_p99', 'POST /servers p99 ms, idle tree',
                   summary.get('p99_ms'), P99_MS, higher_is_better=False)
    return section
