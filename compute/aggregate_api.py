"""Host aggregates as the REST API sees them.

:class:`AggregateAPI` serves a deployment without cells: the aggregates
of its one database.  :class:`CellsAggregateAPI` serves the API cell of
a cells deployment: an aggregate lives in the cell of its hosts, its
hosts are named ``cell_path@host``; listings gather every cell (naming
those that did not answer), everything else goes to the one cell the id
names.

Ids are integers unique in the whole tree, as clients of Nova expect:
the API cell's database maps each (``aggregate_mappings``) to the cell
of the aggregate and its id there.  An id is allocated when the
aggregate is created through the API, or the first time a listing or an
answer shows an aggregate that has none yet (made before ids were kept,
or by a tool inside its cell); it goes when the aggregate is deleted.
``cell_path@id`` (``api!cell1@3``: the id inside the cell) is still
accepted as another name of the aggregate.  As in Nova, an id that is no
integer is a 400, an integer no aggregate has a 404.

A new aggregate goes to the cell its name names (``api!cell2@fast``
creates ``fast`` in ``api!cell2``), else the first cell (by path) with
compute hosts in its ``availability_zone``, else the first cell with
compute hosts.  A host joins only an aggregate of its own cell.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from oslo_log import log as logging

from nova import aggregates
from nova import cell_paths
from nova import exception
from nova import host_views
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# The ids a database integer column holds: any other names no aggregate.
_MAX_ID = 2 ** 31 - 1
_INTEGER = re.compile(r'-?[0-9]+')


def _integer(value: str) -> int:
    """An id as Nova reads it: one that is no integer is an
    InvalidInput (400), an integer no aggregate can have (``-1``, too
    big) an AggregateNotFound."""
    if not _INTEGER.fullmatch(value):
        raise exception.InvalidInput(reason='id must be an integer')
    number = int(value)
    if not 0 < number <= _MAX_ID:
        raise exception.AggregateNotFound(aggregate_id=value)
    return number


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


def _qualify(item: dict[str, Any], cell_path: str, shown_id: int
             ) -> dict[str, Any]:
    item = dict(item)
    item.pop('cell_path', None)
    item['id'] = shown_id
    item['hosts'] = [cell_paths.cell_with_item(cell_path, host)
                     for host in item['hosts']]
    return item


class _Where:
    """Where the aggregate an id names lives: ``cell_path``, its id
    there (``local_id``), and the uuid its tree-wide id was given for
    (``uuid``; None when named ``cell_path@id``)."""

    def __init__(self, cell_path: str, local_id: int,
                 uuid: str | None = None) -> None:
        self.cell_path = cell_path
        self.local_id = local_id
        self.uuid = uuid


class CellsAggregateAPI:
    """The aggregates of every cell, through this cell's nova-cells;
    their tree-wide ids in this cell's database."""

    def __init__(self, conf: Any, cells_rpcapi: Any, host_api: Any,
                 db: Database) -> None:
        self.our_name: str = conf.cells.name
        self.cells_rpcapi = cells_rpcapi
        self.host_api = host_api
        self.db = db
        # Checking that a name is free and taking it are one step for the
        # requests of this process.
        self._names_lock = threading.Lock()

    # -- ids ------------------------------------------------------------

    def _where(self, ctxt: RequestContext, aggregate_id: str) -> _Where:
        """Raises AggregateNotFound, or InvalidInput for an id that is
        no integer."""
        cell_path, item = cell_paths.split_cell_and_item(aggregate_id)
        if item is not None:
            return _Where(cell_path, _integer(item))
        mapping = self.db.aggregate_mapping_get(ctxt,
                                                _integer(aggregate_id))
        return _Where(mapping['cell_path'], mapping['cell_aggregate_id'],
                      mapping['aggregate_uuid'])

    def _shown(self, ctxt: RequestContext, found: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
        """Aggregates of cells (each with its ``cell_path``) as the API
        shows them: tree-wide ids (allocated where missing), hosts
        ``cell_path@host``."""
        ids = self.db.aggregate_mappings_for(
            ctxt, [(a['cell_path'], a['id'], a['uuid']) for a in found])
        return [_qualify(a, a['cell_path'], ids[(a['cell_path'], a['id'])])
                for a in found]

    # -- reads ----------------------------------------------------------

    def get_all(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        result = self.cells_rpcapi.aggregate_get_all(ctxt)
        missing = result.get('missing') or []
        if missing:
            LOG.warning('Listing aggregates: no answer from %s',
                        ', '.join(missing))
        items = self._shown(ctxt, result['aggregates'])
        items.sort(key=lambda a: a['id'])
        return host_views.Listing(items, missing)

    def _call(self, ctxt: RequestContext, cell_path: str, method: str,
              shown: dict[str, Any], **kwargs: Any) -> Any:
        """What ``method`` answers in ``cell_path`` (ids of that cell);
        errors name the aggregate and host as ``shown``."""
        local: dict[str, Any] = {k: kwargs[k] for k in ('aggregate_id',
                                                        'host')
                                 if k in kwargs}
        try:
            with aggregates.shown_as(shown, local):
                return self.cells_rpcapi.aggregate_call(
                    ctxt, cell_path, method, kwargs)
        except exception.CellRoutingInconsistency:
            if 'aggregate_id' in shown:
                raise exception.AggregateNotFound(
                    aggregate_id=shown['aggregate_id']) from None
            raise exception.InvalidInput(
                reason='no cell %s below this one' % cell_path) from None

    def _on(self, ctxt: RequestContext, aggregate_id: str, method: str,
            where: _Where | None = None, shown_host: str | None = None,
            **kwargs: Any) -> dict[str, Any]:
        """``method`` on the aggregate ``aggregate_id`` names (living at
        ``where``), shown; ``shown_host``: the host as the caller named
        it."""
        if where is None:
            where = self._where(ctxt, aggregate_id)
        shown = {'aggregate_id': aggregate_id}
        if shown_host is not None:
            shown['host'] = shown_host
        result = self._call(ctxt, where.cell_path, method, shown,
                            aggregate_id=where.local_id, **kwargs)
        if (method == 'get' and where.uuid is not None
                and result['uuid'] != where.uuid):
            # The cell has given the local id to another aggregate since.
            raise exception.AggregateNotFound(aggregate_id=aggregate_id)
        return self._shown(ctxt, [dict(result,
                                       cell_path=where.cell_path)])[0]

    def get(self, ctxt: RequestContext, aggregate_id: str) -> dict[str, Any]:
        return self._on(ctxt, aggregate_id, 'get')

    # -- writes ---------------------------------------------------------

    def _check_name_free(self, ctxt: RequestContext, name: str,
                         where: _Where | None = None) -> None:
        """Names are unique in the whole tree, as in Nova."""
        this = None if where is None else (where.cell_path, where.local_id)
        for item in self.cells_rpcapi.aggregate_get_all(ctxt)['aggregates']:
            if (item['name'] == name
                    and (item['cell_path'], item['id']) != this):
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
        with self._names_lock:
            self._check_name_free(ctxt, name)
            LOG.info('Creating aggregate %s in %s', name, cell_path)
            created = self._call(ctxt, cell_path, 'create', {}, name=name,
                                 availability_zone=availability_zone)
        return self._shown(ctxt, [dict(created, cell_path=cell_path)])[0]

    def update(self, ctxt: RequestContext, aggregate_id: str,
               values: dict[str, Any]) -> dict[str, Any]:
        where = self._where(ctxt, aggregate_id)
        if values.get('name') is None:
            return self._on(ctxt, aggregate_id, 'update', where,
                            values=values)
        with self._names_lock:
            self._check_name_free(ctxt, values['name'], where)
            return self._on(ctxt, aggregate_id, 'update', where,
                            values=values)

    def delete(self, ctxt: RequestContext, aggregate_id: str) -> None:
        where = self._where(ctxt, aggregate_id)
        try:
            self._call(ctxt, where.cell_path, 'delete',
                       {'aggregate_id': aggregate_id},
                       aggregate_id=where.local_id)
        except exception.AggregateNotFound:
            # Gone from its cell behind the API's back: its id goes too.
            self.db.aggregate_mapping_delete(ctxt, where.cell_path,
                                             where.local_id)
            raise
        self.db.aggregate_mapping_delete(ctxt, where.cell_path,
                                         where.local_id)

    def set_metadata(self, ctxt: RequestContext, aggregate_id: str,
                     metadata: dict[str, str | None]) -> dict[str, Any]:
        return self._on(ctxt, aggregate_id, 'set_metadata',
                        metadata=metadata)

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
        where = self._where(ctxt, aggregate_id)
        bare = self._host_in(ctxt, host, where.cell_path, aggregate_id)
        return self._on(ctxt, aggregate_id, 'add_host', where, host,
                        host=bare)

    def remove_host(self, ctxt: RequestContext, aggregate_id: str,
                    host: str) -> dict[str, Any]:
        where = self._where(ctxt, aggregate_id)
        host_path, bare = cell_paths.split_cell_and_item(host)
        if bare is None:
            bare = host
        elif host_path != where.cell_path:
            # Not a host of the aggregate's cell, so not one of its hosts.
            raise exception.AggregateHostNotFound(aggregate_id=aggregate_id,
                                                  host=host)
        return self._on(ctxt, aggregate_id, 'remove_host', where, host,
                        host=bare)
