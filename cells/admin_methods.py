"""Inter-cell messages of the operator calls (see :mod:`nova.cells.admin`).

Mixed into :class:`nova.cells.methods.TargetedMethods` and
:class:`~nova.cells.methods.BroadcastMethods`; each method runs in the cell
the message reached and answers about that cell only.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from nova.cells import admin
from nova.compute import host_api

LOG = logging.getLogger(__name__)


class AdminTargetedMethods:
    manager: Any

    def service_update(self, message: Any, host_name: str, binary: str,
                       params_to_update: dict[str, Any]) -> dict[str, Any]:
        """Enable or disable one of our services.

        A disabled compute host leaves our host scheduler's choices (its
        ComputeFilter) and our capacity report, which goes up at once.
        """
        db = self.manager.db
        ctxt = message.ctxt
        row = db.service_get_by_host_and_binary(ctxt, host_name, binary)
        values = {k: v for k, v in params_to_update.items()
                  if k in admin.SERVICE_FIELDS}
        if values.get('disabled') is False:
            values.setdefault('disabled_reason', None)
        row = db.service_update(ctxt, row['id'], values)
        LOG.info('Service %s on %s %s', binary, host_name,
                 'disabled' if row['disabled'] else 'enabled')
        if binary == host_api.COMPUTE_BINARY:
            self.manager.report_soon()
        return host_api.describe_service(self.manager.conf, row)

    def compute_node_get(self, message: Any,
                         compute_id: int) -> dict[str, Any]:
        return host_api.HostAPI(self.manager.conf, self.manager.db
                                ).compute_node_get(message.ctxt,
                                                   str(compute_id))


class AdminBroadcastMethods:
    manager: Any

    def get_cell_info(self, message: Any) -> dict[str, Any]:
        return self.manager.describe_for_tree()
