"""Operator views of the hosts: services, hypervisors and their zones.

What ``os-services``, ``os-hypervisors`` and ``os-availability-zone`` show
comes from here, as plain dicts:

* :class:`HostAPI` reads the services and compute nodes of one cell from
  its own database (a deployment without cells).
* :class:`CellsHostAPI` (the API cell of a cells deployment) asks the
  whole tree through nova-cells; ids and hosts are then qualified with the
  path of the cell holding them, ``api!cell1@3`` and ``api!cell1@host1``,
  and changes are routed to that cell.

Each cell describes its own services and compute nodes
(:mod:`nova.host_views`).
"""

from __future__ import annotations

from typing import Any
from typing import Protocol

from oslo_log import log as logging

from nova import aggregates
from nova import cell_paths
from nova import exception
from nova import host_views
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)


class Hosts(Protocol):
    """What the operator APIs ask of the hosts: those of one cell
    (:class:`HostAPI`) or of the whole tree (:class:`CellsHostAPI`)."""

    def service_get_all(self, ctxt: RequestContext, binary: str | None = None,
                        host: str | None = None
                        ) -> list[dict[str, Any]]: ...

    def service_update(self, ctxt: RequestContext, host: str, binary: str,
                       values: dict[str, Any]) -> dict[str, Any]: ...

    def compute_node_get_all(self, ctxt: RequestContext
                             ) -> list[dict[str, Any]]: ...

    def compute_node_get(self, ctxt: RequestContext, compute_id: str
                         ) -> dict[str, Any]: ...

    def migration_get_all(self, ctxt: RequestContext,
                          filters: dict[str, Any]) -> list[dict[str, Any]]:
        ...

    def network_get_all(self, ctxt: RequestContext
                        ) -> list[dict[str, Any]]: ...


class HostAPI:
    """Services and compute nodes of one cell, from its database."""

    def __init__(self, conf: Any, db: Database) -> None:
        self.conf = conf
        self.db = db

    def service_get_all(self, ctxt: RequestContext, binary: str | None = None,
                        host: str | None = None) -> list[dict[str, Any]]:
        zones = aggregates.host_zones(self.conf, self.db, ctxt)
        services = [host_views.describe_service(self.conf, row, zones)
                    for row in self.db.service_get_all(ctxt, binary=binary)]
        return [s for s in services if host is None or s['host'] == host]

    def service_update(self, ctxt: RequestContext, host: str, binary: str,
                       values: dict[str, Any]) -> dict[str, Any]:
        """Enable or disable a service; raises HostBinaryNotFound."""
        row = self.db.service_get_by_host_and_binary(ctxt, host, binary)
        row = self.db.service_update(ctxt, row['id'], values)
        return host_views.describe_service(
            self.conf, row, aggregates.host_zones(self.conf, self.db, ctxt))

    def compute_node_get_all(self, ctxt: RequestContext
                             ) -> list[dict[str, Any]]:
        return host_views.describe_compute_nodes(self.conf, self.db, ctxt)

    def compute_node_get(self, ctxt: RequestContext, compute_id: str
                         ) -> dict[str, Any]:
        """One compute node; raises ComputeHostNotFound."""
        return host_views.describe_compute_node_by_id(self.conf, self.db,
                                                      ctxt, compute_id)

    def migration_get_all(self, ctxt: RequestContext,
                          filters: dict[str, Any]) -> list[dict[str, Any]]:
        return [host_views.describe_migration(row) for row in
                self.db.migration_get_all(ctxt, _db_migration_filters(
                    filters))]

    def network_get_all(self, ctxt: RequestContext
                        ) -> list[dict[str, Any]]:
        return [host_views.describe_network(row)
                for row in self.db.network_get_all(ctxt)]


def _db_migration_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: filters[k] for k in ('status', 'instance_uuid', 'host',
                                    'source_compute', 'migration_type',
                                    'user_id', 'project_id')
            if filters.get(k) is not None}


def _in_cell(cell_path: str, cell_name: str | None) -> bool:
    """Whether ``cell_path`` is the cell ``cell_name`` names (a path or
    the cell's own name)."""
    return cell_name is None or cell_name in (
        cell_path, cell_path.rsplit(cell_paths.PATH_CELL_SEP, 1)[-1])


def _qualify(item: dict[str, Any], cell_path: str) -> dict[str, Any]:
    """Prefix the id and host of a service or compute node with its
    cell's path, as cells v1 shows them."""
    item = dict(item)
    item['id'] = cell_paths.cell_with_item(cell_path, item['id'])
    item['host'] = cell_paths.cell_with_item(cell_path, item['host'])
    if isinstance(item.get('service'), dict):
        service = dict(item['service'])
        if service.get('id') is not None:
            service['id'] = cell_paths.cell_with_item(cell_path,
                                                      service['id'])
        service['host'] = item['host']
        item['service'] = service
    item['cell_path'] = cell_path
    return item


class CellsHostAPI:
    """Services and compute nodes of the whole tree, through nova-cells.

    A cell that does not answer within ``call_timeout``, or is mute (not
    asked at all), is shown from its last known answer if there is one;
    the listing names it (see :class:`~nova.host_views.Listing`).
    """

    def __init__(self, conf: Any, cells_rpcapi: Any) -> None:
        self.conf = conf
        self.cells_rpcapi = cells_rpcapi

    @staticmethod
    def _listing(what: str, result: dict[str, Any],
                 items: list[dict[str, Any]]) -> host_views.Listing:
        missing = result.get('missing') or []
        if missing:
            LOG.warning('Listing %s: no answer from %s', what,
                        ', '.join(missing))
        return host_views.Listing(items, missing,
                                  result.get('last_known') or [])

    def service_get_all(self, ctxt: RequestContext, binary: str | None = None,
                        host: str | None = None) -> list[dict[str, Any]]:
        """Every cell's services (a :class:`~nova.host_views.Listing`
        that names the cells missing)."""
        filters = {'binary': binary} if binary else {}
        result = self.cells_rpcapi.service_get_all(ctxt, filters=filters)
        services = [_qualify(s, s['cell_path'])
                    for s in result['services']]
        return self._listing('services', result, [
            s for s in services if host is None or s['host'] == host])

    def service_update(self, ctxt: RequestContext, host: str, binary: str,
                       values: dict[str, Any]) -> dict[str, Any]:
        """Change a service in its own cell; ``host`` is
        ``cell_path@host``."""
        cell_path, host_name = cell_paths.split_cell_and_item(host)
        if not host_name:
            raise exception.HostBinaryNotFound(host=host, binary=binary)
        try:
            service = self.cells_rpcapi.service_update(ctxt, host, binary,
                                                       values)
        except exception.CellRoutingInconsistency:
            raise exception.HostBinaryNotFound(host=host,
                                               binary=binary) from None
        return _qualify(service, cell_path)

    def compute_node_get_all(self, ctxt: RequestContext
                             ) -> list[dict[str, Any]]:
        result = self.cells_rpcapi.compute_node_get_all(ctxt)
        return self._listing('compute nodes', result, [
            _qualify(n, n['cell_path']) for n in result['compute_nodes']])

    def compute_node_get(self, ctxt: RequestContext, compute_id: str
                         ) -> dict[str, Any]:
        """One compute node; ``compute_id`` is ``cell_path@id``."""
        cell_path, item = cell_paths.split_cell_and_item(str(compute_id))
        if not item or not item.isdigit():
            raise exception.ComputeHostNotFound(host=compute_id)
        try:
            node = self.cells_rpcapi.compute_node_get(ctxt, compute_id)
        except exception.CellRoutingInconsistency:
            raise exception.ComputeHostNotFound(host=compute_id) from None
        return _qualify(node, cell_path)

    def migration_get_all(self, ctxt: RequestContext,
                          filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Migrations of every cell; their hosts carry the cell's path
        (``api!cell1@host1``) as os-services shows them.  ``host`` may
        be cell-qualified; ``cell_name`` keeps one cell's."""
        filters = dict(filters)
        cell_name = filters.pop('cell_name', None)
        for key in ('host', 'source_compute'):
            if filters.get(key) and cell_paths.CELL_ITEM_SEP in filters[key]:
                cell_name, filters[key] = cell_paths.split_cell_and_item(
                    filters[key])
        result = self.cells_rpcapi.migration_get_all(
            ctxt, _db_migration_filters(filters))
        migrations = []
        for item in result['migrations']:
            path = item.pop('cell_path')
            if not _in_cell(path, cell_name):
                continue
            for key in ('source_compute', 'dest_compute'):
                # The API cell's records of moves between cells name
                # their hosts with their cells already.
                if item.get(key) and \
                        cell_paths.CELL_ITEM_SEP not in item[key]:
                    item[key] = cell_paths.cell_with_item(path, item[key])
            migrations.append(item)
        return self._listing('migrations', result, migrations)

    def network_get_all(self, ctxt: RequestContext
                        ) -> list[dict[str, Any]]:
        """Networks of every cell, ids ``cell_path@id``."""
        result = self.cells_rpcapi.network_get_all(ctxt)
        networks = []
        for item in result['networks']:
            network = dict(item)
            network['id'] = cell_paths.cell_with_item(
                network.pop('cell_path'), network['id'])
            networks.append(network)
        return self._listing('networks', result, networks)
