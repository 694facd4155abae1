"""Benchmark 6: the same boot and list workloads on OpenStack Nova.

The peer is real OpenStack Nova (cells v2) from PyPI, installed at run
time into a virtualenv of its own under the results folder
(``results/.peer-venv``, reused by later runs while its package list is
unchanged); none of its code enters this repository.  It runs in one
process with its own functional-test harness (see
``tools/bench/peer_driver.py``): one cell v2 with ``COMPUTES`` fake
computes, serving its nova-api on a local HTTP port.  The bench drives
it with the same client as our tree (:mod:`bench.clients`), the same
N and the same client concurrencies (1 and ``boots.POSTERS``).  The
report prints our numbers over the peer's, measured in this same run.
When the peer cannot be installed or run, the section says "peer: not
available (reason)" and the rest of the report stands.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time
from typing import Any

from nova.tools.bench import boots
from nova.tools.bench import clients
from nova.tools.bench import common
from nova.tools.bench import reads
from nova.tools.bench.report import Report
from nova.tools.bench.report import Section

# What the peer's functional tests need besides nova itself.
PEER_PACKAGES = ['nova', 'openstack-placement', 'fixtures', 'oslotest',
                 'testtools', 'requests-mock', 'wsgi-intercept',
                 'testscenarios', 'testresources', 'ddt', 'osprofiler']
INSTALL_TIMEOUT = 1800.0
# As many compute hosts as our tree has hypervisor nodes (3 cells x 2
# computes x 5 nodes); with 3, the peer's claims slow down as servers
# pile up on each host (see peer_driver.COMPUTES) and N=500 does not
# finish in 20 minutes.
COMPUTES = 30
VENV = common.RESULTS_DIR / '.peer-venv'
# Issue 19, target 1: ours at least this many times the peer's servers/s
# in each (client concurrency, N) cell.
TARGET_RATIO = 15.0
LIST_REPEATS = 3


class PeerUnavailable(Exception):
    pass


def _base_python() -> str:
    return getattr(sys, '_base_executable', None) or shutil.which(
        'python3') or sys.executable


def ensure_venv(packages: list[str]) -> tuple[pathlib.Path, str]:
    """The peer's virtualenv with ``packages``; and nova's version."""
    python = VENV / 'bin' / 'python'
    stamp = VENV / '.bench-packages'
    wanted = ' '.join(packages)
    if not (python.exists() and stamp.exists()
            and stamp.read_text() == wanted):
        shutil.rmtree(VENV, ignore_errors=True)
        common.say(f'peer: creating {VENV} and installing '
                   f'{", ".join(packages)} from PyPI (minutes)')
        _run([_base_python(), '-m', 'venv', str(VENV)], 300)
        _run([str(python), '-m', 'pip', 'install', '-q', '--upgrade',
              'pip'], 600)
        _run([str(python), '-m', 'pip', 'install', '-q', *packages],
             INSTALL_TIMEOUT)
        stamp.write_text(wanted)
    version = subprocess.run(
        [str(python), '-c', 'from importlib import metadata; '
         'print(metadata.version("nova"))'], capture_output=True,
        text=True, timeout=60, check=False).stdout.strip()
    if not version:
        raise PeerUnavailable('nova does not import in the peer venv')
    return python, version


def _run(argv: list[str], timeout: float) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PeerUnavailable(f'{pathlib.Path(argv[0]).name} '
                              f'{" ".join(argv[1:4])} took longer than '
                              f'{timeout:.0f}s') from None
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines()
                  if 'ERROR' in line or 'error' in line][-3:]
        raise PeerUnavailable(f'{" ".join(argv[1:4])} failed: '
                              + ' | '.join(errors or [result.stderr[-300:]]))


def run_peer(ctx: common.Context, python: pathlib.Path,
             cells: list[tuple[int, int]], budget: float) -> dict[str, Any]:
    """Start the peer serving its API on a local port, drive it with
    :func:`clients.boot_burst` for each (concurrency, N) of ``cells``,
    stop it; the bursts by ``'c<concurrency>-<N>'``."""
    workdir = ctx.workroot / 'peer'
    workdir.mkdir(parents=True, exist_ok=True)
    port_file, stop_file = workdir / 'port', workdir / 'stop'
    for path in (port_file, stop_file):
        path.unlink(missing_ok=True)
    env = dict(os.environ, BENCH_PEER_OUT=str(workdir / 'result.json'),
               BENCH_PEER_BUDGET=str(budget * len(cells) + 300),
               BENCH_PEER_COMPUTES=str(COMPUTES),
               BENCH_PEER_PORT_FILE=str(port_file),
               BENCH_PEER_STOP_FILE=str(stop_file))
    for key in ('PYTHONPATH', 'VIRTUAL_ENV'):
        env.pop(key, None)
    log = workdir / 'peer.log'
    result: dict[str, Any] = {'bursts': {}}
    with open(log, 'w') as f:
        proc = subprocess.Popen(
            [str(python), str(common.BENCH_DIR / 'peer_driver.py')],
            cwd=str(workdir), env=env, stdin=subprocess.DEVNULL, stdout=f,
            stderr=subprocess.STDOUT, start_new_session=True)
        meter = common.CpuMeter({'peer': proc.pid}).start()
        try:
            try:
                common.poll_until('the peer\'s API port', 600.0,
                                  lambda: port_file.exists()
                                  or proc.poll() is not None)
            except TimeoutError:
                raise PeerUnavailable('the peer did not serve its API in '
                                      '600s') from None
            if proc.poll() is not None:
                raise PeerUnavailable(f'the peer test failed (exit '
                                      f'{proc.returncode}): '
                                      + common.tail(str(log), 5))
            rest = common.Rest(f'http://127.0.0.1:{port_file.read_text()}')
            for concurrency, n in cells:
                common.say(f'peer: burst of {n} from {concurrency} '
                           'client(s)')
                burst = clients.boot_burst(rest, n, concurrency,
                                           f'peer-c{concurrency}-{n}',
                                           budget)
                burst.pop('posted_ids')
                burst['time_to_active'] = common.summary_ms(
                    burst.pop('to_active_samples'))
                # The boots are measured: keep them whatever the
                # listing after them does.
                result['bursts'][f'c{concurrency}-{n}'] = burst
                try:
                    lists = [reads.list_all(rest, boots.PAGE)
                             for _ in range(LIST_REPEATS)]
                except (RuntimeError, OSError) as exc:
                    burst['detail_error'] = str(exc)[:300]
                    common.say(f'  peer: listing failed: {exc}')
                else:
                    burst['detail'] = common.summary_ms(
                        [seconds for seconds, _, _ in lists])
                    burst['listed'] = lists[0][2]
                if proc.poll() is not None:
                    break
            result['cpu_seconds'] = meter.stop()['peer']
        finally:
            stop_file.touch()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 15)
                proc.wait(30)
    result['exit'] = proc.returncode
    return result


def run(ctx: common.Context, report: Report) -> Section:
    section = Section('peer', '6. Peer: OpenStack Nova (cells v2), the same '
                      'client')
    ours = ctx.shared.get('boots', {})
    sizes = sorted({n for _, n in ours}) or ctx.shared.get(
        'boot_sizes') or ctx.pick([20, 60], [100, 500])
    cells = [(c, n) for n in sizes for c in boots.CONCURRENCY]
    budget = ctx.pick(300.0, 1200.0)
    try:
        began = time.monotonic()
        python, version = ensure_venv(PEER_PACKAGES)
        section.data['install_seconds'] = round(time.monotonic() - began)
        section.data['nova_version'] = version
        common.say(f'peer: nova {version}, boots of {cells}')
        peer = run_peer(ctx, python, cells, budget)
    except (PeerUnavailable, OSError, RuntimeError) as exc:
        section.line(f'peer: not available ({exc})')
        section.data['available'] = False
        section.data['reason'] = str(exc)
        return section
    section.data['available'] = True
    section.data['peer'] = peer
    section.line(f'OpenStack Nova {version} from PyPI, its functional-test '
                 f'harness in one process (1 cell v2 with {COMPUTES} '
                 'computes, fake.FakeDriver, casts asynchronous, SQLite in '
                 'memory) serving its nova-api on a local HTTP port; ours: '
                 'separate daemons on RabbitMQ and MariaDB.  Both driven '
                 'by the same client (bench.clients: N POSTs from 1 or '
                 f'{boots.POSTERS} keep-alive clients, ACTIVE read by '
                 'polling GET /servers?status=ACTIVE)')
    for concurrency, n in cells:
        theirs = peer['bursts'].get(f'c{concurrency}-{n}')
        mine = ours.get((concurrency, n))
        who = f'N={n}, {concurrency} client(s) on each side'
        if not theirs:
            section.line(f'{who}: the peer did not get there')
            continue
        listing = (f'/servers/detail of {theirs["listed"]} servers '
                   f'{common.fmt_ms(theirs["detail"])}' if 'detail' in theirs
                   else f'/servers/detail failed: {theirs["detail_error"]}')
        section.line(
            f'peer {who}: {theirs["active"]} ACTIVE, {theirs["errors"]} '
            f'ERROR, {theirs["stuck"]} unfinished; '
            f'{theirs["wall_seconds"]:.1f}s = '
            f'{_num(theirs["servers_per_s"])} servers/s, POST '
            f'{common.fmt_ms(theirs["post_latency"])}, time to ACTIVE '
            f'{common.fmt_ms(theirs["time_to_active"])}; GET {listing}')
        if not mine:
            continue
        boot_ratio = common.ratio(mine['servers_per_s'],
                                  theirs['servers_per_s'])
        compared = ''
        if 'detail' in theirs:
            list_ratio = common.ratio(theirs['detail'].get('p50_ms'),
                                      mine['detail']['p50_ms'])
            compared = f' = x{list_ratio} faster than the peer'
        section.line(
            f'ours {who}: {mine["servers_per_s"]} servers/s = '
            f'x{boot_ratio} the peer; GET /servers/detail of '
            f'{mine["listed"]} servers p50 {mine["detail"]["p50_ms"]:.1f} '
            f'ms{compared}')
        section.target(f'boot_ratio_c{concurrency}_{n}',
                       f'our servers/s / the peer\'s, N={n}, '
                       f'{concurrency} client(s) on each side', boot_ratio,
                       TARGET_RATIO)
    if peer.get('cpu_seconds') is not None:
        section.line(f'peer CPU seconds in all: {peer["cpu_seconds"]:.0f}')
    return section


def _num(value: Any) -> str:
    return f'{value:.2f}' if isinstance(value, float) else str(value)
