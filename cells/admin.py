"""What nova-cells does for operators: neighbours, the tree, hosts.

:class:`CellsAdmin` is an RPC endpoint of nova-cells beside
:class:`nova.cells.manager.CellsManager`; it answers the ``os-cells`` API
(neighbour cells and their capacities, adding, changing and removing
neighbours, forcing a sync), the host views of ``os-services`` and
``os-hypervisors`` that target one cell, and ``nova-manage cell tree``.

A neighbour's transport URL holds its broker password: it is stored, and
used to reach the cell, but it never leaves this module.  Everything
returned describes the broker by its parts (:func:`describe_transport`)
without the password.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import host_views
from nova.cells import messaging
from nova.cells import state as cells_state
from nova.context import RequestContext
from nova.db import api as db_api

LOG = logging.getLogger(__name__)

# API field -> TransportHost attribute.
_BROKER_FIELDS = {'username': 'username', 'password': 'password',
                  'rpc_host': 'hostname', 'rpc_port': 'port'}
_CELL_FIELDS = ('name', 'is_parent', 'weight_offset', 'weight_scale',
                'disabled')
# Errors the operator calls answer with: logged by oslo.messaging at
# debug level only, they are the caller's business.
_expected = oslo_messaging.expected_exceptions(exception.NovaException)

# What a parent may change of a service in one of its cells
# (forced_down: microversion 2.11).
SERVICE_FIELDS = ('disabled', 'disabled_reason', 'forced_down')


def _parse(conf: Any, url: str | None) -> oslo_messaging.TransportURL:
    try:
        return oslo_messaging.TransportURL.parse(conf, url)
    except (oslo_messaging.InvalidTransportURL, ValueError) as exc:
        # The URL itself stays out of the message: it holds a password.
        raise exception.InvalidInput(
            reason='invalid transport URL (%s)' % type(exc).__name__
        ) from None


def build_transport_url(conf: Any, values: dict[str, Any],
                        existing: str | None = None) -> str:
    """A neighbour's transport URL from the ``os-cells`` broker fields.

    ``existing`` (an update) is amended field by field.  A new cell gets
    this cell's transport scheme (``rabbit``, ``inproc``, ...) and only
    the host and credentials it was given: unlike Nova, our own broker's
    credentials are never copied into a neighbour's URL.
    """
    if existing:
        url = _parse(conf, existing)
    else:
        ours = _parse(conf, conf.transport_url)
        url = oslo_messaging.TransportURL(conf, transport=ours.transport)
    if 'rpc_virtual_host' in values:
        url.virtual_host = values['rpc_virtual_host']
    if not url.hosts:
        url.hosts.append(oslo_messaging.TransportHost())
    host = url.hosts[0]
    for field, attribute in _BROKER_FIELDS.items():
        if field in values:
            value = values[field]
            setattr(host, attribute,
                    int(value) if field == 'rpc_port' and value is not None
                    else value)
    return str(url)


def describe_transport(conf: Any, url: str | None) -> dict[str, Any]:
    """The broker of a transport URL, without its password."""
    empty = {'username': None, 'rpc_host': None, 'rpc_port': None,
             'rpc_virtual_host': None}
    if not url:
        return empty
    try:
        parsed = _parse(conf, url)
    except exception.InvalidInput:
        return empty
    if not parsed.hosts:
        return dict(empty, rpc_virtual_host=parsed.virtual_host)
    first = parsed.hosts[0]
    return {'username': first.username, 'rpc_host': first.hostname,
            'rpc_port': first.port, 'rpc_virtual_host': parsed.virtual_host}


class CellsAdmin:
    """The operator calls of nova-cells (its RPC endpoint, beside the
    manager's).

    ``on_neighbours_changed`` runs after a neighbour is added, changed or
    removed, once the cell state has been reloaded.
    """

    # The version of nova.cells.rpcapi.CellsAPI, as the manager's.
    target = oslo_messaging.Target(version='1.10')

    def __init__(self, conf: cfg.ConfigOpts, db: db_api.Database,
                 state: cells_state.CellStateManager,
                 runner: messaging.MessageRunner,
                 on_neighbours_changed: Callable[[], None]) -> None:
        self.conf = conf
        self.db = db
        self.state = state
        self.msg_runner = runner
        self.our_name: str = conf.cells.name
        self._on_neighbours_changed = on_neighbours_changed

    # -- neighbours -----------------------------------------------------

    def _describe_cell(self, cell: cells_state.CellState,
                       row_id: int | None = None) -> dict[str, Any]:
        info = {'id': row_id, 'name': cell.name,
                'is_parent': cell.is_parent,
                'capabilities': {k: sorted(v) for k, v in
                                 cell.capabilities.items()},
                'capacities': cell.capacities,
                'weight_offset': cell.weight_offset,
                'weight_scale': cell.weight_scale,
                'disabled': cell.disabled,
                'mute': (not cell.is_parent
                         and self.state.is_mute(cell))}
        info.update(describe_transport(self.conf, cell.transport_url))
        return info

    def _describe_row(self, row: dict[str, Any]) -> dict[str, Any]:
        cell = cells_state.CellState(row['name'])
        cell.update_db_info(row)
        known = (self.state.get_child_cell(row['name'])
                 or self.state.get_parent_cell(row['name']))
        if known is not None and known.is_parent == cell.is_parent:
            cell.capabilities = known.capabilities
            cell.capacities = known.capacities
            cell.last_seen = known.last_seen
        return self._describe_cell(cell, row.get('id'))

    def get_cell_info_for_neighbors(self, ctxt: RequestContext
                                    ) -> list[dict[str, Any]]:
        """Every neighbour (children first) as this cell sees it."""
        cells = (sorted(self.state.get_child_cells(), key=lambda c: c.name)
                 + sorted(self.state.get_parent_cells(),
                          key=lambda c: c.name))
        return [self._describe_cell(cell) for cell in cells]

    @_expected
    def cell_get(self, ctxt: RequestContext, cell_name: str) -> dict[str, Any]:
        cell = (self.state.get_child_cell(cell_name)
                or self.state.get_parent_cell(cell_name))
        if cell is None:
            raise exception.CellNotFound(cell_name=cell_name)
        return self._describe_cell(cell)

    def _check_registry_writable(self) -> None:
        if self.conf.cells.cells_config:
            raise exception.CellsUpdateUnsupported()

    def _neighbours_changed(self) -> None:
        # Take the change into account now rather than at the next
        # db_check_interval, and have a new child report at once.
        self.state.reload()
        self._on_neighbours_changed()

    @_expected
    def cell_create(self, ctxt: RequestContext, values: dict[str, Any]
                    ) -> dict[str, Any]:
        """Add a neighbour; ``values`` has ``name``, ``is_parent`` and the
        broker fields of ``os-cells``."""
        self._check_registry_writable()
        row_values = {k: values[k] for k in _CELL_FIELDS if k in values}
        row_values['transport_url'] = build_transport_url(self.conf, values)
        row = self.db.cell_create(ctxt, row_values)
        LOG.info('Added %s cell %s', 'parent' if row['is_parent']
                 else 'child', row['name'])
        self._neighbours_changed()
        return self._describe_row(row)

    @_expected
    def cell_update(self, ctxt: RequestContext, cell_name: str,
                    values: dict[str, Any]) -> dict[str, Any]:
        """Change a neighbour; broker fields not given are kept."""
        self._check_registry_writable()
        existing = self.db.cell_get(ctxt, cell_name)
        row_values = {k: values[k] for k in _CELL_FIELDS if k in values}
        if any(k in values for k in (*_BROKER_FIELDS, 'rpc_virtual_host')):
            row_values['transport_url'] = build_transport_url(
                self.conf, values, existing['transport_url'])
        row = self.db.cell_update(ctxt, cell_name, row_values)
        LOG.info('Changed cell %s (%s)', cell_name,
                 ', '.join(sorted(k for k in values if k != 'password'))
                 or 'nothing')
        self._neighbours_changed()
        return self._describe_row(row)

    @_expected
    def cell_delete(self, ctxt: RequestContext, cell_name: str) -> int:
        """Remove a neighbour; returns how many were removed (1)."""
        self._check_registry_writable()
        self.db.cell_delete(ctxt, cell_name)
        LOG.info('Removed cell %s', cell_name)
        self._neighbours_changed()
        return 1

    @_expected
    def get_capacities(self, ctxt: RequestContext,
                       cell_name: str | None = None) -> dict[str, Any]:
        """Our capacities (the whole subtree, mute children as they last
        reported), or one child's; ``missing`` names the mute children,
        by path."""
        if not cell_name or cell_name == self.our_name:
            caps = self.state.get_our_capacities()
            mute = caps['mute']
        else:
            child = self.state.get_child_cell(cell_name)
            if child is None:
                raise exception.CellNotFound(cell_name=cell_name)
            caps = child.capacities or {}
            mute = ([cell_name] if self.state.is_known_mute(child)
                    else [])
        shown = {k: caps[k] for k in cells_state.CAPACITY_KINDS
                 if k in caps}
        shown['missing'] = [cell_paths.path_join(self.our_name, name)
                            for name in mute]
        return shown

    def sync_instances(self, ctxt: RequestContext,
                       project_id: str | None = None,
                       updated_since: str | None = None, deleted: bool = False
                       ) -> None:
        """Have every cell below push its instances up again."""
        self.msg_runner.broadcast(
            ctxt, 'sync_instances',
            {'project_id': project_id, 'updated_since': updated_since,
             'deleted': deleted}, 'down', run_locally=False)

    # -- hosts of one cell ----------------------------------------------

    def _call_cell(self, ctxt: RequestContext, cell_path: str, method: str,
                   kwargs: dict[str, Any]) -> Any:
        response = self.msg_runner.targeted(ctxt, cell_path, method, kwargs,
                                            'down', need_response=True)
        assert response is not None     # it waits for one
        return response.value_or_raise()

    @_expected
    def service_update(self, ctxt: RequestContext, host_name: str, binary: str,
                       params_to_update: dict[str, Any]) -> dict[str, Any]:
        """Change a service of the cell ``host_name`` (``path@host``)
        names; returns it as that cell describes it."""
        cell_path, host = cell_paths.split_cell_and_item(host_name)
        if not host:
            raise exception.HostBinaryNotFound(host=host_name,
                                               binary=binary)
        values = {k: v for k, v in params_to_update.items()
                  if k in SERVICE_FIELDS}
        return self._call_cell(ctxt, cell_path, 'service_update',
                               {'host_name': host, 'binary': binary,
                                'params_to_update': values})

    @_expected
    def compute_node_get(self, ctxt: RequestContext, compute_id: str
                         ) -> dict[str, Any]:
        """One compute node, ``compute_id`` being ``path@id``."""
        cell_path, item = cell_paths.split_cell_and_item(compute_id)
        if not item or not item.isdigit():
            raise exception.ComputeHostNotFound(host=compute_id)
        return self._call_cell(ctxt, cell_path, 'compute_node_get',
                               {'compute_id': int(item)})

    # -- aggregates and zones -------------------------------------------

    @_expected
    def aggregate_call(self, ctxt: RequestContext, cell_path: str,
                       operation: str, args: dict[str, Any]) -> Any:
        """One aggregate operation in the cell at ``cell_path``."""
        return self._call_cell(ctxt, cell_path, 'aggregate_call',
                               {'operation': operation, 'args': args})

    def get_zones(self, ctxt: RequestContext) -> dict[str, list[str]]:
        """Each zone the cells below (and this cell) reported, with its
        enabled compute hosts, ``cell_path@host``, sorted."""
        cells = self.state.get_our_capacities().get('cells') or {}
        zones: dict[str, set[str]] = {}
        for name, caps in cells.items():
            path = caps.get('path') or name
            for zone, info in (caps.get('zones') or {}).items():
                zones.setdefault(zone, set()).update(
                    cell_paths.cell_with_item(path, host)
                    for host in info.get('hosts') or [])
        return {zone: sorted(hosts) for zone, hosts in zones.items()}

    # -- the tree -------------------------------------------------------

    def describe_for_tree(self) -> dict[str, Any]:
        """This cell as ``nova-manage cell tree`` shows it."""
        ctxt = nova_context.get_admin_context()
        capacities = self.state.get_our_capacities()
        computes = [host_views.describe_service(self.conf, row) for row in
                    self.db.service_get_all(ctxt, binary='nova-compute')]
        now = self.state.clock()
        children = []
        for cell in sorted(self.state.get_child_cells(),
                           key=lambda c: c.name):
            seen = cell.last_seen
            children.append({'name': cell.name,
                             'mute': self.state.is_mute(cell),
                             'last_seen_ago': (None if seen is None
                                               else round(now - seen, 1))})
        return {
            'name': self.our_name,
            'cell_type': self.conf.cells.cell_type,
            'parents': sorted(c.name for c in
                              self.state.get_parent_cells()),
            'children': children,
            'ram_free_mb': capacities['ram_free']['total_mb'],
            'disk_free_mb': capacities['disk_free']['total_mb'],
            'compute_hosts': len(computes),
            'compute_hosts_up': sum(1 for s in computes
                                    if s['up'] and not s['disabled']),
        }

    def get_cell_tree(self, ctxt: RequestContext) -> dict[str, Any]:
        """Every cell from here down, keyed by routing path.

        ``{'cells': {path: info}, 'failed': {path: reason},
        'missing': [paths that did not answer]}``
        """
        result = self.msg_runner.broadcast(ctxt, 'get_cell_info', {},
                                           'down', need_response=True)
        cells: dict[str, Any] = {}
        failed: dict[str, str] = {}
        for response in result or []:
            if response.failure:
                failed[response.cell_name] = str(response.value)
            else:
                cells[response.cell_name] = response.value
        return {'root': self.our_name, 'cells': cells, 'failed': failed,
                'missing': list(result.missing) if result else []}
