"""Whole trees of cells in one process, for functional tests and the soak.

Each cell gets its own ConfigOpts, SQLite file and in-process broker
(``inproc://<unique name>``), exactly as ``nova-all`` builds them.
Neighbours are written to a JSON ``cells_config`` file per cell.
"""

from __future__ import annotations

import json
import os
from typing import Any
import uuid

from nova import conf as nova_conf
from nova import context as nova_context
from nova import notifications
from nova import rpc
from nova.cmd import all as nova_all
from nova.compute import flavors
from nova.compute import images
from nova.db import migration
from nova.tools.polling import wait_for


class Tree:
    """Cells described as ``{name: (cell_type, [parent names])}``."""

    def __init__(self, tmpdir: str, cells: dict[str, tuple[str, list[str]]],
                 compute_hosts: int = 2,
                 overrides: dict[str, dict[tuple[str, str | None], Any]]
                 | None = None,
                 services: dict[str, list[str]] | None = None,
                 registry: str = 'json') -> None:
        """``registry``: where cells find their neighbours, ``json``
        (a ``cells_config`` file) or ``db`` (their ``cells`` table)."""
        self.tmpdir = tmpdir
        self.tag = uuid.uuid4().hex[:8]
        self.spec = cells
        self.registry = registry
        self.runtimes: dict[str, nova_all.CellRuntime] = {}
        self.confs: dict[str, Any] = {}
        overrides = overrides or {}
        services = services or {}
        for name, (cell_type, parents) in cells.items():
            self._write_neighbours(name, parents)
            conf = self._conf(name, cell_type, compute_hosts)
            for (opt, group), value in overrides.get(name, {}).items():
                conf.set_override(opt, value, group)
            self.confs[name] = conf
            self.runtimes[name] = nova_all.CellRuntime(
                conf, services=services.get(name))

    def url(self, name: str) -> str:
        return 'inproc://%s-%s' % (self.tag, name)

    def _write_neighbours(self, name: str, parents: list[str]) -> None:
        rows = {p: {'transport_url': self.url(p), 'is_parent': True}
                for p in parents}
        for child, (_, child_parents) in self.spec.items():
            if name in child_parents:
                rows[child] = {'transport_url': self.url(child),
                               'is_parent': False}
        with open(self._neighbours_path(name), 'w') as f:
            json.dump(rows, f)

    def _neighbours_path(self, name: str) -> str:
        return os.path.join(self.tmpdir, '%s-cells.json' % name)

    def _conf(self, name: str, cell_type: str, compute_hosts: int) -> Any:
        conf = nova_conf.new_conf()
        conf(args=[], default_config_files=[])
        conf.set_override('transport_url', self.url(name))
        conf.set_override('host', name)
        conf.set_override('state_path', self.tmpdir)
        conf.set_override('connection', 'sqlite:///%s' % os.path.join(
            self.tmpdir, '%s.sqlite' % name), 'database')
        conf.set_override('enable', True, 'cells')
        conf.set_override('name', name, 'cells')
        conf.set_override('cell_type', cell_type, 'cells')
        if self.registry == 'json':
            conf.set_override('cells_config', self._neighbours_path(name),
                              'cells')
        conf.set_override('call_timeout', 5, 'cells')
        conf.set_override('scheduler_retry_delay', 0.05, 'cells')
        conf.set_override('scheduler_retries', 3, 'cells')
        conf.set_override('compute_hosts', ['%s-compute%d' % (name, i + 1)
                                            for i in range(compute_hosts)],
                          'all')
        conf.set_override('fixed_range', '10.%d.0.0/24'
                          % (abs(hash(name)) % 250), 'network')
        if cell_type == 'api':
            conf.set_override('compute_api_class',
                              'nova.compute.cells_api.ComputeCellsAPI')
            conf.set_override('osapi_compute_listen_port', 0, 'api')
        return conf

    def neighbour_rows(self, name: str) -> list[dict[str, Any]]:
        with open(self._neighbours_path(name)) as f:
            rows = json.load(f)
        return [dict(row, name=n) for n, row in rows.items()]

    def register(self, name: str, neighbour: str, is_parent: bool) -> None:
        """Add a row to a cell's ``cells`` table."""
        self.db(name).cell_create(nova_context.get_admin_context(), {
            'name': neighbour, 'transport_url': self.url(neighbour),
            'is_parent': is_parent})

    def start(self) -> Tree:
        if self.registry == 'db':
            for name, runtime in self.runtimes.items():
                migration.db_sync(runtime.conf.database.connection)
                for row in self.neighbour_rows(name):
                    self.register(name, row['name'], row['is_parent'])
        # Children first, so their first capacity report finds the parent
        # already listening (it would be queued otherwise, which is fine
        # but slower to settle).
        for runtime in reversed(list(self.runtimes.values())):
            runtime.start()
        for name, runtime in self.runtimes.items():
            if self.spec[name][0] == 'api':
                flavors.ensure_default_flavors(runtime.db)
                images.ensure_default_images(runtime.db)
        return self

    def stop(self) -> None:
        rpc.concurrently([r.stop for r in self.runtimes.values()])

    def db(self, name: str) -> Any:
        return self.runtimes[name].db

    def service(self, cell: str, name: str, index: int = 0) -> Any:
        return self.runtimes[cell].services[name][index]

    def cells_manager(self, cell: str) -> Any:
        return self.service(cell, 'cells').manager

    def compute_api(self, cell: str = 'api') -> Any:
        from nova.compute import cells_api
        runtime = self.runtimes[cell]
        return cells_api.ComputeCellsAPI(
            runtime.conf, runtime.db, runtime.transport,
            notifier=notifications.Notifier(runtime.conf, runtime.notifiers,
                                            'nova-api', runtime.conf.host))

    def live_instances(self, cell: str) -> list[dict[str, Any]]:
        return self.db(cell).instance_get_all_by_filters(
            nova_context.get_admin_context(), {})

    def wait_for_capacities(self, parent: str, children: list[str],
                            timeout: float = 10.0) -> None:
        state = self.cells_manager(parent).state

        def reported() -> bool:
            return all(state.get_child_cell(c) is not None
                       and state.get_child_cell(c).capacities
                       for c in children)
        wait_for(reported, timeout, what='capacities of %s' % children)


TWO_CHILDREN = {'api': ('api', []),
                'cell1': ('compute', ['api']),
                'cell2': ('compute', ['api'])}
