"""Benchmark 3 without the launcher: ``GET /servers/detail`` in one
process.

An API cell alone (no broker traffic, no children) on SQLite, or on a
MariaDB database of its own (``--mariadb``, dropped at the end), filled
with ``--servers`` servers: a few written through the database API as a
build leaves them (ACTIVE, an address, metadata, the default group),
the rest copies of those written straight into the tables.  The
listing is paged by ``--limit`` through the WSGI application as a
client follows the next links; no HTTP, so the figures are the API's
own work: reading, rendering, encoding.  ``--profile FILE`` writes a
cProfile of the timed listings.

Run it as ``.venv/bin/python -m nova.tools.bench.reads_inproc``.  It
reports the targets of issue 19 (a full listing of 10,000 servers paged
by 1,000 at p50 <= 400 ms, one page at p50 <= 20 ms) as MET or MISSED.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import contextlib
import cProfile
import json
import statistics
import sys
import tempfile
import time
from typing import Any
import uuid as uuid_mod

import sqlalchemy as sa
import webob

from nova import context as nova_context
from nova.api import wsgi_app
from nova.compute import images
from nova.db import models
from nova.db._common import table_of

OWNER = 'alice:p1'
TEMPLATES = 10
# Issue 19, target 3 (ms).
FULL_LISTING_MS = 400.0
PAGE_MS = 20.0
_COPIED = (models.InstanceMetadata, models.InstanceSystemMetadata,
           models.InstanceInfoCache, models.SecurityGroupInstanceAssociation)
_BATCH = 1000


def _template_values(api: Any, index: int) -> dict[str, Any]:
    ctxt = nova_context.RequestContext('alice', 'p1')
    flavor = api.flavor_get(ctxt, '1')
    image = api._bootable_image(ctxt, images.DEFAULT_IMAGE_ID, flavor)
    values = api._instance_values(ctxt, flavor, image, f'srv-{index}')
    values['metadata'] = {'index': str(index), 'role': 'bench'}
    return values


def populate(api: Any, db: Any, total: int) -> None:
    """``total`` servers of project p1: ``TEMPLATES`` written through
    the database API, the others copied from them in bulk."""
    admin = nova_context.get_admin_context()
    group = db.security_group_ensure_default(admin, 'p1', 'alice')
    templates = []
    for i in range(min(TEMPLATES, total)):
        values = _template_values(api, i)
        values['security_group_ids'] = [group['id']]
        uuid = db.instance_create(admin, values)['uuid']
        db.instance_update(admin, uuid, {
            'vm_state': 'active', 'task_state': None, 'power_state': 1,
            'host': f'host{i % 3}', 'node': f'node{i % 3}',
            'cell_name': 'api!cell1', 'progress': 100,
            'network_info': [{'address': f'10.0.{i // 250}.{i % 250 + 2}',
                              'label': 'private', 'version': 4,
                              'mac': f'fa:16:3e:00:00:{i % 256:02x}'}]})
        templates.append(uuid)
    copies = total - len(templates)
    if copies <= 0:
        return
    instances = table_of(models.Instance)
    with db.writer() as session:
        conn = session.connection()
        rows = {r['uuid']: dict(r) for r in conn.execute(
            sa.select(instances).where(instances.c.uuid.in_(templates))
        ).mappings()}
        # model -> template uuid -> its rows
        side: dict[Any, dict[str, list[dict[str, Any]]]] = {}
        for model in _COPIED:
            table = table_of(model)
            for row in conn.execute(sa.select(table).where(
                    table.c.instance_uuid.in_(templates))).mappings():
                side.setdefault(model, {}).setdefault(
                    row['instance_uuid'], []).append(dict(row))
        for start in range(0, copies, _BATCH):
            batch = []
            for n in range(start, min(start + _BATCH, copies)):
                template = templates[n % len(templates)]
                new = str(uuid_mod.uuid4())
                batch.append((template, new))
            conn.execute(instances.insert(), [
                {k: v for k, v in dict(
                    rows[template], uuid=new,
                    display_name=f'copy-{new[:8]}',
                    hostname=f'copy-{new[:8]}').items() if k != 'id'}
                for template, new in batch])
            for model, by_template in side.items():
                side_rows = [{k: v for k, v in dict(
                    row, instance_uuid=new).items() if k != 'id'}
                    for template, new in batch
                    for row in by_template.get(template, ())]
                if side_rows:
                    conn.execute(table_of(model).insert(), side_rows)


def list_all(app: Any, limit: int, version: str | None = None
             ) -> tuple[float, list[float], int, list[bytes]]:
    """Page through ``/servers/detail``: seconds in all, per full page
    (``limit`` servers), servers seen, the bodies."""
    path: str | None = f'/v2.1/servers/detail?limit={limit}'
    pages: list[float] = []
    bodies: list[bytes] = []
    count = 0
    total = 0.0
    while path is not None:
        req = webob.Request.blank(path)
        req.headers['X-Auth-Token'] = OWNER
        if version:
            req.headers['OpenStack-API-Version'] = f'compute {version}'
        t0 = time.perf_counter()
        resp = req.get_response(app)
        body = resp.body
        pages.append(time.perf_counter() - t0)
        total += pages[-1]
        if resp.status_int != 200:
            raise RuntimeError(f'GET {path}: {resp.status} {body!r}')
        bodies.append(body)
        doc = json.loads(body)
        count += len(doc['servers'])
        if len(doc['servers']) < limit:
            # The short last page is not one of the pages timed.
            pages.pop()
        path = None
        for link in doc.get('servers_links', ()):
            if link['rel'] == 'next':
                path = link['href'][link['href'].index('/v2.1/'):]
    return total, pages, count, bodies


@contextlib.contextmanager
def api_cell(tmpdir: str, database_url: str | None) -> Iterator[Any]:
    """An API cell's compute API and database (the cell started)."""
    from nova.tools import inproc_tree
    overrides: dict[str, dict[tuple[str, str | None], Any]] = {}
    if database_url:
        overrides['api'] = {('connection', 'database'): database_url}
    tree = inproc_tree.Tree(tmpdir, {'api': ('api', [])},
                            services={'api': ['cells']}, registry='db',
                            overrides=overrides).start()
    try:
        yield tree
    finally:
        tree.stop()


@contextlib.contextmanager
def mariadb_database() -> Iterator[str]:
    """A scratch MariaDB database (its URL), dropped at the end."""
    from nova.tools.launcher.backends import Backends
    backends = Backends()
    name = f'bench_reads_{uuid_mod.uuid4().hex[:8]}'
    backends.create_database(name)
    try:
        yield backends.database_url(name)
    finally:
        backends.drop_database(name)


def _p50_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def measure(app: Any, limit: int, repeats: int,
            profile: str | None = None) -> dict[str, Any]:
    list_all(app, limit)  # warm: the first listing renders every view
    totals, pages, seen = [], [], 0
    profiler = cProfile.Profile() if profile else None
    for _ in range(repeats):
        if profiler:
            profiler.enable()
        seconds, page_times, seen, _bodies = list_all(app, limit)
        if profiler:
            profiler.disable()
        totals.append(seconds)
        pages += page_times
    if profiler and profile:
        profiler.dump_stats(profile)
    return {'servers': seen, 'limit': limit, 'repeats': repeats,
            'full_listing_p50_ms': _p50_ms(totals),
            'full_listing_max_ms': round(max(totals) * 1000, 1),
            'page_p50_ms': _p50_ms(pages),
            'page_max_ms': round(max(pages) * 1000, 1)}


def verdicts(result: dict[str, Any]) -> list[str]:
    """The target lines of a 10,000-server, 1,000-per-page result."""
    full, page = result['full_listing_p50_ms'], result['page_p50_ms']
    return [f"{'MET   ' if full <= FULL_LISTING_MS else 'MISSED'} "
            f"full listing of {result['servers']} servers p50 {full} ms "
            f'(limit {FULL_LISTING_MS})',
            f"{'MET   ' if page <= PAGE_MS else 'MISSED'} "
            f"one page of {result['limit']} p50 {page} ms "
            f'(limit {PAGE_MS})']


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m nova.tools.bench.reads_inproc', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--servers', type=int, default=10000)
    parser.add_argument('--limit', type=int, default=1000)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--mariadb', action='store_true',
                        help='a scratch database on the local MariaDB '
                        '(tools/setup-services) rather than SQLite')
    parser.add_argument('--no-cache', action='store_true',
                        help='keep no rendered views '
                        '([api] rendered_server_cache_size = 0)')
    parser.add_argument('--profile', metavar='FILE',
                        help='write a cProfile of the timed listings')
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        tmpdir = stack.enter_context(tempfile.TemporaryDirectory())
        url = (stack.enter_context(mariadb_database()) if args.mariadb
               else None)
        tree = stack.enter_context(api_cell(tmpdir, url))
        conf = tree.confs['api']
        if args.no_cache:
            conf.set_override('rendered_server_cache_size', 0, 'api')
        api = tree.compute_api('api')
        began = time.perf_counter()
        populate(api, tree.db('api'), args.servers)
        print(f'{args.servers} servers written in '
              f'{time.perf_counter() - began:.1f}s '
              f"({'MariaDB' if url else 'SQLite'}, rendered views "
              f"{'off' if args.no_cache else 'kept'})")
        app = wsgi_app.load_app(conf, api)
        result = measure(app, args.limit, args.repeats, args.profile)
    print(json.dumps(result))
    for line in verdicts(result):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
