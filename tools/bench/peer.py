"""Benchmark 6: the same boot and list workloads on OpenStack Nova.

The peer is real OpenStack Nova (cells v2) from PyPI, installed at run
time into a virtualenv of its own under the results folder
(``results/.peer-venv``, reused by later runs while its package list is
unchanged); none of its code enters this repository.  It runs in one
process with its own functional-test harness (see
``tools/bench/peer_driver.py``): one cell v2 with ``COMPUTES`` fake
computes, the same N as our boots.  The report prints our numbers over
the peer's, measured in this same run.  When the peer cannot be installed
or run, the section says "peer: not available (reason)" and the rest of
the report stands.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
from typing import Any

from nova.tools.bench import common
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


def run_peer(ctx: common.Context, python: pathlib.Path, sizes: list[int],
             budget: float) -> dict[str, Any]:
    workdir = ctx.workroot / 'peer'
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / 'result.json'
    env = dict(os.environ, BENCH_PEER_SIZES=json.dumps(sizes),
               BENCH_PEER_OUT=str(out), BENCH_PEER_BUDGET=str(budget),
               BENCH_PEER_COMPUTES=str(COMPUTES))
    for key in ('PYTHONPATH', 'VIRTUAL_ENV'):
        env.pop(key, None)
    log = workdir / 'peer.log'
    with open(log, 'w') as f:
        proc = subprocess.Popen(
            [str(python), str(common.BENCH_DIR / 'peer_driver.py')],
            cwd=str(workdir), env=env, stdin=subprocess.DEVNULL, stdout=f,
            stderr=subprocess.STDOUT, start_new_session=True)
        meter = common.CpuMeter({'peer': proc.pid}).start()
        cpu = 0.0
        try:
            while proc.poll() is None:
                cpu = meter.stop()['peer'] or cpu
                time.sleep(0.5)
                if meter.wall > budget * len(sizes) + 300:
                    raise PeerUnavailable('the peer run did not end in '
                                          'time')
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
                proc.wait(30)
    if not out.exists():
        raise PeerUnavailable(f'the peer test failed (exit '
                              f'{proc.returncode}): '
                              + common.tail(str(log), 5))
    result: dict[str, Any] = json.loads(out.read_text())
    result['cpu_seconds'] = cpu
    result['exit'] = proc.returncode
    return result


def run(ctx: common.Context, report: Report) -> Section:
    section = Section('peer', '6. Peer: OpenStack Nova (cells v2), same '
                      'workloads')
    ours = ctx.shared.get('boots', {})
    sizes = sorted(int(n) for n in ours) or ctx.pick([20, 60], [100, 500])
    budget = ctx.pick(300.0, 2400.0)
    try:
        began = time.monotonic()
        python, version = ensure_venv(PEER_PACKAGES)
        section.data['install_seconds'] = round(time.monotonic() - began)
        section.data['nova_version'] = version
        common.say(f'peer: nova {version}, boots of {sizes}')
        peer = run_peer(ctx, python, sizes, budget)
    except (PeerUnavailable, OSError) as exc:
        section.line(f'peer: not available ({exc})')
        section.data['available'] = False
        section.data['reason'] = str(exc)
        return section
    section.data['available'] = True
    section.data['peer'] = peer
    section.line(f'OpenStack Nova {version} from PyPI, its functional-test '
                 f'harness in one process (1 cell v2 with {COMPUTES} '
                 'computes, '
                 'fake.FakeDriver, casts asynchronous, SQLite in memory); '
                 'ours: separate daemons on RabbitMQ and MariaDB')
    for n in sizes:
        theirs = peer['bursts'].get(str(n))
        mine = ours.get(n)
        if not theirs:
            section.line(f'N={n}: the peer did not get there')
            continue
        t2a = common.summary_ms(theirs.pop('time_to_active'))
        theirs['time_to_active'] = t2a
        lists = common.summary_ms(theirs['detail_list_seconds'])
        section.line(
            f'peer N={n}: {theirs["active"]} ACTIVE, {theirs["errors"]} '
            f'ERROR, {theirs["timed_out"]} unfinished; '
            f'{theirs["wall_seconds"]:.1f}s = '
            f'{_num(theirs["servers_per_s"])} servers/s, time to ACTIVE '
            f'{common.fmt_ms(t2a)}; GET /servers/detail of '
            f'{theirs["servers_listed"]} servers {common.fmt_ms(lists)}')
        if not mine:
            continue
        boot_ratio = common.ratio(mine['servers_per_s'],
                                  theirs['servers_per_s'])
        list_ratio = common.ratio(lists.get('p50_ms'),
                                  mine['detail']['p50_ms'])
        section.line(
            f'ours N={n}: {mine["servers_per_s"]} servers/s = '
            f'x{boot_ratio} the peer; GET /servers/detail of '
            f'{mine["listed"]} servers p50 {mine["detail"]["p50_ms"]:.1f} '
            f'ms = x{list_ratio} faster than the peer')
        section.target(f'boot_ratio_{n}', f'our servers/s / the peer\'s, '
                       f'N={n}', boot_ratio, 10.0)
    section.line(f'peer CPU seconds in all: {peer["cpu_seconds"]:.0f}')
    return section


def _num(value: Any) -> str:
    return f'{value:.2f}' if isinstance(value, float) else str(value)
