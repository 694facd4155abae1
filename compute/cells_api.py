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
import oslo_messaging

from nova import cell_paths
from nova import exception
from nova import instance_changes
from nova import notifications
from nova import objects
from nova import server_groups
from nova.cells import rpcapi as cells_rpcapi
from nova.compute import aggregate_api
from nova.compute import api as compute_api
from nova.compute import cells_admin
from nova.compute import checks
from nova.compute import host_api
from nova.compute import instance_actions as actions
from nova.compute import task_states
from nova.compute import vm_states
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
        self.aggregate_api = aggregate_api.CellsAggregateAPI(
            conf, self.cells_rpcapi, self.host_api, db)

    def _placement(self, context: RequestContext, zone: str | None,
                   forced_host: str | None) -> dict[str, Any]:
        """Check the zone and host against what the cells report
        (:meth:`nova.cells.rpcapi.CellsAPI.get_zones`); a named host
        (``cell_path@host``, or a name one cell has) also names its cell
        (``force_cell``) for the cell scheduler.  A build that names
        neither costs no call."""
        if not zone and not forced_host:
            return {}
        zones = self.cells_rpcapi.get_zones(context.elevated())
        if forced_host:
            hosts = {h for named in zones.values() for h in named}
            path, bare = cell_paths.split_cell_and_item(forced_host)
            if bare is None:
                bare = forced_host
                paths = sorted({cell_paths.split_cell_and_item(h)[0]
                                for h in hosts
                                if cell_paths.split_cell_and_item(h)[1]
                                == forced_host})
                if len(paths) > 1:
                    raise exception.InvalidInput(
                        reason='host %s is in cells %s: name it as '
                               'cell_path@host' % (forced_host,
                                                   ', '.join(paths)))
                path = paths[0] if paths else ''
            if cell_paths.cell_with_item(path, bare) not in hosts:
                raise exception.ComputeHostNotFound(host=forced_host)
            return {'force_hosts': [bare], 'force_cell': path}
        if zone and zone not in zones:
            raise exception.AvailabilityZoneNotAvailable()
        return {}

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
        if instance.cell_name and self._cell_move(context, instance):
            # It waits in VERIFY_RESIZE in another cell too: that copy
            # goes as a revert would drop it; the source's is deleted.
            try:
                self.cells_rpcapi.revert_cell_move(context, instance.uuid)
            except exception.NovaException as error:
                LOG.warning('Cannot drop the moved copy of %s: %s',
                            instance.uuid, error.format_message())
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

    def _rules_changed(self, ctxt: RequestContext, group_ids: list[int]
                       ) -> None:
        """Send the groups to every cell holding one of their servers:
        one targeted message per cell, or one broadcast down when a
        server is in no cell yet (its cell may have taken the build
        already; see nova.compute.api_secgroups)."""
        cells, unplaced = self.db.security_group_member_cells(ctxt,
                                                              group_ids)
        if not cells and not unplaced:
            return
        groups = []
        for group_id in group_ids:
            try:
                groups.append(self.db.security_group_get(ctxt, group_id))
            except exception.SecurityGroupNotFound:
                continue
        if groups:
            self.cells_rpcapi.security_groups_refresh(
                ctxt, groups, None if unplaced else cells)

    # -- migrations -----------------------------------------------------

    def migrate(self, ctxt: RequestContext, instance: objects.Instance,
                host: str | None = None) -> None:
        """Cold migration.  ``host`` names a host of the instance's cell
        (``host1``, or cell-qualified as os-hosts shows it,
        ``api!cell1@host1``), another cell (its path, ``api!cell2``) or a
        host of another cell (``api!cell2@host3``): the last two move the
        instance between cells (:mod:`nova.cells.moves`).  The path of
        its own cell names any other host of it.
        ComputeHostNotFound for a host the tree does not have,
        CannotMigrateToSameHost for its own, CannotMigrateToCell for a
        cell it cannot go to."""
        self.check_migrate(ctxt, instance)
        self._check_cell(instance)
        if host is None:
            self.migrate_to_host(ctxt, instance, None)
            return
        cell, name = self._migration_destination(ctxt, instance, host)
        if cell_paths.same_cell(cell, instance.cell_name):
            if name == instance.host:
                raise exception.CannotMigrateToSameHost()
            self.migrate_to_host(ctxt, instance, name)
            return
        self.migrate_to_cell(ctxt, instance, cell, name)

    def _migration_destination(self, ctxt: RequestContext,
                               instance: objects.Instance, host: str
                               ) -> tuple[str, str | None]:
        """(cell path, host name or None) that ``host`` names, the host
        checked against the tree's compute services."""
        cell, name = cell_paths.split_cell_and_item(host)
        if name is None:
            if cell_paths.PATH_CELL_SEP in host:
                return host, None       # a cell: any of its hosts
            cell, name = instance.cell_name or '', host
        for service in self.host_api.service_get_all(
                ctxt, binary='nova-compute'):
            path, found = cell_paths.split_cell_and_item(service['host'])
            if found == name and cell_paths.same_cell(path, cell):
                return path, name
        raise exception.ComputeHostNotFound(host=host)

    def migrate_to_cell(self, ctxt: RequestContext,
                        instance: objects.Instance,
                        cell_path: str | None = None,
                        host: str | None = None) -> dict[str, Any]:
        """Move the instance to the cell at ``cell_path`` (the cell
        scheduler's choice when None), to ``host`` of it if given;
        returns the migration record."""
        self.check_migrate(ctxt, instance)
        self._check_cell(instance)
        return self._ask_cells(self.cells_rpcapi.migrate_to_cell, ctxt,
                               instance.uuid, cell_path, host)

    @staticmethod
    def _ask_cells(call: Callable[..., Any], *args: Any) -> Any:
        """A call to this cell's nova-cells that must be answered (the
        moves between cells): ServiceUnavailable when it is not."""
        try:
            return call(*args)
        except oslo_messaging.MessagingTimeout:
            raise exception.ServiceUnavailable(
                reason='nova-cells did not answer in time') from None

    def _cell_move(self, ctxt: RequestContext, instance: objects.Instance
                   ) -> dict[str, Any] | None:
        """The move between cells waiting for its confirm, if any."""
        try:
            migration = self.db.migration_get_by_instance_and_status(
                ctxt, instance.uuid, 'finished')
        except exception.MigrationNotFoundByStatus:
            return None
        return migration if migration.get('dest_cell') else None

    def confirm_resize(self, ctxt: RequestContext, instance: objects.Instance
                       ) -> None:
        if self._cell_move(ctxt, instance) is None:
            super().confirm_resize(ctxt, instance)
            return
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'confirm_resize',
                                    vm_state=[vm_states.RESIZED])
        self._record_action(ctxt, instance, actions.CONFIRM_RESIZE)
        self._ask_cells(self.cells_rpcapi.confirm_cell_move, ctxt,
                        instance.uuid)

    def revert_resize(self, ctxt: RequestContext, instance: objects.Instance
                      ) -> None:
        if self._cell_move(ctxt, instance) is None:
            super().revert_resize(ctxt, instance)
            return
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'revert_resize',
                                    vm_state=[vm_states.RESIZED])
        instance_changes.instance_update(
            self.db, ctxt, instance, task_state=task_states.RESIZE_REVERTING,
            expected_task_state=[None])
        self._record_action(ctxt, instance, actions.REVERT_RESIZE)
        self._ask_cells(self.cells_rpcapi.revert_cell_move, ctxt,
                        instance.uuid)

    # -- an administrator's override ------------------------------------

    def reset_state(self, context: RequestContext, instance: objects.Instance,
                    vm_state: str) -> objects.Instance:
        """An administrator's override of an instance's state."""
        updated = instance_changes.instance_update(
            self.db, context, instance, vm_state=vm_state, task_state=None)
        self.cells_rpcapi.instance_update_from_api(context, updated,
                                                   admin_state_reset=True)
        return updated
