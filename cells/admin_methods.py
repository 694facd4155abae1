"""Inter-cell messages of the operator calls (see :mod:`nova.cells.admin`).

Each method runs in the cell the message reached and answers about that
cell only.  nova-cells serves these handlers beside those of
:mod:`nova.cells.methods`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging

from nova import aggregates
from nova import exception
from nova import host_views
from nova.cells import admin
from nova.cells.messaging import Message
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# What a parent may do with the aggregates of this cell.
AGGREGATE_OPERATIONS = frozenset(['get', 'create', 'update', 'delete',
                               'add_host', 'remove_host', 'set_metadata'])


class AdminTargetedMethods:
    """``on_compute_change`` runs when a compute service of this cell is
    enabled or disabled: the cell's capacity changed."""

    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 on_compute_change: Callable[[], None]) -> None:
        self.conf = conf
        self.db = db
        self._on_compute_change = on_compute_change
        self.aggregates = aggregates.CellAggregates(conf, db,
                                                    on_compute_change)

    def service_update(self, message: Message, host_name: str, binary: str,
                       params_to_update: dict[str, Any]) -> dict[str, Any]:
        """Enable or disable one of our services.

        A disabled compute host leaves our host scheduler's choices (its
        ComputeFilter) and our capacity report, which goes up at once.
        """
        ctxt = message.ctxt
        row = self.db.service_get_by_host_and_binary(ctxt, host_name,
                                                     binary)
        values = {k: v for k, v in params_to_update.items()
                  if k in admin.SERVICE_FIELDS}
        if values.get('disabled') is False:
            values.setdefault('disabled_reason', None)
        row = self.db.service_update(ctxt, row['id'], values)
        LOG.info('Service %s on %s %s', binary, host_name,
                 'disabled' if row['disabled'] else 'enabled')
        if binary == host_views.COMPUTE_BINARY:
            self._on_compute_change()
        return host_views.describe_service(
            self.conf, row, aggregates.host_zones(self.conf, self.db, ctxt))

    def compute_node_get(self, message: Message,
                         compute_id: int) -> dict[str, Any]:
        return host_views.describe_compute_node_by_id(
            self.conf, self.db, message.ctxt, str(compute_id))

    def aggregate_call(self, message: Message, operation: str,
                       args: dict[str, Any]) -> Any:
        """One operation on this cell's aggregates (see
        :class:`nova.aggregates.CellAggregates`); the zones we report
        change with them."""
        if operation not in AGGREGATE_OPERATIONS or not isinstance(args,
                                                                   dict):
            raise exception.CellMessageInvalid(
                reason='aggregate operation %r is not allowed'
                       % (operation,))
        return getattr(self.aggregates, operation)(message.ctxt, **args)


class AdminBroadcastMethods:
    """``describe_cell`` tells what ``nova-manage cell tree`` shows of
    this cell."""

    def __init__(self, describe_cell: Callable[[], dict[str, Any]]
                 ) -> None:
        self._describe_cell = describe_cell

    def get_cell_info(self, message: Message) -> dict[str, Any]:
        return self._describe_cell()
