#!/usr/bin/env python3
"""Soak the instance sync between cells under lossy messaging.

Runs a whole tree in this process (an API cell and ``--cells`` child
cells, embedded default), puts faults between every child and its parent
(``--drop`` and ``--duplicate`` rates, random delays up to ``--max-delay``
seconds, which reorder messages), boots ``--instances`` servers through the
API cell, deletes a tenth of them, and then checks, after at most two heal
intervals, that the top's copy of every instance equals its owning cell's
and that no deleted instance is alive at the top.  Prints the counts.

    .venv/bin/python tools/soak.py --instances 500
    .venv/bin/python tools/soak.py --instances 500 --drop 0 --duplicate 0 \\
        --max-delay 0          # the control run: no fault at all

Exit status 0 when the top converged, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from typing import Any

from nova import context as nova_context
from nova.compute import images
from nova.ownership import CHILD_OWNED_FIELDS
from nova.tools import inproc_tree
from nova.tools.message_faults import FaultyDelivery

SYNCED = sorted((CHILD_OWNED_FIELDS - {'updated_at'}) | {'sync_version'})
BATCH = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--instances', type=int, default=500)
    parser.add_argument('--cells', type=int, default=3)
    parser.add_argument('--drop', type=float, default=0.10)
    parser.add_argument('--duplicate', type=float, default=0.05)
    parser.add_argument('--max-delay', type=float, default=0.05)
    parser.add_argument('--heal-interval', type=float, default=3.0)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)
    for name in ('drop', 'duplicate'):
        if not 0.0 <= getattr(args, name) <= 1.0:
            parser.error('--%s must be between 0 and 1' % name)
    if args.instances < BATCH or args.cells < 1:
        parser.error('need at least %d instances and one cell' % BATCH)
    return args


def build_tree(tmpdir: str, args: argparse.Namespace) -> inproc_tree.Tree:
    children = ['cell%d' % (i + 1) for i in range(args.cells)]
    spec: dict[str, tuple[str, list[str]]] = {'api': ('api', [])}
    spec.update({c: ('compute', ['api']) for c in children})
    per_cell: dict[tuple[str, str | None], Any] = {
        ('heal_interval', 'cells'): args.heal_interval,
        ('instance_update_num_instances', 'cells'): 100000,
        ('memory_mb', 'fake_driver'): 1024 * 1024,
        ('vcpus', 'fake_driver'): 1024,
        ('call_timeout', 'cells'): 30}
    tree = inproc_tree.Tree(tmpdir, spec, services={'api': ['cells']},
                            overrides={c: dict(per_cell) for c in children})
    tree.start()
    tree.wait_for_capacities('api', children)
    return tree


def compare(tree: inproc_tree.Tree, children: list[str]) -> dict[str, int]:
    """Counts of how the top's copies compare with their owners."""
    counts: collections.Counter[str] = collections.Counter()
    every = nova_context.get_admin_context(read_deleted='yes')
    top = {r['uuid']: r for r in
           tree.db('api').instance_get_all_by_filters(every, {})}
    for cell in children:
        for row in tree.db(cell).instance_get_all_by_filters(every, {}):
            copy = top.get(row['uuid'])
            if copy is None:
                counts['missing at the top'] += 1
            elif row['deleted']:
                counts['deleted' if copy['deleted']
                       else 'deleted below, alive at the top'] += 1
            elif copy['deleted']:
                counts['alive below, deleted at the top'] += 1
            elif any(copy[f] != row[f] for f in SYNCED):
                counts['differing'] += 1
            else:
                counts['equal'] += 1
    return dict(counts)


def converged(counts: dict[str, int]) -> bool:
    return set(counts) <= {'equal', 'deleted'}


class AppliedVersions:
    """Watches every update the top writes: one older than an update
    already written for the same instance would be a stale one applied."""

    def __init__(self, db: Any) -> None:
        self._apply = db.instance_apply_from_child
        self.highest: dict[str, int] = {}
        self.stale_applied = 0
        db.instance_apply_from_child = self

    def __call__(self, context: Any, values: dict[str, Any],
                 update_fields: Any = None) -> tuple[str, int]:
        result = self._apply(context, values, update_fields=update_fields)
        if result[0] in ('created', 'updated'):
            uuid, version = values['uuid'], values.get('sync_version', 0)
            if version < self.highest.get(uuid, 0):
                self.stale_applied += 1
            self.highest[uuid] = max(version, self.highest.get(uuid, 0))
        return result


def run(args: argparse.Namespace, tmpdir: str) -> bool:
    tree = build_tree(tmpdir, args)
    children = [c for c in tree.spec if c != 'api']
    tree.applied = AppliedVersions(tree.db('api'))  # type: ignore[attr-defined]
    rng = random.Random(args.seed)
    faults = [FaultyDelivery.install(tree.cells_manager(c), rng,
                                     drop=args.drop,
                                     duplicate=args.duplicate,
                                     max_delay=args.max_delay)
              for c in children]
    try:
        return _soak(tree, children, faults, args)
    finally:
        for fault, cell in zip(faults, children, strict=True):
            fault.uninstall(tree.cells_manager(cell))
        tree.stop()


def _soak(tree: inproc_tree.Tree, children: list[str],
          faults: list[FaultyDelivery], args: argparse.Namespace) -> bool:
    api = tree.compute_api()
    ctxt = nova_context.RequestContext('soak', 'soak')
    tree.db('api').quota_set(nova_context.get_admin_context(), 'soak',
                             {'instances': -1, 'cores': -1, 'ram': -1})
    flavor = api.flavor_get(ctxt, '1')
    started = time.monotonic()
    uuids: list[str] = []
    while len(uuids) < args.instances:
        count = min(BATCH, args.instances - len(uuids))
        instances, _ = api.create(ctxt, flavor, images.DEFAULT_IMAGE_ID,
                                  'soak',
                                  min_count=count, max_count=count)
        uuids.extend(i.uuid for i in instances)
    admin = nova_context.get_admin_context()

    def settled() -> bool:
        rows = [r for c in children
                for r in tree.db(c).instance_get_all_by_filters(admin, {})]
        return len(rows) == len(uuids) and all(
            r['task_state'] is None for r in rows)
    inproc_tree.wait_for(settled, 300, interval=0.2,
                         what='every build settled in its cell')
    built = time.monotonic()
    for uuid in uuids[:len(uuids) // 10]:
        api.delete(ctxt, api.get(ctxt, uuid))
    inproc_tree.wait_for(
        lambda: sum(len(tree.live_instances(c)) for c in children)
        == len(uuids) - len(uuids) // 10, 120, interval=0.2,
        what='deletes done in the cells')
    for fault in faults:
        fault.flush()
    last_change = time.monotonic()
    deadline = last_change + 2 * args.heal_interval
    while True:
        counts = compare(tree, children)
        if converged(counts) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    healed_after = time.monotonic() - last_change
    _report(tree, children, faults, counts, args, uuids,
            built - started, healed_after)
    return converged(counts)


def _report(tree: inproc_tree.Tree, children: list[str],
            faults: list[FaultyDelivery], counts: dict[str, int],
            args: argparse.Namespace, uuids: list[str], build_time: float,
            healed_after: float) -> None:
    fault_counts: collections.Counter[str] = collections.Counter()
    for fault in faults:
        fault_counts.update(fault.counts)
    stats = tree.cells_manager('api').sync_stats
    per_cell = {c: len(tree.live_instances(c)) for c in children}
    print('instances booted:        %d (all settled after %.1f s)'
          % (len(uuids), build_time))
    print('live per cell:           %s' % per_cell)
    print('upward messages:         %d seen, %d dropped, %d duplicated, '
          '%d delayed' % (fault_counts['seen'], fault_counts['dropped'],
                          fault_counts['duplicated'],
                          fault_counts['delayed']))
    print('top applied:             %d created, %d updated; dropped %d '
          'stale, %d already held, %d for tombstones'
          % (stats['created'], stats['updated'], stats['stale'],
             stats['same'], stats['deleted']))
    print('stale updates applied:   %d'
          % tree.applied.stale_applied)  # type: ignore[attr-defined]
    print('heal interval:           %.1f s; converged check after %.1f s'
          % (args.heal_interval, healed_after))
    print('comparison with owners:  %s' % counts)
    print('deleted but alive at top: %d'
          % counts.get('deleted below, alive at the top', 0))
    print('RESULT: %s' % ('converged' if converged(counts)
                          else 'NOT converged'))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='nova-soak-') as tmpdir:
        return 0 if run(args, tmpdir) else 1


if __name__ == '__main__':
    sys.exit(main())
