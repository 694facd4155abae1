"""Benchmark 2 without the launcher: where a boot's CPU goes, in one
process.

An API cell above ``--cells`` child cells (``--hosts`` compute hosts
each), all in this process on SQLite and the in-process transport, as
``nova-all`` builds them.  ``--servers`` servers are created through the
API cell's compute API one after another (no HTTP, no REST layer) and
waited for until the API cell's copy of each is ACTIVE.  Meanwhile:

* every SQL statement is counted per cell (the API cell and the sum of
  the children), and reported per server, by its first word and by its
  shape (verb and tables, the most frequent 25);
* ``--profile FILE`` records every thread with yappi (CPU clock) and
  writes the functions with the most CPU, inclusive and own, to FILE
  (and ``FILE.pstat``, for ``snakeviz`` or ``pstats``).

The figures are for finding the work, not for comparing with a peer: the
in-process broker and SQLite cost other amounts than RabbitMQ and
MariaDB do.  Run it as ``.venv/bin/python -m nova.tools.bench.boots_inproc``.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Iterator
import contextlib
import json
import sys
import tempfile
import time
from typing import Any

import sqlalchemy as sa

from nova import context as nova_context
from nova.compute import images
from nova.compute import vm_states
from nova.tools import inproc_tree
from nova.tools.polling import wait_for


class StatementCounter:
    """Counts the statements an engine executes, by their first word."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.counts: collections.Counter[str] = collections.Counter()
        # By the statement's text up to its WHERE clause.
        self.texts: collections.Counter[str] = collections.Counter()

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any
               ) -> None:
        text = ' '.join(statement.split())
        self.counts[text.split(None, 1)[0].upper()] += 1
        self.texts[_shape(text)] += 1

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, 'before_cursor_execute', self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, 'before_cursor_execute', self._count)


def _shape(text: str) -> str:
    """A statement's verb and tables, without its columns and values."""
    verb = text.split(None, 1)[0].upper()
    upper = text.upper()
    where = upper.find(' WHERE ')
    head = text[:where] if where > 0 else text
    if verb == 'SELECT':
        at = head.upper().find(' FROM ')
        head = 'SELECT ...' + head[at:] if at > 0 else head
    elif verb == 'INSERT':
        head = head.split('(', 1)[0]
    elif verb == 'UPDATE':
        head = head.split(' SET ', 1)[0]
    return head[:120]


@contextlib.contextmanager
def profiled(path: str | None) -> Iterator[None]:
    if not path:
        yield
        return
    import yappi
    yappi.set_clock_type('cpu')
    yappi.start(builtins=False, profile_threads=True)
    try:
        yield
    finally:
        yappi.stop()
        stats = yappi.get_func_stats()
        stats.save(path + '.pstat', type='pstat')
        total = sum(s.tsub for s in stats)
        lines = [f'total CPU seen by yappi: {total:.2f}s']
        for key, title in (('ttot', 'inclusive'), ('tsub', 'own')):
            lines.append(f'\n{title}:')
            for s in sorted(stats, key=lambda s: -getattr(s, key))[:60]:
                where = s.module.rsplit('site-packages/', 1)[-1]
                where = where.rsplit('/work/main/', 1)[-1]
                lines.append(f'{getattr(s, key):8.3f}s {s.ncall:8d}  '
                             f'{s.name} ({where}:{s.lineno})')
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        yappi.clear_stats()


def run(servers: int, cells: int, hosts: int, profile: str | None
        ) -> dict[str, Any]:
    names = [f'cell{i + 1}' for i in range(cells)]
    spec: dict[str, tuple[str, list[str]]] = {'api': ('api', [])}
    spec.update({n: ('compute', ['api']) for n in names})
    with tempfile.TemporaryDirectory() as tmp:
        # Hundreds of servers of one project: no quota limits.
        unlimited: dict[tuple[str, str | None], Any] = {
            (kind, 'quota'): -1 for kind in ('instances', 'cores', 'ram')}
        tree = inproc_tree.Tree(tmp, spec, compute_hosts=hosts,
                                overrides={'api': unlimited}).start()
        try:
            tree.wait_for_capacities('api', names)
            api = tree.compute_api()
            ctxt = nova_context.RequestContext('bench', 'bench')
            flavor = api.flavor_get(ctxt, '1')
            admin = nova_context.get_admin_context()
            top = tree.db('api')

            def all_active(uuids: list[str]) -> bool:
                rows = top.instance_get_all_by_filters(
                    admin, {'uuid': uuids}, columns=['vm_state'],
                    expected_attrs=())
                return sum(r['vm_state'] == vm_states.ACTIVE
                           for r in rows) == len(uuids)

            # One boot first: the caches and connections every boot
            # finds warm.
            [[first], _] = api.create(ctxt, flavor,
                                      images.DEFAULT_IMAGE_ID, 'warm')
            wait_for(lambda: all_active([first.uuid]), 30, what='warm-up')
            counters = {n: StatementCounter(tree.db(n).engine)
                        for n in ['api'] + names}
            with contextlib.ExitStack() as stack:
                for counter in counters.values():
                    stack.enter_context(counter)
                began = time.monotonic()
                cpu = time.process_time()
                with profiled(profile):
                    uuids = [api.create(ctxt, flavor,
                                        images.DEFAULT_IMAGE_ID,
                                        f'vm{i}')[0][0].uuid
                             for i in range(servers)]
                    wait_for(lambda: all_active(uuids), 60 + servers,
                             interval=0.02, what=f'{servers} ACTIVE')
                wall = time.monotonic() - began
                cpu = time.process_time() - cpu
        finally:
            tree.stop()
    children: collections.Counter[str] = collections.Counter()
    child_texts: collections.Counter[str] = collections.Counter()
    for name in names:
        children.update(counters[name].counts)
        child_texts.update(counters[name].texts)
    per = {'api': counters['api'].counts, 'children': children}
    shapes = {'api': counters['api'].texts, 'children': child_texts}
    return {
        'servers': servers, 'cells': cells, 'hosts_per_cell': hosts,
        'wall_seconds': round(wall, 2),
        'servers_per_s': round(servers / wall, 2),
        'process_cpu_ms_per_server': round(cpu * 1000 / servers, 1),
        'statements_per_server': {
            where: {'all': round(sum(c.values()) / servers, 1),
                    **{k: round(v / servers, 2)
                       for k, v in sorted(c.items())}}
            for where, c in per.items()},
        'statement_shapes_per_server': {
            where: {text: round(n / servers, 2)
                    for text, n in c.most_common(25)}
            for where, c in shapes.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='boots_inproc',
                                     description=__doc__.split('\n\n')[0])
    parser.add_argument('--servers', type=int, default=100)
    parser.add_argument('--cells', type=int, default=3)
    parser.add_argument('--hosts', type=int, default=2)
    parser.add_argument('--profile', metavar='FILE')
    args = parser.parse_args(argv)
    if args.servers < 1 or args.cells < 1 or args.hosts < 1:
        parser.error('--servers, --cells and --hosts must be at least 1')
    print(json.dumps(run(args.servers, args.cells, args.hosts,
                         args.profile), indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
