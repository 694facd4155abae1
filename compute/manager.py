"""nova-compute: runs the instances of one host.

The manager dispatches: builds and deletes are here, power actions live
in :mod:`nova.compute.power`, resizes in :mod:`nova.compute.resize`,
moves between cells in :mod:`nova.compute.cell_moves`,
rebuild, snapshot and shelve in :mod:`nova.compute.imaging`.  Resources
are claimed through :mod:`nova.compute.claims`, addresses come from
nova-network, the hypervisor work is the virt driver's.

Every action runs inside :meth:`ComputeManager.operation`, which records
the action's event (pushed to the API cell with the rest) and turns a
failure into an instance fault and a settled task state.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import threading
from typing import Any

from oslo_log import log as logging
import oslo_messaging
from oslo_utils import timeutils

from nova import aggregates
from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import notifications
from nova import objects
from nova import server_groups
from nova import service
from nova.cells import rpcapi as cells_rpcapi
from nova.compute import cell_moves
from nova.compute import claims
from nova.compute import deferred_delete
from nova.compute import group_policy
from nova.compute import host_actions
from nova.compute import images
from nova.compute import imaging
from nova.compute import instance_actions
from nova.compute import power
from nova.compute import resize
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import ImageService
from nova.image_service import RegistryImages
from nova.network import rpcapi as network_rpcapi
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.virt import driver as virt_driver

LOG = logging.getLogger(__name__)

# The notification (``instance.<action>.*``) of each action's event, as
# Nova names them.
_NOTIFIED_ACTIONS = {
    'compute_reboot_instance': 'reboot',
    'compute_stop_instance': 'power_off',
    'compute_start_instance': 'power_on',
    'compute_pause_instance': 'pause',
    'compute_unpause_instance': 'unpause',
    'compute_suspend_instance': 'suspend',
    'compute_resume_instance': 'resume',
    'compute_rescue_instance': 'rescue',
    'compute_unrescue_instance': 'unrescue',
    'compute_rebuild_instance': 'rebuild',
    'compute_snapshot_instance': 'snapshot',
    'compute_shelve_instance': 'shelve',
    'compute_shelve_offload_instance': 'shelve_offload',
    'compute_unshelve_instance': 'unshelve',
    'compute_prep_resize': 'resize_prep',
    'compute_resize_instance': 'resize',
    'compute_finish_resize': 'resize_finish',
    'compute_confirm_resize': 'resize_confirm',
    'compute_revert_resize': 'resize_revert',
    'compute_finish_revert_resize': 'resize_finish_revert',
    'compute_soft_delete_instance': 'soft_delete',
    'compute_restore_instance': 'restore',
}


class ComputeManager(service.Manager):
    target = oslo_messaging.Target(version='1.7')

    def __init__(self, conf: Any, host: str, db: Database,
                 transport: oslo_messaging.Transport,
                 driver: virt_driver.ComputeDriver | None = None,
                 notifier: notifications.Notifier | None = None,
                 image_service: ImageService | None = None) -> None:
        super().__init__(conf, host)
        self.db = db
        self.notifier = notifier or notifications.Notifier(
            conf, None, 'nova-compute', host)
        self.driver = driver or virt_driver.load_compute_driver(conf, host)
        self.network_rpcapi = network_rpcapi.NetworkAPI(
            transport, timeout=conf.rpc_response_timeout)
        self.scheduler_rpcapi = scheduler_rpcapi.SchedulerAPI(transport)
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(transport)
        self.tracker = claims.ResourceTracker(conf, host, self.driver, db)
        in_child_cell = (conf.cells.enable
                         and conf.cells.cell_type == 'compute')
        self.images = images.ImageRegistryClient(
            image_service or RegistryImages(db),
            cells_rpcapi.CellsAPI(conf, transport) if in_child_cell
            else None)
        self._builds = threading.BoundedSemaphore(
            conf.max_concurrent_builds)
        self.late_check = group_policy.LateCheck(db, host)

    def init_host(self) -> None:
        self.driver.init_host()
        ctxt = nova_context.get_admin_context()
        self._fail_interrupted_builds(ctxt)
        self.tracker.update_available_resource(ctxt)

    def _fail_interrupted_builds(self, ctxt: RequestContext) -> None:
        """Builds this host had taken when it stopped died with it: put
        them in ERROR with a fault (as Nova's ``_init_instance`` does),
        so that no build waits for a host that forgot it."""
        for row in self.db.instance_get_all_by_filters(
                ctxt, {'host': self.host, 'vm_state': vm_states.BUILDING,
                       'deleted': False}):
            instance = objects.Instance.from_db(row)
            LOG.warning('Instance %s was building here when this service '
                        'stopped; setting it to ERROR', instance.uuid)
            try:
                self._cleanup_failed_build(ctxt, instance)
                instance_changes.add_instance_fault(
                    self.db, ctxt, instance.uuid,
                    exception.BuildInterrupted(uuid=instance.uuid,
                                               host=self.host),
                    host=self.host)
                instance_changes.instance_update(
                    self.db, ctxt, instance, vm_state=vm_states.ERROR,
                    task_state=None, expected_vm_state=vm_states.BUILDING)
            except (exception.InstanceNotFound,
                    exception.InstanceInvalidState):
                continue

    def periodic_tasks(self) -> list[service.PeriodicTask]:
        tasks: list[service.PeriodicTask] = [
            (lambda: self.tracker.update_available_resource(
                nova_context.get_admin_context()), 60.0)]
        if self.conf.bandwidth_poll_interval:
            tasks.append((self.poll_bandwidth_usage,
                          float(self.conf.bandwidth_poll_interval)))
        if self.conf.shelved_poll_interval > 0:
            tasks.append((lambda: imaging.offload_shelved(self),
                          float(self.conf.shelved_poll_interval)))
        if self.conf.reclaim_instance_interval > 0:
            tasks.append((
                lambda: deferred_delete.reclaim_queued_deletes(self),
                float(self.conf.reclaim_instance_interval)))
        return tasks

    # -- helpers of the topic modules -----------------------------------

    def update(self, ctxt: RequestContext, instance: objects.Instance,
               **values: Any) -> objects.Instance:
        return instance_changes.instance_update(self.db, ctxt, instance,
                                                **values)

    def refresh(self, ctxt: RequestContext, instance: objects.Instance,
                expected_task_state: Any = ...) -> objects.Instance:
        """The instance as the database holds it now; with
        ``expected_task_state`` (a value or list), InstanceInvalidState
        unless its task state is one of them."""
        fresh = objects.Instance.from_db(
            self.db.instance_get_by_uuid(ctxt, instance.uuid))
        if expected_task_state is not ...:
            allowed = (expected_task_state
                       if isinstance(expected_task_state, (list, tuple))
                       else [expected_task_state])
            if fresh.task_state not in allowed:
                raise exception.InstanceInvalidState(
                    method='continue', instance_uuid=instance.uuid,
                    attr='task_state', state=fresh.task_state)
        return fresh

    @contextlib.contextmanager
    def operation(self, ctxt: RequestContext, instance: objects.Instance,
                  event: str, error_vm_state: str | None = None,
                  on_failure: Callable[[], Any] | None = None,
                  passthrough: tuple[type[Exception], ...] = ()
                  ) -> Iterator[None]:
        """Run one action's work on this host, recording ``event``.

        A failure is handled here, never raised: ``on_failure`` undoes
        what it can, the instance gets a fault, its task state is cleared
        and, with ``error_vm_state``, its vm state set.  An instance
        deleted meanwhile, or whose task state another request changed
        (a delete, say), is left alone.  ``passthrough`` exceptions are
        recorded on the event and raised to the caller, which handles
        them (a resize that does not fit goes elsewhere).
        """
        try:
            with instance_actions.EventReporter(self.db, ctxt, event,
                                                instance.uuid, self.host):
                with self._notifying(ctxt, instance,
                                     _NOTIFIED_ACTIONS.get(event)):
                    yield
        except passthrough:
            raise
        except exception.InstanceNotFound:
            LOG.info('Instance %s was deleted during %s', instance.uuid,
                     event)
        except exception.InstanceInvalidState as error:
            LOG.info('%s of %s stopped: %s', event, instance.uuid, error)
        except Exception as error:
            LOG.warning('%s of %s failed: %s', event, instance.uuid, error,
                        exc_info=not isinstance(
                            error, exception.NovaException))
            self._fail(ctxt, instance, error, error_vm_state, on_failure)

    def _notifying(self, ctxt: RequestContext, instance: objects.Instance,
                   action: str | None) -> Any:
        """``instance.<action>.start`` and ``.end`` or ``.error`` around
        an action's work (nothing when notifications are off)."""
        if action is None or not self.notifier.enabled:
            return contextlib.nullcontext()
        return self.notifier.action(
            ctxt, instance, action,
            refresh=lambda: self.refresh(ctxt, instance))

    def _fail(self, ctxt: RequestContext, instance: objects.Instance,
              error: Exception, error_vm_state: str | None,
              on_failure: Callable[[], Any] | None) -> None:
        try:
            if on_failure is not None:
                on_failure()
        except Exception:
            LOG.warning('Cleanup after a failure on %s failed too',
                        instance.uuid, exc_info=True)
        values: dict[str, Any] = {'task_state': None}
        if error_vm_state is not None:
            values['vm_state'] = error_vm_state
        try:
            instance_changes.add_instance_fault(self.db, ctxt, instance.uuid,
                                                error, host=self.host,
                                                with_traceback=True)
            self.update(ctxt, instance, **values)
        except exception.InstanceNotFound:
            pass

    def poll_bandwidth_usage(self) -> int:
        """Record the traffic of this host's instances; returns how many
        interfaces were recorded."""
        ctxt = nova_context.get_admin_context()
        instances = [objects.Instance.from_db(row) for row in
                     self.db.instance_get_all_by_filters(
                         ctxt, {'host': self.host})]
        now = timeutils.utcnow().replace(tzinfo=None)
        # Audit periods are calendar months, as in Nova's default.
        start = now.replace(day=1, hour=0, minute=0, second=0,
                            microsecond=0)
        counters = self.driver.get_all_bw_counters(instances)
        for usage in counters:
            self.db.bw_usage_update(
                ctxt, usage['uuid'], usage['mac_address'], start,
                usage['bw_in'], usage['bw_out'], usage['bw_in'],
                usage['bw_out'], last_refreshed=now)
        return len(counters)

    # -- build ----------------------------------------------------------

    def build_and_run_instance(self, context: RequestContext,
                               instance: objects.Instance, node: str,
                               request_spec: dict[str, Any],
                               filter_properties: dict[str, Any]) -> None:
        with self._builds:
            try:
                with instance_actions.EventReporter(
                        self.db, context, 'compute__do_build_and_run_instance',
                        instance.uuid, self.host,
                        action=instance_actions.CREATE), \
                        self._notifying(context, instance, 'create'):
                    self._build(context, instance, node, request_spec,
                                filter_properties.get(
                                    server_groups.FILTER_PROPERTY))
            except exception.InstanceNotFound:
                LOG.info('Instance %s was deleted during its build',
                         instance.uuid)
                self._cleanup_failed_build(context, instance)
            except Exception as error:
                self._cleanup_failed_build(context, instance)
                self._reschedule_or_fail(context, instance, request_spec,
                                         filter_properties, error)

    def _build(self, context: RequestContext, instance: objects.Instance,
               node: str, request_spec: dict[str, Any],
               group: dict[str, Any] | None = None) -> None:
        # Deleted while it was being scheduled: this raises
        # InstanceNotFound and nothing is claimed for it.  A member of a
        # server group is taken only if the group's policy allows it
        # here (GroupPolicyViolation reschedules it).
        try:
            with self.late_check.taking(context, instance, group):
                instance = instance_changes.instance_update(
                    self.db, context, instance, host=self.host, node=node,
                    availability_zone=(instance.availability_zone
                                       or aggregates.host_zone(
                                           self.conf, self.db, context,
                                           self.host)),
                    task_state=task_states.NETWORKING,
                    expected_vm_state=vm_states.BUILDING,
                    expected_task_state=[task_states.SCHEDULING, None])
        except exception.InstanceInvalidState:
            # A build sent again (nova.cells.builds) that another host
            # took first, or one that failed meanwhile: not ours.
            LOG.info('Build of %s is no longer waiting for a host; '
                     'dropped here', instance.uuid)
            return
        self.tracker.claim(context, instance, node)
        network_info = self.network_rpcapi.allocate_for_instance(
            context, instance.uuid, self.host)
        instance = instance_changes.instance_update(
            self.db, context, instance, task_state=task_states.SPAWNING,
            network_info=network_info,
            expected_task_state=task_states.NETWORKING)
        image = request_spec.get('image')
        self.driver.spawn(context, instance, node, network_info,
                          objects.ImageMeta.from_dict(image) if image
                          else None)
        self.apply_security_rules(context, instance)
        instance_changes.instance_update(
            self.db, context, instance, vm_state=vm_states.ACTIVE,
            task_state=None, power_state=self.driver.get_power_state(
                instance),
            launched_at=timeutils.utcnow(),
            expected_task_state=task_states.SPAWNING)
        LOG.info('Instance %s is active on %s', instance.uuid, node)

    def _cleanup_failed_build(self, context: RequestContext,
                              instance: objects.Instance) -> None:
        self.tracker.release(context, instance)
        try:
            self.driver.destroy(context, instance)
            self.network_rpcapi.deallocate_for_instance(context, instance.uuid)
        except Exception:
            LOG.warning('Cleanup of the failed build of %s failed',
                        instance.uuid, exc_info=True)

    def _reschedule_or_fail(self, context: RequestContext,
                            instance: objects.Instance,
                            request_spec: dict[str, Any],
                            filter_properties: dict[str, Any], error: Exception
                            ) -> None:
        """Hand a failed build back to the scheduler, which tries another
        host or, past ``[filter_scheduler] max_attempts``, gives up."""
        retry = filter_properties.setdefault('retry', {'num_attempts': 1,
                                                       'hosts': []})
        retry['hosts'].append(self.host)
        retry['exc_reason'] = (error.format_message()
                               if isinstance(error, exception.NovaException)
                               else str(error))[:200]
        LOG.warning('Build of %s failed on %s: %s', instance.uuid,
                    self.host, error)
        try:
            instance = instance_changes.instance_update(
                self.db, context, instance, host=None, node=None,
                task_state=task_states.SCHEDULING)
        except exception.InstanceNotFound:
            return
        except Exception:
            # The scheduler is asked all the same: a build is never left
            # waiting for a timeout because one write failed.
            LOG.exception('Cannot mark %s for rescheduling', instance.uuid)
        self.scheduler_rpcapi.build_instances(context, [instance],
                                              request_spec, filter_properties)

    # -- delete ---------------------------------------------------------

    def terminate_instance(self, context: RequestContext,
                           instance: objects.Instance) -> None:
        deleted = None
        with instance_actions.EventReporter(
                self.db, context, 'compute_terminate_instance',
                instance.uuid, self.host, action=instance_actions.DELETE):
            self.notifier.instance_action(context, instance, 'delete',
                                          'start')
            self.driver.destroy(context, instance)
            self.network_rpcapi.deallocate_for_instance(context, instance.uuid)
            self.tracker.release(context, instance)
            try:
                deleted = self.db.instance_destroy(context, instance.uuid)
            except exception.InstanceNotFound:
                pass
        if deleted is not None:
            self.notifier.instance_deleted(context, deleted)
        LOG.info('Instance %s deleted', instance.uuid)

    # -- actions (RPC API 1.1) ------------------------------------------

    def reboot_instance(self, context: RequestContext,
                        instance: objects.Instance, reboot_type: str) -> None:
        power.reboot(self, context, instance, reboot_type)

    def stop_instance(self, context: RequestContext,
                      instance: objects.Instance) -> None:
        power.stop(self, context, instance)

    def start_instance(self, context: RequestContext,
                       instance: objects.Instance) -> None:
        power.start(self, context, instance)

    def pause_instance(self, context: RequestContext,
                       instance: objects.Instance) -> None:
        power.pause(self, context, instance)

    def unpause_instance(self, context: RequestContext,
                         instance: objects.Instance) -> None:
        power.unpause(self, context, instance)

    def suspend_instance(self, context: RequestContext,
                         instance: objects.Instance) -> None:
        power.suspend(self, context, instance)

    def resume_instance(self, context: RequestContext,
                        instance: objects.Instance) -> None:
        power.resume(self, context, instance)

    def rescue_instance(self, context: RequestContext,
                        instance: objects.Instance, rescue_password: str,
                        rescue_image: objects.ImageMeta | None) -> None:
        power.rescue(self, context, instance, rescue_password, rescue_image)

    def set_admin_password(self, context: RequestContext,
                           instance: objects.Instance, password: str) -> None:
        power.set_admin_password(self, context, instance, password)

    def unrescue_instance(self, context: RequestContext,
                          instance: objects.Instance) -> None:
        power.unrescue(self, context, instance)

    def get_console_output(self, context: RequestContext,
                           instance: objects.Instance, tail_length: int | None
                           ) -> str:
        return power.console_output(self, context, instance, tail_length)

    def rebuild_instance(self, context: RequestContext,
                         instance: objects.Instance, image: objects.ImageMeta,
                         admin_password: str | None) -> None:
        imaging.rebuild(self, context, instance, image, admin_password)

    def snapshot_instance(self, context: RequestContext,
                          instance: objects.Instance, image_id: str) -> None:
        imaging.snapshot(self, context, instance, image_id)

    def shelve_instance(self, context: RequestContext,
                        instance: objects.Instance, image_id: str) -> None:
        imaging.shelve(self, context, instance, image_id)

    def shelve_offload_instance(self, context: RequestContext,
                                instance: objects.Instance) -> None:
        imaging.shelve_offload(self, context, instance)

    def unshelve_instance(self, context: RequestContext,
                          instance: objects.Instance,
                          image: objects.ImageMeta | None, node: str | None,
                          filter_properties: dict[str, Any] | None) -> None:
        imaging.unshelve(self, context, instance, image, node)

    def prep_resize(self, context: RequestContext, instance: objects.Instance,
                    flavor: objects.Flavor, node: str,
                    filter_properties: dict[str, Any]) -> None:
        resize.prep_resize(self, context, instance, flavor, node,
                           filter_properties)

    def resize_instance(self, context: RequestContext,
                        instance: objects.Instance, migration_id: int) -> None:
        resize.resize_instance(self, context, instance, migration_id)

    def finish_resize(self, context: RequestContext,
                      instance: objects.Instance, migration_id: int) -> None:
        resize.finish_resize(self, context, instance, migration_id)

    def confirm_resize(self, context: RequestContext,
                       instance: objects.Instance, migration_id: int) -> None:
        resize.confirm_resize(self, context, instance, migration_id)

    def revert_resize(self, context: RequestContext,
                      instance: objects.Instance, migration_id: int) -> None:
        resize.revert_resize(self, context, instance, migration_id)

    def finish_revert_resize(self, context: RequestContext,
                             instance: objects.Instance, migration_id: int
                             ) -> None:
        resize.finish_revert_resize(self, context, instance, migration_id)

    def inject_network_info(self, context: RequestContext,
                            instance: objects.Instance) -> None:
        host_actions.inject_network_info(self, context, instance)

    def get_diagnostics(self, context: RequestContext,
                        instance: objects.Instance) -> dict[str, Any]:
        return host_actions.diagnostics(self, context, instance)

    def get_instance_diagnostics(self, context: RequestContext,
                                 instance: objects.Instance
                                 ) -> dict[str, Any]:
        return host_actions.diagnostics(self, context, instance,
                                        standard=True)

    # -- soft delete (RPC API 1.3) --------------------------------------

    def soft_delete_instance(self, context: RequestContext,
                             instance: objects.Instance) -> None:
        deferred_delete.soft_delete(self, context, instance)

    def restore_instance(self, context: RequestContext,
                         instance: objects.Instance) -> None:
        deferred_delete.restore(self, context, instance)

    # -- security groups (RPC API 1.6) ----------------------------------

    def refresh_instance_security_rules(self, context: RequestContext,
                                        instance: objects.Instance) -> None:
        self.apply_security_rules(context, instance)

    def apply_security_rules(self, context: RequestContext,
                              instance: objects.Instance) -> None:
        """Give the hypervisor the rules of the instance's groups, as
        this cell's copies of them hold them."""
        rules = [dict({k: rule[k] for k in
                       ('protocol', 'from_port', 'to_port', 'cidr',
                        'group_id')}, security_group=group['name'])
                 for group in self.db.instance_security_groups(
                     context, instance.uuid)
                 for rule in group['rules']]
        self.driver.refresh_instance_security_rules(instance, rules)

    # -- moves between cells (RPC API 1.4) ------------------------------

    def move_out_of_cell(self, context: RequestContext,
                         instance: objects.Instance, dest_cell: str,
                         action: str) -> None:
        cell_moves.move_out_of_cell(self, context, instance, dest_cell,
                                    action)

    def move_into_cell(self, context: RequestContext,
                       instance: objects.Instance, node: str, action: str
                       ) -> None:
        cell_moves.move_into_cell(self, context, instance, node, action)

    def drop_moved_instance(self, context: RequestContext,
                            instance: objects.Instance, action: str) -> None:
        cell_moves.drop_moved_instance(self, context, instance, action)

    def move_back_in_cell(self, context: RequestContext,
                          instance: objects.Instance, action: str) -> None:
        cell_moves.move_back_in_cell(self, context, instance, action)
