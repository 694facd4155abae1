"""``tools/bench/run``: run the benchmarks and write the report.

Benchmarks (``--only`` takes a comma-separated list of these names):

``routing``  1. targeted casts/calls over 1-3 hops and broadcasts to 10
             children against raw oslo.messaging
``boots``    2. servers booted through the API into three child cells, by
             1 and 8 clients (the client the peer gets too)
``post_latency`` 2b. ``POST /servers`` latency on the idle tree, one client
``reads``    3. ``GET /servers/detail`` (paged) and ``GET /servers/{id}``
``sync``     4. a child's DB change to the API cell's replica
``scale``    5. 75 cells of 100 fake hosts on RabbitMQ nodes of their own;
             the top nova-cells' memory and CPU, idle and booting
``peer``     6. the boot and list workloads on OpenStack Nova (cells v2)
             from PyPI, in a virtualenv of its own under the results

``post_latency``, ``boots``, ``reads`` and ``sync`` share one deployment
(an API cell above three child cells).  Everything runs on RabbitMQ and
MariaDB on this machine (``tools/setup-services``); every daemon,
database and vhost a benchmark creates is removed when it ends, however
it ends.

``--quick`` uses small sizes (about ten minutes in all, four small
deployments); without it the sizes are the issue's (N = 100 and 500
boots, 1,000 and 10,000 servers listed, 10 and 100 changes/s, as many as
75 cells of 100 hosts; about an hour, of which the peer's bursts of
500 take up to 20 minutes each).  ``--profile`` adds py-spy
profiles of the busiest daemons.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import contextlib
import pathlib
import signal
import sys
import time
from typing import Any

from nova.tools import launcher
from nova.tools.bench import common
from nova.tools.bench import deploy
from nova.tools.bench import report as report_mod

ALL = ('routing', 'post_latency', 'boots', 'reads', 'sync', 'scale', 'peer')


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='tools/bench/run', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true',
                        help='small sizes: a smoke run of a few minutes')
    parser.add_argument('--only', default=','.join(ALL),
                        help=f'comma-separated subset of {",".join(ALL)}')
    parser.add_argument('--skip', default='',
                        help='comma-separated benchmarks to leave out')
    parser.add_argument('--out', help='results folder (default '
                        'tools/bench/results/<timestamp>)')
    parser.add_argument('--keep-work', action='store_true',
                        help='keep the deployments\' configs and logs')
    parser.add_argument('--scale-cells', type=int, default=0,
                        help='child cells "scale" asks for (default: '
                        'quick 3, full 75); fewer if they do not fit')
    parser.add_argument('--boot-sizes', default='',
                        metavar='N[,N...]',
                        help='the burst sizes of "boots" (and so of '
                        '"peer"), instead of 20,60 (quick) or 100,500')
    parser.add_argument('--profile', action='store_true',
                        help='sample the busiest daemons with py-spy '
                        'during the largest runs (profile-*.txt in the '
                        'results)')
    parser.add_argument('--db-connections', type=int, default=0,
                        help='raise MariaDB\'s max_connections to this '
                        'for the run and set it back after (a global '
                        'setting of the shared server: opt-in); every '
                        'daemon pools up to 30 connections, and a boot '
                        'burst on the 3-cell tree alone can open ~100')
    parser.add_argument('--set', action='append', default=[],
                        metavar='SECTION.OPTION=VALUE',
                        help='a nova.conf setting for every daemon of '
                        'the deployments, over the benchmark\'s own '
                        '(repeatable; named in the report): to compare '
                        'settings, run once with and once without')
    args = parser.parse_args(argv)
    try:
        args.settings = launcher.parse_overrides(args.set)
    except launcher.LauncherError as exc:
        parser.error(str(exc))
    chosen = [n.strip() for n in args.only.split(',') if n.strip()]
    skip = {n.strip() for n in args.skip.split(',') if n.strip()}
    bad = [n for n in chosen + list(skip) if n not in ALL]
    if bad:
        parser.error(f'unknown benchmark(s) {bad}; choose from {ALL}')
    args.chosen = [n for n in ALL if n in chosen and n not in skip]
    try:
        args.boot_sizes = [int(n) for n in args.boot_sizes.split(',')
                           if n.strip()]
    except ValueError:
        parser.error(f'--boot-sizes: not a list of integers: '
                     f'{args.boot_sizes!r}')
    if any(n < 1 for n in args.boot_sizes):
        parser.error('--boot-sizes: each size must be at least 1')
    return args


def _terminate(signum: int, _frame: Any) -> None:
    # SIGTERM ends the run like Ctrl-C: the finally clauses tear down.
    raise SystemExit(128 + signum)


def _run_one(report: report_mod.Report, name: str, func: Any,
             *args: Any) -> Any:
    began = time.monotonic()
    common.say(f'=== {name} ===')
    with report.failures_recorded(name):
        result = func(*args)
        common.say(f'=== {name} done in {time.monotonic() - began:.0f}s ===')
        return result
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    outdir = (pathlib.Path(args.out).absolute() if args.out
              else common.RESULTS_DIR / stamp)
    workroot = outdir / 'work'
    workroot.mkdir(parents=True, exist_ok=True)
    ctx = common.Context(quick=args.quick, outdir=outdir, workroot=workroot)
    if args.scale_cells:
        ctx.shared['scale_cells'] = args.scale_cells
    ctx.shared['profile'] = args.profile
    if args.boot_sizes:
        ctx.shared['boot_sizes'] = args.boot_sizes
    report = report_mod.Report(outdir, 'quick' if args.quick else 'full')
    for section, options in args.settings.items():
        deploy.ALWAYS.setdefault(section, {}).update(options)
        report.notes += [f'set [{section}] {k} = {v}'
                         for k, v in options.items()]
    common.say(f'results in {outdir}; running {", ".join(args.chosen)}')
    try:
        launcher.Backends().check()
    except launcher.LauncherError as exc:
        report.failed('all', str(exc))
        common.say(str(exc))
        return 1
    try:
        with _db_connections(args.db_connections, report):
            _run_all(args.chosen, ctx, report)
    finally:
        report.write()
        if not args.keep_work and not report.errors:
            _remove_work(workroot)
    common.say(f'report: {outdir / "report.txt"}')
    print((outdir / 'report.txt').read_text())
    return 0


def _run_all(chosen: list[str], ctx: common.Context,
             report: report_mod.Report) -> None:
    if 'routing' in chosen:
        from nova.tools.bench import routing
        section = _run_one(report, 'routing', routing.run, ctx)
        if section:
            report.add(section)
    tree_parts = [n for n in ('post_latency', 'boots', 'reads', 'sync')
                  if n in chosen]
    if tree_parts:
        from nova.tools.bench import tree
        _run_one(report, ', '.join(tree_parts), tree.run, ctx, report,
                 tree_parts)
    if 'scale' in chosen:
        from nova.tools.bench import scale
        section = _run_one(report, 'scale', scale.run, ctx)
        if section:
            report.add(section)
    if 'peer' in chosen:
        from nova.tools.bench import peer
        section = _run_one(report, 'peer', peer.run, ctx, report)
        if section:
            report.add(section)


@contextlib.contextmanager
def _db_connections(wanted: int, report: report_mod.Report
                    ) -> Iterator[None]:
    """MariaDB's max_connections raised to ``wanted`` (if higher) while
    the benchmarks run, then set back."""
    backends = launcher.Backends()
    before = deploy.mariadb_connections(backends)['max']
    if wanted <= before:
        yield
        return
    report.notes.append(f'MariaDB max_connections raised from {before} to '
                        f'{wanted} for this run (--db-connections)')
    with backends.connect() as conn, conn.cursor() as cursor:
        cursor.execute(f'SET GLOBAL max_connections = {int(wanted)}')
    try:
        yield
    finally:
        with backends.connect() as conn, conn.cursor() as cursor:
            cursor.execute(f'SET GLOBAL max_connections = {int(before)}')


def _remove_work(workroot: pathlib.Path) -> None:
    import shutil
    shutil.rmtree(workroot, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
