"""The ``os-cells`` facade of the API cell: what the REST API may ask
nova-cells about the tree.

Neighbour cells are described without their broker password (see
:mod:`nova.cells.admin`); writes go through nova-cells, which stores them
in this cell's ``cells`` table and takes them into account at once.
"""

from __future__ import annotations

from typing import Any

from nova.conf import cells as cells_conf
from nova.context import RequestContext


class CellsAdminAPI:
    """Neighbours, capacities and syncing, through this cell's
    nova-cells."""

    def __init__(self, conf: Any, cells_rpcapi: Any) -> None:
        self.conf = conf
        self.cells_rpcapi = cells_rpcapi

    def info(self) -> dict[str, Any]:
        """This cell's name and capabilities (from its configuration)."""
        capabilities = cells_conf.parse_capabilities(
            self.conf.cells.capabilities)
        return {'name': self.conf.cells.name,
                'capabilities': {k: ';'.join(sorted(v))
                                 for k, v in capabilities.items()}}

    def neighbours(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        return self.cells_rpcapi.get_cell_info_for_neighbors(ctxt)

    def cell_get(self, ctxt: RequestContext, name: str) -> dict[str, Any]:
        return self.cells_rpcapi.cell_get(ctxt, name)

    def cell_create(self, ctxt: RequestContext, values: dict[str, Any]
                    ) -> dict[str, Any]:
        return self.cells_rpcapi.cell_create(ctxt, values)

    def cell_update(self, ctxt: RequestContext, name: str,
                    values: dict[str, Any]) -> dict[str, Any]:
        return self.cells_rpcapi.cell_update(ctxt, name, values)

    def cell_delete(self, ctxt: RequestContext, name: str) -> int:
        return self.cells_rpcapi.cell_delete(ctxt, name)

    def capacities(self, ctxt: RequestContext,
                   name: str | None = None) -> dict[str, Any]:
        return self.cells_rpcapi.get_capacities(ctxt, cell_name=name)

    def sync_instances(self, ctxt: RequestContext, project_id: str | None,
                       updated_since: str | None, deleted: bool) -> None:
        self.cells_rpcapi.sync_instances(ctxt, project_id=project_id,
                                         updated_since=updated_since,
                                         deleted=deleted)
