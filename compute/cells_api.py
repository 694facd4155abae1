"""The compute API of the API (top) cell: forwards to nova-cells.

Reads are served from this cell's replica of every instance.  Builds are
recorded here and handed to nova-cells, whose cell scheduler picks the
child cell.  Actions on an existing instance are checked here against the
replica, recorded (task state, instance action), then sent to the
instance's own cell, which checks again against its own data and carries
them out; what happens there comes back up with the instance's changes.
Changes of the fields this cell owns (name, metadata, lock) are saved
here and sent down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova import instance_changes
from nova import notifications
from nova import objects
from nova import server_groups
from nova.cells import rpcapi as cells_rpcapi
from nova.compute import api as compute_api
from nova.compute import cells_admin
from nova.compute import host_api
from nova.compute import task_states
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import ImageService
from nova.ownership import API_OWNED_FIELDS

LOG = logging.getLogger(__name__)


class ComputeCellsAPI(compute_api.API):
    def __init__(self, conf: Any, db: Database, transport: Any,
                 enforce_locks: bool = True,
                 notifier: notifications.Notifier | None = None,
                 image_service: ImageService | None = None) -> None:
        super().__init__(conf, db, transport, enforce_locks=enforce_locks,
                         notifier=notifier, image_service=image_service)
        self.cells_rpcapi = cells_rpcapi.CellsAPI(conf, transport)
        self.host_api = host_api.CellsHostAPI(conf, self.cells_rpcapi)
        self.cells_admin = cells_admin.CellsAdminAPI(conf,
                                                     self.cells_rpcapi)

    def _schedule(self, context: RequestContext,
                  instances: list[objects.Instance],
                  request_spec: dict[str, Any],
                  filter_properties: dict[str, Any]) -> None:
        spec = filter_properties.get(server_groups.FILTER_PROPERTY)
        if spec and spec['policy'] in (server_groups.ANTI_AFFINITY,
                                       server_groups.SOFT_ANTI_AFFINITY):
            # Members spread over hosts may need several cells: each goes
            # on its own, where a batch would need one cell to take all.
            batches = [[instance] for instance in instances]
        else:
            batches = [instances]
        for batch in batches:
            self.cells_rpcapi.build_instances(
                context, instances=batch,
                instance_type=request_spec['instance_type'],
                image=request_spec['image'],
                request_spec=dict(request_spec, num_instances=len(batch),
                                  instance_uuids=[i.uuid for i in batch]),
                filter_properties=filter_properties)

    def _check_cell(self, instance: objects.Instance) -> None:
        if not instance.cell_name:
            raise exception.InstanceUnknownCell(instance_uuid=instance.uuid)

    def _deliver(self, ctxt: RequestContext, instance: objects.Instance,
                 method: str, kwargs: dict[str, Any], here: Callable[[], Any],
                 call: bool = False) -> Any:
        cell_name = instance.cell_name
        if not cell_name:
            raise exception.InstanceUnknownCell(instance_uuid=instance.uuid)
        return self.cells_rpcapi.run_compute_api_method(
            ctxt, cell_name,
            {'method': method, 'instance_uuid': instance.uuid,
             'method_args': [], 'method_kwargs': kwargs}, call=call)

    def _save_api_owned(self, ctxt: RequestContext, instance: objects.Instance,
                        updates: dict[str, Any]) -> objects.Instance:
        """Save a change of fields this cell owns, numbered
        (``api_version``), and send it to the instance's cell."""
        assert set(updates) <= API_OWNED_FIELDS | {'system_metadata'}
        row = self.db.instance_update(ctxt, instance.uuid, updates,
                                      bump_api_version=True)
        saved = objects.Instance.from_db(row)
        if saved.cell_name:
            # Not in a cell yet: the cell gets the change when its first
            # update reaches the top (which sees it is behind).
            self.cells_rpcapi.instance_update_from_api(ctxt, saved)
        return saved

    def _delete(self, context: RequestContext, instance: objects.Instance
                ) -> None:
        if not instance.cell_name:
            # Not in a cell yet: tombstone it here (no later update can
            # bring it back) and tell every cell to drop it.  A cell it
            # lands in afterwards is told to delete it by the top when
            # its first update arrives.
            if not self._delete_here(context, instance):
                return
            self.cells_rpcapi.instance_delete_everywhere(context, instance,
                                                         'hard')
            return
        cell_name = instance.cell_name
        instance = instance_changes.instance_update(
            self.db, context, instance, task_state=task_states.DELETING)
        self.cells_rpcapi.run_compute_api_method(
            context, cell_name,
            {'method': 'delete', 'instance_uuid': instance.uuid,
             'method_args': [], 'method_kwargs': {}})

    # -- an administrator's override ------------------------------------

    def reset_state(self, context: RequestContext, instance: objects.Instance,
                    vm_state: str) -> objects.Instance:
        """An administrator's override of an instance's state."""
        updated = instance_changes.instance_update(
            self.db, context, instance, vm_state=vm_state, task_state=None)
        self.cells_rpcapi.instance_update_from_api(context, updated,
                                                   admin_state_reset=True)
        return updated
