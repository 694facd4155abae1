"""nova-cells: the cells service of one cell.

It serves two audiences: the other services of its own cell (through
:mod:`nova.cells.rpcapi`, topic ``[cells] topic``) and the nova-cells
services of neighbour cells (inter-cell messages, see
:mod:`nova.cells.messaging`).  The manager dispatches; routing lives in
``messaging``, what each message does in ``methods``, cell choice in
``scheduler``, neighbour knowledge in ``state`` and the operator calls
(``os-cells``, host views, the tree) in ``admin``.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
import json
import threading
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import notifications
from nova import objects
from nova import rpc
from nova import service
from nova.cells import admin
from nova.cells import admin_methods
from nova.cells import builds
from nova.cells import messaging
from nova.cells import methods
from nova.cells import moves
from nova.cells import rpc_driver
from nova.cells import scheduler as cells_scheduler
from nova.cells import state as cells_state
from nova.cells import sync
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import ImageService
from nova.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)

# Seconds a changed cell waits before reporting, to merge a burst of
# changes into one report.
REPORT_DELAY = 1.0


class CellsManager(service.Manager):
    """The nova-cells endpoint; operator calls are answered by its
    :attr:`admin` endpoint (:class:`nova.cells.admin.CellsAdmin`).

    ``compute_api`` is this cell's compute API
    (:class:`nova.compute.api.API`), which runs the instance actions a
    parent sends; ``transport`` is this cell's broker; ``image_service``
    where an API cell keeps the images its cells' hosts write (default
    its database's registry).
    """

    target = oslo_messaging.Target(version='1.10')

    def __init__(self, conf: cfg.ConfigOpts, host: str, db: Database,
                 transport: oslo_messaging.Transport,
                 compute_api: methods.CellComputeAPI,
                 transports: rpc.TransportCache | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 notifier: notifications.Notifier | None = None,
                 image_service: ImageService | None = None) -> None:
        super().__init__(conf, host)
        self.db = db
        self.notifier = notifier
        self.our_name = conf.cells.name
        self.state = cells_state.CellStateManager(conf, db, clock=clock)
        self.driver = rpc_driver.CellsRPCDriver(
            conf, transport, transports or rpc.TransportCache(conf), host)
        self.msg_runner = messaging.MessageRunner(conf, self.state,
                                                  self.driver, clock=clock)
        self.scheduler = cells_scheduler.CellsScheduler(
            conf, db, self.state, self.msg_runner,
            scheduler_rpcapi.SchedulerAPI(transport))
        self.admin = admin.CellsAdmin(
            conf, db, self.state, self.msg_runner,
            on_neighbours_changed=self.ask_children_to_report)
        # What became of the instance updates applied here, by outcome.
        self.sync_stats: collections.Counter[str] = collections.Counter()
        # The last answer of each cell to each host listing, shown when
        # the cell is mute or silent: (method, arguments) -> path -> items.
        self._last_answers: dict[tuple[str, str],
                                 dict[str, list[Any]]] = {}
        # Actions reach this cell checked by the API cell, which owns the
        # lock; compute_api runs the state rules again, on our own data.
        self.msg_runner.add_handlers(
            messaging.TARGETED,
            methods.TargetedMethods(conf, db, self.state, self, compute_api,
                                    self.sync_stats, self.scheduler),
            admin_methods.AdminTargetedMethods(conf, db, self.report_soon),
            moves.MoveSteps(conf, db, self.state, transport))
        self.msg_runner.add_handlers(
            messaging.BROADCAST,
            methods.BroadcastMethods(conf, db, self.state, self,
                                     compute_api, self.sync_stats,
                                     self.msg_runner, image_service),
            admin_methods.AdminBroadcastMethods(self.admin.describe_for_tree))
        self.state.on_change.append(self._neighbour_changed)
        self._report_lock = threading.Lock()
        self._report_timer: threading.Timer | None = None
        self.healer = sync.Healer(conf, db, self.instances_sync_at_top)
        self.update_batcher = sync.UpdateBatcher(
            conf.cells.instance_update_batch_delay, self._send_updates_up,
            hold=conf.cells.instance_update_batch_hold)
        self.build_timeouts = sync.BuildTimeouts(conf, db)
        self.mover = moves.CellMover(conf, db, self.state, self.msg_runner,
                                     self.scheduler, self._resend_api_fields)
        self.build_keeper = builds.BuildKeeper(
            conf, db, self.state, self.msg_runner, self.scheduler,
            self.scheduler.host_scheduler, compute_api,
            self.instances_sync_at_top)

    def rpc_endpoints(self) -> list[object]:
        return [self, self.admin]

    def init_host(self) -> None:
        self.state.reload()
        self.driver.start_servers(self.msg_runner)
        self.report_to_parents()
        # A parent that (re)starts knows nothing of its children yet.
        self.ask_children_to_report()

    def cleanup_host(self) -> None:
        self.update_batcher.flush()
        with self._report_lock:
            if self._report_timer is not None:
                self._report_timer.cancel()
                self._report_timer = None
        self.driver.stop_servers()
        self.driver.transports.cleanup()

    def periodic_tasks(self) -> list[service.PeriodicTask]:
        cells = self.conf.cells
        return [(self.state.reload, cells.db_check_interval),
                (self.report_to_parents, cells.capacity_update_interval),
                (self.heal_instances, cells.heal_interval),
                (self.build_keeper.run_once, cells.heal_interval / 2),
                (self.keep_moves, cells.heal_interval / 2),
                (self.build_timeouts.run_once, cells.heal_interval)]

    def heal_instances(self) -> int:
        """Re-send recently changed instances to the top (not at the
        top itself, which has nobody to tell)."""
        if self.state.is_top():
            return 0
        return self.healer.run_once()

    def keep_moves(self) -> int:
        """Take up the moves between cells nobody drives (at the top,
        which drives them)."""
        if not self.state.is_top():
            return 0
        return self.mover.run_once()

    def foreign_copy(self, ctxt: RequestContext, cell: str,
                     instance_uuid: str) -> None:
        try:
            self.mover.foreign_copy(ctxt, cell, instance_uuid)
        except Exception:
            LOG.warning('Cannot drop the copy of %s in %s', instance_uuid,
                        cell, exc_info=True)

    def _resend_api_fields(self, ctxt: RequestContext, uuid: str) -> None:
        try:
            instance = objects.Instance.from_db(
                self.db.instance_get_by_uuid(ctxt, uuid))
        except exception.InstanceNotFound:
            return
        self.instance_update_from_api(ctxt, instance)

    def _neighbour_changed(self, cell: cells_state.CellState,
                           what: str) -> None:
        if cell.transport_url:
            self.driver.forget(cell.transport_url)

    def ask_children_to_report(self) -> None:
        """Have every cell below report its capabilities and capacities
        now rather than at its next periodic report."""
        if not self.state.get_child_cells():
            return
        try:
            self.msg_runner.broadcast(nova_context.get_admin_context(),
                                      'announce_capabilities', {}, 'down',
                                      run_locally=False)
        except Exception:
            LOG.warning('Cannot ask the children to report', exc_info=True)

    def report_soon(self) -> None:
        """Report to the parents within a second: our capacity changed.

        Changes in a burst are reported once.
        """
        if not self.state.get_parent_cells():
            return
        with self._report_lock:
            if self._report_timer is not None:
                return
            timer = threading.Timer(REPORT_DELAY, self._report_now)
            timer.daemon = True
            self._report_timer = timer
        timer.start()

    def _report_now(self) -> None:
        with self._report_lock:
            self._report_timer = None
        try:
            # Room changed; what the cell can do did not.
            self.report_to_parents(capabilities=False)
        except Exception:
            LOG.warning('Capacity report failed', exc_info=True)

    def report_to_parents(self, capabilities: bool = True) -> None:
        """Tell every parent our capacities, and our capabilities too
        unless ``capabilities`` is false."""
        parents = self.state.get_parent_cells()
        if not parents:
            return
        ctxt = nova_context.get_admin_context()
        capacities = self.state.get_our_capacities()
        if self.notifier is not None:
            self.notifier.cell_capacity(ctxt, self.our_name, capacities)
        reports = [('update_capacities', {'capacities': capacities})]
        if capabilities:
            reports.insert(0, ('update_capabilities', {
                'capabilities': self.state.get_our_capabilities()}))
        for parent in parents:
            target = cell_paths.path_join(self.our_name, parent.name)
            for method, kwargs in reports:
                try:
                    self.msg_runner.targeted(
                        ctxt, target, method,
                        dict(kwargs, cell_name=self.our_name), 'up')
                except Exception:
                    LOG.warning('Cannot report %s to parent %s', method,
                                parent.name, exc_info=True)

    # -- RPC from the services of this cell -----------------------------

    def build_instances(self, ctxt: RequestContext,
                        build_inst_kwargs: dict[str, Any]) -> None:
        self.scheduler.build_instances(ctxt, build_inst_kwargs)

    def build_instances_failed(self, ctxt: RequestContext,
                               instances: list[objects.Instance],
                               request_spec: dict[str, Any],
                               filter_properties: dict[str, Any],
                               reason: str) -> None:
        """Our host scheduler gave up on a build: record why, forget the
        instances here and let the cell scheduler try another cell."""
        # Their last updates go up first.
        self.update_batcher.flush()
        filter_properties = dict(filter_properties)
        cell_build = filter_properties.pop('cell_build', None)
        retried = []
        for instance in instances:
            try:
                row = self.db.instance_get_by_uuid(ctxt, instance.uuid)
            except exception.InstanceNotFound:
                continue    # deleted meanwhile: nothing left to build
            instance_changes.add_instance_fault(
                self.db, ctxt, instance.uuid, exception.CellBuildFailed(
                    cell=self.our_name, reason=reason))
            if cell_build is None:
                instance_changes.instance_update(self.db, ctxt, instance,
                                                 vm_state=vm_states.ERROR,
                                                 task_state=None)
                continue
            self.db.instance_purge(ctxt, instance.uuid)
            retried.append(objects.Instance.from_db(row))
        if not retried or cell_build is None:
            return
        filter_properties.pop('retry', None)
        kwargs = dict(cell_build, instances=retried,
                      filter_properties=filter_properties)
        self.scheduler.build_failed(ctxt, kwargs, self.our_name, reason)

    def instance_update_at_top(self, ctxt: RequestContext,
                               instance: objects.Instance) -> None:
        self.update_batcher.add(ctxt, instance)
        if instance.obj_attr_is_set('task_state') and \
                instance.task_state is None:
            # A build, resize or delete just settled: room changed.
            self.report_soon()

    def _send_updates_up(self, ctxt: RequestContext,
                         instances: list[objects.Instance],
                         records: list[sync.ActionRecord]) -> None:
        if len(instances) == 1 and not records:
            self.msg_runner.broadcast(ctxt, 'instance_update_at_top',
                                      {'instance': instances[0]}, 'up',
                                      run_locally=False)
        else:
            self.msg_runner.broadcast(ctxt, 'changes_at_top',
                                      {'instances': instances,
                                       'action_records': records}, 'up',
                                      run_locally=False)

    def instances_sync_at_top(self, ctxt: RequestContext,
                              instances: list[objects.Instance],
                              deleted: list[str]) -> None:
        """Send a page of instances up in one message (heal, sync)."""
        self.msg_runner.broadcast(ctxt, 'instances_sync_at_top',
                                  {'instances': instances,
                                   'deleted': deleted}, 'up',
                                  run_locally=False)

    def instance_destroy_at_top(self, ctxt: RequestContext,
                                instance: objects.Instance) -> None:
        self.update_batcher.discard(instance.uuid)
        self.msg_runner.broadcast(ctxt, 'instance_destroy_at_top',
                                  {'instance': instance}, 'up',
                                  run_locally=False)
        self.report_soon()

    def instance_fault_create_at_top(self, ctxt: RequestContext,
                                     instance_fault: dict[str, Any]) -> None:
        self.msg_runner.broadcast(ctxt, 'instance_fault_create_at_top',
                                  {'instance_fault': instance_fault}, 'up',
                                  run_locally=False)

    def instance_update_from_api(self, ctxt: RequestContext,
                                 instance: objects.Instance,
                                 admin_state_reset: bool = False) -> None:
        if not instance.cell_name:
            return      # not in a cell yet: it takes the new values along
        self.msg_runner.targeted(
            ctxt, instance.cell_name, 'instance_update_from_api',
            {'instance': instance, 'admin_state_reset': admin_state_reset})

    def security_groups_refresh(self, ctxt: RequestContext,
                                groups: list[dict[str, Any]],
                                cell_names: list[str] | None) -> None:
        """One targeted message to each cell holding a member; a
        broadcast down for None (a member not placed yet)."""
        if cell_names is None:
            self.msg_runner.broadcast(ctxt, 'security_groups_refresh',
                                      {'groups': groups}, 'down',
                                      run_locally=False)
            return
        for cell_name in cell_names:
            try:
                self.msg_runner.targeted(
                    ctxt, cell_name, 'security_groups_refresh',
                    {'groups': groups}, 'down')
            except Exception:
                # The other cells still get theirs.
                LOG.warning('Cannot send security groups to %s',
                            cell_name, exc_info=True)

    def bw_usage_update_at_top(self, ctxt: RequestContext,
                               bw_usage: dict[str, Any]) -> None:
        self.msg_runner.broadcast(ctxt, 'bw_usage_update_at_top',
                                  {'bw_usage': bw_usage}, 'up',
                                  run_locally=False)

    def run_compute_api_method(self, ctxt: RequestContext, cell_name: str,
                               method_info: dict[str, Any],
                               call: bool = False) -> Any:
        response = self.msg_runner.targeted(
            ctxt, cell_name, 'run_compute_api_method',
            {'method_info': method_info}, 'down', need_response=call)
        return response.value_or_raise() if response is not None else None

    def _up(self, ctxt: RequestContext, method: str, **kwargs: Any) -> None:
        self.msg_runner.broadcast(ctxt, method, kwargs, 'up',
                                  run_locally=False)

    def instance_action_at_top(self, ctxt: RequestContext,
                               action: objects.InstanceAction) -> None:
        self.update_batcher.add_action(ctxt, 'action', action)

    def action_event_at_top(self, ctxt: RequestContext,
                            event: objects.InstanceActionEvent) -> None:
        self.update_batcher.add_action(ctxt, 'event', event)

    def changes_at_top(self, ctxt: RequestContext,
                       instances: list[objects.Instance],
                       action_records: list[dict[str, Any]]) -> None:
        """A batch from a service of this cell (see ``sync.ChangePusher``),
        into the batches going up.  What is not an instance or an action
        record is logged and dropped; the rest goes."""
        for instance in instances:
            if isinstance(instance, objects.Instance):
                self.instance_update_at_top(ctxt, instance)
            else:
                LOG.error('Dropped an instance update that is a %s',
                          type(instance).__name__)
        for record in action_records:
            try:
                self.update_batcher.add_record(ctxt,
                                               sync.checked_record(record))
            except exception.CellMessageInvalid as error:
                LOG.error('Dropped an action record: %s',
                          error.format_message())

    def image_update_at_top(self, ctxt: RequestContext, image_id: str,
                            values: dict[str, Any]) -> None:
        self._up(ctxt, 'image_update_at_top', image_id=image_id,
                 values=values)

    def image_delete_at_top(self, ctxt: RequestContext, image_id: str) -> None:
        self._up(ctxt, 'image_delete_at_top', image_id=image_id)

    def instance_delete_everywhere(self, ctxt: RequestContext,
                                   instance: objects.Instance,
                                   delete_type: str) -> None:
        self.msg_runner.broadcast(ctxt, 'instance_delete_everywhere',
                                  {'instance': instance,
                                   'delete_type': delete_type}, 'down',
                                  run_locally=False)

    # -- moves between cells (1.6) -------------------------------------

    def migrate_to_cell(self, ctxt: RequestContext, instance_uuid: str,
                        target_cell: str | None = None,
                        host: str | None = None) -> dict[str, Any]:
        return self.mover.start(ctxt, instance_uuid, target_cell, host)

    def confirm_cell_move(self, ctxt: RequestContext, instance_uuid: str
                          ) -> None:
        self.mover.confirm(ctxt, instance_uuid)

    def revert_cell_move(self, ctxt: RequestContext, instance_uuid: str
                         ) -> None:
        self.mover.revert(ctxt, instance_uuid)

    # -- the tree, as seen from here ------------------------------------

    def _gather(self, ctxt: RequestContext, method: str,
                kwargs: dict[str, Any], remember: bool = True
                ) -> dict[str, Any]:
        """Every cell's items of ``method``, each with its ``cell_path``.

        Returns ``items``, the cells that gave no answer now
        (``missing``: no answer within ``call_timeout``, or mute and not
        asked) and, of those, the ones whose last answer is shown instead
        (``last_known``; only with ``remember``, for listings of a few
        shapes: each shape's answers are kept).
        """
        result = self.msg_runner.broadcast(ctxt, method, kwargs, 'down',
                                           need_response=True,
                                           skip_mute=True)
        assert result is not None
        key = (method, json.dumps(kwargs, sort_keys=True))
        known = (self._last_answers.setdefault(key, {}) if remember
                 else {})
        items = []
        for response in result:
            if response.failure:
                LOG.warning('%s failed in %s: %s', method,
                            response.cell_name, response.value)
                result.missing.append(response.cell_name)
                continue
            answer = [dict(item, cell_path=response.cell_name)
                      for item in response.value or []]
            known[response.cell_name] = answer
            items += answer
        last_known = []
        for path, answer in sorted(known.items()):
            if any(path == gone or cell_paths.is_below(path, gone)
                   for gone in result.missing):
                items += answer
                last_known.append(path)
        if result.missing:
            LOG.warning('%s: no answer from %s%s', method,
                        ', '.join(result.missing),
                        '; showing the last known answer of %s'
                        % ', '.join(last_known) if last_known else '')
        return {'items': items, 'missing': sorted(result.missing),
                'last_known': last_known}

    def service_get_all(self, ctxt: RequestContext,
                        filters: dict[str, Any] | None = None
                        ) -> dict[str, Any]:
        """Services of every cell, each with its ``cell_path``, and the
        cells that did not answer in time."""
        gathered = self._gather(ctxt, 'service_get_all',
                                {'filters': filters or {}})
        gathered['services'] = gathered.pop('items')
        return gathered

    def compute_node_get_all(self, ctxt: RequestContext) -> dict[str, Any]:
        """Compute nodes of every cell, as :meth:`service_get_all`."""
        gathered = self._gather(ctxt, 'compute_node_get_all', {})
        gathered['compute_nodes'] = gathered.pop('items')
        return gathered

    def migration_get_all(self, ctxt: RequestContext,
                          filters: dict[str, Any] | None = None
                          ) -> dict[str, Any]:
        """Migrations of every cell, as :meth:`service_get_all`; a
        missing cell's are not made up from an earlier answer."""
        gathered = self._gather(ctxt, 'migration_get_all',
                                {'filters': filters or {}}, remember=False)
        gathered['migrations'] = gathered.pop('items')
        return gathered

    def network_get_all(self, ctxt: RequestContext) -> dict[str, Any]:
        gathered = self._gather(ctxt, 'network_get_all', {}, remember=False)
        gathered['networks'] = gathered.pop('items')
        return gathered

    def aggregate_get_all(self, ctxt: RequestContext) -> dict[str, Any]:
        """Aggregates of every cell, as :meth:`migration_get_all`."""
        gathered = self._gather(ctxt, 'aggregate_get_all', {},
                                remember=False)
        gathered['aggregates'] = gathered.pop('items')
        return gathered
