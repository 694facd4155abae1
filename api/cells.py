"""The ``/os-cells`` controller: the neighbour cells of the API cell.

Administrators list and show the neighbours (children and parents), see
this cell's name and capabilities (``info``) and the free capacity of
the tree or of one child (``capacities``), add, change and remove
neighbours, and make every cell send its instances up again
(``sync_instances``).  The changes are stored by nova-cells and used at
once, without a restart.

A neighbour's broker is shown by its parts (``username``, ``rpc_host``,
``rpc_port``); its password is accepted but never returned.  Without
cells every route answers 501.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from nova import exception
from nova import host_views
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import cells as schemas

LOG = logging.getLogger(__name__)

NOT_SUPPORTED = 'The requested functionality is not supported.'
_BROKER_FIELDS = ('username', 'password', 'rpc_host', 'rpc_virtual_host')


def scrub_cell(cell: dict[str, Any], detail: bool = False
               ) -> dict[str, Any]:
    """A neighbour as Nova showed it: never with its password."""
    info = {'name': cell['name'], 'username': cell.get('username'),
            'rpc_host': cell.get('rpc_host'),
            'rpc_port': cell.get('rpc_port'),
            'type': 'parent' if cell.get('is_parent') else 'child'}
    if detail:
        info['capabilities'] = cell.get('capabilities') or {}
    return info


def _cell_values(cell: dict[str, Any]) -> dict[str, Any]:
    """What nova-cells needs from a validated ``cell`` body."""
    values: dict[str, Any] = {k: cell[k] for k in _BROKER_FIELDS
                              if k in cell}
    if 'name' in cell:
        values['name'] = cell['name']
    if 'type' in cell:
        values['is_parent'] = cell['type'] == 'parent'
    if 'rpc_port' in cell:
        port = int(cell['rpc_port'])
        if not 0 <= port <= 65535:
            raise errors.BadRequest(
                reason=f'Invalid rpc_port {port}: must be 0 to 65535.')
        values['rpc_port'] = port
    return values


class CellsController:
    """Actions on ``/os-cells``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.conf = deps.conf
        self.enforcer = deps.enforcer
        self.cells = getattr(deps.compute_api, 'cells_admin', None)
        self.max_limit = deps.conf.api.max_limit

    def _authorize(self, req: wsgi.ApiRequest,
                   action: str | None = None) -> Any:
        if not self.conf.cells.enable or self.cells is None:
            raise exception.NotSupported(reason=NOT_SUPPORTED)
        rule = rules.CELLS if action is None else rules.CELLS_ACTION % action
        policy.authorize(self.enforcer, req.context, rule, target={})
        return self.cells

    # -- reading --------------------------------------------------------

    def _list(self, req: wsgi.ApiRequest, detail: bool) -> wsgi.Result:
        cells = self._authorize(req)
        items = common.offset_limited(req, cells.neighbours(req.context),
                         self.max_limit)
        return wsgi.Result({'cells': [scrub_cell(c, detail)
                                      for c in items]})

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        return self._list(req, detail=False)

    def detail(self, req: wsgi.ApiRequest) -> wsgi.Result:
        return self._list(req, detail=True)

    def info(self, req: wsgi.ApiRequest) -> wsgi.Result:
        cells = self._authorize(req)
        info = cells.info()
        return wsgi.Result({'cell': {
            'name': info['name'], 'type': 'self', 'rpc_host': None,
            'rpc_port': 0, 'username': None,
            'capabilities': info['capabilities']}})

    def capacities(self, req: wsgi.ApiRequest,
                   id: str | None = None) -> wsgi.Result:
        cells = self._authorize(req)
        capacities = dict(cells.capacities(req.context, id))
        # Mute cells count as they last reported: the header names them.
        missing = capacities.pop('missing', None) or []
        headers = ({host_views.MISSING_HEADER: ', '.join(missing)}
                   if missing else {})
        return wsgi.Result({'cell': {'capacities': capacities}},
                           headers=headers)

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        cells = self._authorize(req)
        return wsgi.Result({'cell': scrub_cell(
            cells.cell_get(req.context, id))})

    # -- changing -------------------------------------------------------

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        cells = self._authorize(req, 'create')
        validation.validate_body(schemas.create, body)
        values = _cell_values(body['cell'])
        values.setdefault('is_parent', False)
        cell = cells.cell_create(req.context, values)
        return wsgi.Result({'cell': scrub_cell(cell)})

    def update(self, req: wsgi.ApiRequest, id: str,
               body: Any) -> wsgi.Result:
        cells = self._authorize(req, 'update')
        validation.validate_body(schemas.update, body)
        cell = cells.cell_update(req.context, id, _cell_values(body['cell']))
        return wsgi.Result({'cell': scrub_cell(cell)})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        cells = self._authorize(req, 'delete')
        cells.cell_delete(req.context, id)
        # 200 without a body, as Nova answered.
        return wsgi.Result(status=200)

    def sync_instances(self, req: wsgi.ApiRequest,
                       body: Any) -> wsgi.Result:
        cells = self._authorize(req, 'sync_instances')
        validation.validate_body(schemas.sync_instances, body)
        deleted = common.parse_bool(body.get('deleted', False), 'deleted')
        cells.sync_instances(req.context, body.get('project_id'),
                             body.get('updated_since'), deleted)
        return wsgi.Result(status=200)
