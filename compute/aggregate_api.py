"""Host aggregates as the REST API sees them.

:class:`AggregateAPI` serves a deployment without cells: the aggregates
of its one database, ids plain integers.  :class:`CellsAggregateAPI`
serves the API cell of a cells deployment: an aggregate lives in the
cell of its hosts and is named ``cell_path@id`` (``api!cell1@3``), its
hosts ``cell_path@host``; listings gather every cell (naming those that
did not answer), everything else goes to the one cell the id names.

A new aggregate goes to the cell its name names (``api!cell2@fast``
creates ``fast`` in ``api!cell2``), else the first cell (by path) with
compute hosts in its ``availability_zone``, else the first cell with
compute hosts.  A host joins only an aggregate of its own cell.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from nova import aggregates
from nova import cell_paths
from nova import exception
from nova import host_views
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)


def _integer(value: str) -> int:
    if not value.isdigit():
        raise exception.InvalidInput(reason='id must be an integer')
    return int(value)


class AggregateAPI:
    """The aggregates of a deployment without cells."""

    def __init__(self, conf: Any, db: Database) -> None:
        self.cell = aggregates.CellAggregates(conf, db)

    def get_all(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        return self.cell.get_all(ctxt)

    def get(self, ctxt: RequestContext, aggregate_id: str) -> dict[str, Any]:
        return self.cell.get(ctxt, _integer(aggregate_id))

    def create(self, ctxt: RequestContext, name: str,
               availability_zone: str | None) -> dict[str, Any]:
        return self.cell.create(ctxt, name, availability_zone)

    def update(self, ctxt: RequestContext, aggregate_id: str,
               values: dict[str, Any]) -> dict[str, Any]:
        return self.cell.update(ctxt, _integer(aggregate_id),
                                values)

    def delete(self, ctxt: RequestContext, aggregate_id: str) -> None:
        self.cell.delete(ctxt, _integer(aggregate_id))

    def add_host(self, ctxt: RequestContext, aggregate_id: str, host: str
                 ) -> dict[str, Any]:
        return self.cell.add_host(ctxt, _integer(aggregate_id), host)

    def remove_host(self, ctxt: RequestContext, aggregate_id: str,
                    host: str) -> dict[str, Any]:
        return self.cell.remove_host(ctxt, _integer(aggregate_id), host)

    def set_metadata(self, ctxt: RequestContext, aggregate_id: str,
                     metadata: dict[str, str | None]) -> dict[str, Any]:
        return self.cell.set_metadata(ctxt, _integer(aggregate_id), metadata)


def _qualify(item: dict[str, Any], cell_path: str) -> dict[str, Any]:
    item = dict(item)
    item.pop('cell_path', None)
    item['id'] = cell_paths.cell_with_item(cell_path, item['id'])
    item['hosts'] = [cell_paths.cell_with_item(cell_path, host)
                     for host in item['hosts']]
    return item


class CellsAggregateAPI:
    """The aggregates of every cell, through this cell's nova-cells."""

    def __init__(self, conf: Any, cells_rpcapi: Any, host_api: Any) -> None:
        self.our_name: str = conf.cells.name
        self.cells_rpcapi = cells_rpcapi
        self.host_api = host_api

    # -- reads ----------------------------------------------------------

    def get_all(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        result = self.cells_rpcapi.aggregate_get_all(ctxt)
        missing = result.get('missing') or []
        if missing:
            LOG.warning('Listing aggregates: no answer from %s',
                        ', '.join(missing))
        items = [_qualify(a, a['cell_path']) for a in result['aggregates']]
        items.sort(key=lambda a: a['id'])
        return host_views.Listing(items, missing)

    def _split(self, aggregate_id: str) -> tuple[str, int]:
        cell_path, item = cell_paths.split_cell_and_item(aggregate_id)
        if item is None:
            # Not ours to find without a cell: no such aggregate.
            raise exception.AggregateNotFound(aggregate_id=aggregate_id)
        return cell_path, _integer(item)

    def _call(self, ctxt: RequestContext, cell_path: str, method: str,
              shown: dict[str, Any], **kwargs: Any) -> Any:
        local: dict[str, Any] = {k: kwargs[k] for k in ('aggregate_id',
                                                        'host')
                                 if k in kwargs}
        try:
            with aggregates.shown_as(shown, local):
                result = self.cells_rpcapi.aggregate_call(
                    ctxt, cell_path, method, kwargs)
        except exception.CellRoutingInconsistency:
            if 'aggregate_id' in shown:
                raise exception.AggregateNotFound(
                    aggregate_id=shown['aggregate_id']) from None
            raise exception.InvalidInput(
                reason='no cell %s below this one' % cell_path) from None
        return None if result is None else _qualify(result, cell_path)

    def get(self, ctxt: RequestContext, aggregate_id: str) -> dict[str, Any]:
        cell_path, local_id = self._split(aggregate_id)
        return self._call(ctxt, cell_path, 'get',
                          {'aggregate_id': aggregate_id},
                          aggregate_id=local_id)

    # -- writes ---------------------------------------------------------

    def _check_name_free(self, ctxt: RequestContext, name: str,
                         aggregate_id: str | None = None) -> None:
        """Names are unique in the whole tree, as in Nova."""
        for item in self.get_all(ctxt):
            if item['name'] == name and item['id'] != aggregate_id:
                raise exception.AggregateNameExists(aggregate_name=name)

    def _cell_for(self, ctxt: RequestContext, zone: str | None) -> str:
        """The cell a new aggregate goes to (see the module's doc)."""
        zones = self.cells_rpcapi.get_zones(ctxt)
        wanted = zones.get(zone, []) if zone else []
        hosts = wanted or [h for hosts in zones.values() for h in hosts]
        paths = sorted({cell_paths.split_cell_and_item(h)[0]
                        for h in hosts})
        below = [p for p in paths if p != self.our_name]
        if below:
            return below[0]
        children = sorted(
            c['name'] for c in
            self.cells_rpcapi.get_cell_info_for_neighbors(ctxt)
            if not c['is_parent'])
        if children:
            return cell_paths.path_join(self.our_name, children[0])
        return self.our_name

    def create(self, ctxt: RequestContext, name: str,
               availability_zone: str | None) -> dict[str, Any]:
        cell_path, bare = cell_paths.split_cell_and_item(name)
        if bare and (cell_path == self.our_name or cell_paths.is_below(
                cell_path, self.our_name)):
            name = bare
        else:
            cell_path = self._cell_for(ctxt, availability_zone)
        self._check_name_free(ctxt, name)
        LOG.info('Creating aggregate %s in %s', name, cell_path)
        return self._call(ctxt, cell_path, 'create', {}, name=name,
                          availability_zone=availability_zone)

    def update(self, ctxt: RequestContext, aggregate_id: str,
               values: dict[str, Any]) -> dict[str, Any]:
        cell_path, local_id = self._split(aggregate_id)
        if values.get('name') is not None:
            self._check_name_free(ctxt, values['name'], aggregate_id)
        return self._call(ctxt, cell_path, 'update',
                          {'aggregate_id': aggregate_id},
                          aggregate_id=local_id, values=values)

    def delete(self, ctxt: RequestContext, aggregate_id: str) -> None:
        cell_path, local_id = self._split(aggregate_id)
        self._call(ctxt, cell_path, 'delete', {'aggregate_id': aggregate_id},
                   aggregate_id=local_id)

    def set_metadata(self, ctxt: RequestContext, aggregate_id: str,
                     metadata: dict[str, str | None]) -> dict[str, Any]:
        cell_path, local_id = self._split(aggregate_id)
        return self._call(ctxt, cell_path, 'set_metadata',
                          {'aggregate_id': aggregate_id},
                          aggregate_id=local_id, metadata=metadata)

    def _host_in(self, ctxt: RequestContext, host: str, cell_path: str,
                 aggregate_id: str) -> str:
        """The bare name of ``host`` (``path@host`` or a plain name,
        looked up among the compute hosts of every cell), which must be
        in ``cell_path``; raises ComputeHostNotFound or
        InvalidAggregateActionAdd."""
        host_path, bare = cell_paths.split_cell_and_item(host)
        if bare is None:
            bare = host
            paths = sorted({
                s['cell_path'] for s in self.host_api.service_get_all(
                    ctxt, binary=aggregates.COMPUTE_BINARY)
                if s['host'] == cell_paths.cell_with_item(s['cell_path'],
                                                          host)})
            if not paths:
                raise exception.ComputeHostNotFound(host=host)
            if cell_path in paths:
                return bare
            host_path = paths[0]
        if host_path != cell_path:
            raise exception.InvalidAggregateActionAdd(
                aggregate_id=aggregate_id,
                reason='host %s is in cell %s, the aggregate in cell %s'
                       % (host, host_path, cell_path))
        return bare

    def add_host(self, ctxt: RequestContext, aggregate_id: str, host: str
                 ) -> dict[str, Any]:
        cell_path, local_id = self._split(aggregate_id)
        bare = self._host_in(ctxt, host, cell_path, aggregate_id)
        return self._call(ctxt, cell_path, 'add_host',
                          {'aggregate_id': aggregate_id, 'host': host},
                          aggregate_id=local_id, host=bare)

    def remove_host(self, ctxt: RequestContext, aggregate_id: str,
                    host: str) -> dict[str, Any]:
        cell_path, local_id = self._split(aggregate_id)
        host_path, bare = cell_paths.split_cell_and_item(host)
        if bare is None:
            bare = host
        elif host_path != cell_path:
            # Not a host of the aggregate's cell, so not one of its hosts.
            raise exception.AggregateHostNotFound(aggregate_id=aggregate_id,
                                                  host=host)
        return self._call(ctxt, cell_path, 'remove_host',
                          {'aggregate_id': aggregate_id, 'host': host},
                          aggregate_id=local_id, host=bare)
