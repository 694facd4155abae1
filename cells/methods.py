"""What each inter-cell message does when it reaches a cell.

Public methods of :class:`TargetedMethods` and :class:`BroadcastMethods`
are the messages a cell accepts; each takes the message first, then the
message's keyword arguments.  Anything else is rejected by the runner.
Their collaborators come in through their constructors; what they ask of
the nova-cells service itself is :class:`CellsService`.
"""

from __future__ import annotations

import collections
import datetime
from typing import Any
from typing import Protocol

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from nova import aggregates
from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import host_views
from nova import objects
from nova.cells import builds
from nova.cells import messaging
from nova.cells import scheduler as cells_scheduler
from nova.cells import state as cells_state
from nova.cells import sync
from nova.cells.messaging import Message
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import ImageService
from nova.image_service import RegistryImages
from nova.ownership import API_OWNED_FIELDS
from nova.ownership import API_OWNED_SYSTEM_METADATA
from nova.ownership import CHILD_OWNED_FIELDS

LOG = logging.getLogger(__name__)

# Compute API methods a parent may run on an instance in this cell: the
# ones that take resolved data (an image's metadata, a flavor), never an
# image or flavor id that only the API cell could look up.
COMPUTE_API_METHODS = frozenset([
    'delete', 'force_delete', 'reboot', 'stop', 'start', 'pause',
    'unpause', 'suspend', 'resume', 'rebuild_from_image',
    'resize_to_flavor', 'migrate_to_host', 'confirm_resize',
    'revert_resize',
    'snapshot_to_image', 'rescue_with_image', 'unrescue',
    'shelve_to_image', 'unshelve_from_image', 'get_console_output',
    'inject_network_info', 'get_diagnostics', 'get_instance_diagnostics',
    'set_password', 'set_admin_password', 'soft_delete',
    'restore_soft_deleted', 'apply_security_groups',
])


def _naive(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes of an object made naive UTC, as the columns hold them."""
    return {k: (timeutils.normalize_time(v)
                if isinstance(v, datetime.datetime) else v)
            for k, v in values.items()}


def _action_record(ctxt: RequestContext, record: dict[str, Any]
                   ) -> tuple[Any, str, dict[str, Any]]:
    """(context, kind, values) of an action record sent up: the context
    of the request that made it, should its action be created here."""
    record = sync.checked_record(record)
    kind, obj = record['kind'], record['record']
    values = _naive(obj.to_dict())
    owner = nova_context.RequestContext(
        user_id=record.get('user_id'), project_id=record.get('project_id'),
        request_id=values.get('request_id') or ctxt.request_id,
        is_admin=True)
    return owner, str(kind), values


class CellsService(Protocol):
    """What the handlers ask of the nova-cells service that runs them
    (:class:`nova.cells.manager.CellsManager`)."""

    def report_soon(self) -> None: ...

    def report_to_parents(self, capabilities: bool = True) -> None: ...

    def instance_update_from_api(self, ctxt: RequestContext,
                                 instance: objects.Instance,
                                 admin_state_reset: bool = False
                                 ) -> None: ...

    def instances_sync_at_top(self, ctxt: RequestContext,
                              instances: list[objects.Instance],
                              deleted: list[str]) -> None: ...

    def foreign_copy(self, ctxt: RequestContext, cell: str,
                     instance_uuid: str) -> None: ...


class CellComputeAPI(Protocol):
    """This cell's compute API (:class:`nova.compute.api.API`): it runs
    the instance actions a parent sends (:data:`COMPUTE_API_METHODS`)."""

    def delete(self, context: RequestContext, instance: objects.Instance
               ) -> None: ...

    def build_request(self, context: RequestContext,
                      instance: objects.Instance) -> dict[str, Any]: ...

    def refresh_security_groups(self, ctxt: RequestContext,
                                groups: list[dict[str, Any]]) -> int: ...


def _refresh_security_groups(compute_api: CellComputeAPI, message: Message,
                             groups: Any) -> None:
    if not (isinstance(groups, list)
            and all(isinstance(g, dict) and 'id' in g for g in groups)):
        raise exception.CellMessageInvalid(
            reason='security_groups_refresh: groups must be a list of '
                   'groups')
    told = compute_api.refresh_security_groups(message.ctxt, groups)
    LOG.debug('Security groups %s refreshed on %d server(s)',
              [g['id'] for g in groups], told)


class _Handlers:
    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 state: cells_state.CellStateManager,
                 service: CellsService,
                 compute_api: CellComputeAPI,
                 sync_stats: collections.Counter[str]) -> None:
        self.conf = conf
        self.db = db
        self.state = state
        self.service = service
        self.compute_api = compute_api
        # What became of the instance updates this cell applied.
        self.sync_stats = sync_stats


class TargetedMethods(_Handlers):
    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 state: cells_state.CellStateManager,
                 service: CellsService, compute_api: CellComputeAPI,
                 sync_stats: collections.Counter[str],
                 scheduler: cells_scheduler.CellsScheduler) -> None:
        super().__init__(conf, db, state, service, compute_api, sync_stats)
        self.scheduler = scheduler

    def build_instances(self, message: Message,
                        build_inst_kwargs: dict[str, Any]) -> None:
        self.scheduler.build_instances(
            message.ctxt, build_inst_kwargs, our_path=message.routing_path)

    def build_instances_failed(self, message: Message,
                               build_inst_kwargs: dict[str, Any],
                               failed_cell: str, reason: str) -> None:
        self.scheduler.build_failed(message.ctxt, build_inst_kwargs,
                                    failed_cell, reason)

    def run_compute_api_method(self, message: Message,
                               method_info: dict[str, Any]) -> Any:
        method = method_info.get('method')
        if method not in COMPUTE_API_METHODS:
            raise exception.CellMessageInvalid(
                reason='compute API method %r is not allowed' % method)
        ctxt = message.ctxt
        db = self.db
        uuid = method_info['instance_uuid']
        instance = objects.Instance.from_db(db.instance_get_by_uuid(ctxt,
                                                                    uuid))
        func = getattr(self.compute_api, method)
        try:
            return func(ctxt, instance, *method_info.get('method_args', []),
                        **method_info.get('method_kwargs', {}))
        except exception.InstanceInvalidState:
            # The parent let the action through on its copy, which lags
            # behind ours (and shows the task state it set): send ours up
            # again, newer, so the parent's copy is right once more.
            LOG.info('%s of %s refused here; resyncing the parent', method,
                     uuid)
            try:
                db.instance_update(nova_context.get_admin_context(), uuid,
                                   {})
            except exception.InstanceNotFound:
                pass
            raise

    def instance_update_from_api(self, message: Message,
                                 instance: objects.Instance,
                                 admin_state_reset: bool = False) -> None:
        """Take the API cell's change of an instance we run."""
        db = self.db
        ctxt = message.ctxt
        if admin_state_reset:
            # An administrator overrides what the instance is; that is a
            # change of ours, numbered and pushed up like any other.
            try:
                db.instance_update(ctxt, instance.uuid,
                                   {'vm_state': instance.vm_state,
                                    'task_state': None})
            except exception.InstanceNotFound:
                pass
        values: dict[str, Any] = {k: getattr(instance, k)
                                  for k in API_OWNED_FIELDS
                                  if instance.obj_attr_is_set(k)}
        if instance.obj_attr_is_set('system_metadata'):
            values['system_metadata'] = {
                key: instance.system_metadata.get(key)
                for key in API_OWNED_SYSTEM_METADATA}
        result = db.instance_apply_from_api(ctxt, instance.uuid, values,
                                            instance.api_version)
        self.sync_stats['from_api_' + result] += 1

    def security_groups_refresh(self, message: Message,
                                groups: list[dict[str, Any]]) -> None:
        """The API cell's new version of groups our servers are in."""
        _refresh_security_groups(self.compute_api, message, groups)

    def ping(self, message: Message, payload: Any = None) -> Any:
        """Answer with what was sent: reachability checks and benchmarks
        of the routing itself."""
        return payload

    def update_capabilities(self, message: Message, cell_name: str,
                            capabilities: dict[str, list[str]]) -> None:
        self.state.update_cell_capabilities(cell_name, capabilities)

    def update_capacities(self, message: Message, cell_name: str,
                          capacities: dict[str, Any]) -> None:
        self.state.update_cell_capacities(cell_name, capacities)
        # Our own totals include this child's: pass the change up.
        self.service.report_soon()


class BroadcastMethods(_Handlers):
    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 state: cells_state.CellStateManager,
                 service: CellsService, compute_api: CellComputeAPI,
                 sync_stats: collections.Counter[str],
                 runner: messaging.MessageRunner,
                 image_service: ImageService | None = None) -> None:
        super().__init__(conf, db, state, service, compute_api, sync_stats)
        self.runner = runner
        # Where the top keeps images (the registry or Glance): what the
        # compute hosts report of their snapshots goes there.
        self.image_service = image_service or RegistryImages(db)

    def _at_the_top(self) -> bool:
        return self.state.is_top()

    def instance_update_at_top(self, message: Message,
                               instance: objects.Instance) -> None:
        if not self._at_the_top():
            return
        self._apply_from_child(message, [instance])

    def instances_sync_at_top(self, message: Message,
                              instances: list[objects.Instance],
                              deleted: list[str]) -> None:
        """A page of instances re-sent by a child's heal or sync."""
        if not self._at_the_top():
            return
        if instances:
            self._apply_from_child(message, instances, resent=True)
        if deleted:
            done = self.db.instances_destroy_from_child(
                message.ctxt, deleted,
                cell_paths.reverse_path(message.routing_path))
            self.sync_stats['destroyed'] += len(done)

    def changes_at_top(self, message: Message,
                       instances: list[objects.Instance],
                       action_records: list[dict[str, Any]]) -> None:
        """A child's batch: instance updates, actions and their events
        (see ``sync.UpdateBatcher``)."""
        if not self._at_the_top():
            return
        good = [i for i in instances if isinstance(i, objects.Instance)]
        if len(good) < len(instances):
            LOG.error('Dropped %d instance update(s) from %s that are no '
                      'instances', len(instances) - len(good),
                      message.routing_path)
        if good:
            self._apply_from_child(message, good)
        records = []
        for record in action_records:
            try:
                records.append(_action_record(message.ctxt, record))
            except exception.CellMessageInvalid as error:
                LOG.error('Dropped an action record from %s: %s',
                          message.routing_path, error.format_message())
        if records:
            self.db.action_records_apply(records)

    def _apply_from_child(self, message: Message,
                          instances: list[objects.Instance],
                          resent: bool = False) -> None:
        cell_name = cell_paths.reverse_path(message.routing_path)
        values_list = []
        for instance in instances:
            values = instance.to_db_values()
            values['cell_name'] = cell_name
            values_list.append(values)
        # On an instance the top knows, only what the child owns changes.
        results = self.db.instances_apply_from_child(
            message.ctxt, values_list, update_fields=CHILD_OWNED_FIELDS,
            resent=resent)
        for instance, (result, api_version) in zip(instances, results,
                                                   strict=True):
            self.sync_stats[result] += 1
            if result == 'deleted' and not instance.deleted:
                self._delete_in_cell(message.ctxt, cell_name, instance)
            elif result == 'foreign':
                # Another cell owns it since a move between cells.
                self.service.foreign_copy(message.ctxt, cell_name,
                                          instance.uuid)
            elif result in ('updated', 'same') and \
                    instance.api_version < api_version:
                # The child missed a change made here (or got it before
                # it had the instance): send it the current one.
                self._resend_api_fields(message.ctxt, instance.uuid)

    def _delete_in_cell(self, ctxt: RequestContext, cell_name: str,
                        instance: objects.Instance) -> None:
        # Deleted here before its cell was known: delete it there too.
        LOG.info('Instance %s was deleted at the top; deleting it in %s',
                 instance.uuid, cell_name)
        self.runner.targeted(
            ctxt, cell_name, 'run_compute_api_method',
            {'method_info': {'method': 'delete',
                             'instance_uuid': instance.uuid,
                             'method_args': [], 'method_kwargs': {}}})

    def _resend_api_fields(self, ctxt: RequestContext, uuid: str) -> None:
        try:
            current = objects.Instance.from_db(
                self.db.instance_get_by_uuid(ctxt, uuid))
        except exception.InstanceNotFound:
            return
        self.sync_stats['api_fields_resent'] += 1
        self.service.instance_update_from_api(ctxt, current)

    def instance_destroy_at_top(self, message: Message,
                                instance: objects.Instance) -> None:
        if not self._at_the_top():
            return
        self.db.instance_destroy_from_child(
            message.ctxt, instance.uuid,
            cell_paths.reverse_path(message.routing_path))

    def instance_fault_create_at_top(self, message: Message,
                                     instance_fault: dict[str, Any]) -> None:
        if not self._at_the_top():
            return
        values = {k: v for k, v in instance_fault.items()
                  if k in ('instance_uuid', 'code', 'message', 'details',
                           'host', 'created_at')}
        if values.get('created_at'):
            values['created_at'] = timeutils.normalize_time(
                timeutils.parse_isotime(values['created_at']))
        self.db.instance_fault_create(message.ctxt, values, once=True)

    # Children now send actions and events in changes_at_top; these two
    # take them from children not upgraded yet, the same way.

    def instance_action_at_top(self, message: Message,
                               action: objects.InstanceAction) -> None:
        self._one_action_record(message, 'action', action)

    def action_event_at_top(self, message: Message,
                            event: objects.InstanceActionEvent) -> None:
        self._one_action_record(message, 'event', event)

    def _one_action_record(self, message: Message, kind: str,
                           record: Any) -> None:
        self.changes_at_top(message, [], [{
            'kind': kind, 'record': record,
            'user_id': message.ctxt.user_id,
            'project_id': message.ctxt.project_id}])

    def image_update_at_top(self, message: Message, image_id: str,
                            values: dict[str, Any]) -> None:
        if not self._at_the_top():
            return
        try:
            # Updates travel independently: a late "saving" must not undo
            # "active".
            self.image_service.update(message.ctxt.elevated(), image_id,
                                      values)
        except exception.ImageNotFound:
            LOG.debug('Image %s is not registered here', image_id)

    def image_delete_at_top(self, message: Message, image_id: str) -> None:
        if not self._at_the_top():
            return
        try:
            self.image_service.delete(message.ctxt.elevated(), image_id)
        except exception.ImageNotFound:
            pass

    def instance_delete_everywhere(self, message: Message,
                                   instance: objects.Instance,
                                   delete_type: str) -> None:
        if self._at_the_top():
            return
        try:
            local = objects.Instance.from_db(
                self.db.instance_get_by_uuid(message.ctxt,
                                             instance.uuid))
        except exception.InstanceNotFound:
            return
        self.compute_api.delete(message.ctxt, local)

    def sync_instances(self, message: Message, project_id: str | None = None,
                       updated_since: str | None = None,
                       deleted: bool = False) -> None:
        if self._at_the_top():
            return
        since = (timeutils.normalize_time(
            timeutils.parse_isotime(updated_since))
            if updated_since else None)
        sync.sync_instances(
            self.db, self.service.instances_sync_at_top,
            self.conf.cells.instance_update_sync_database_limit,
            project_id=project_id, updated_since=since, deleted=deleted)

    def builds_held(self, message: Message, uuids: list[str]
                    ) -> list[str]:
        """Which of the builds ``uuids`` this cell holds; those go up
        again (see nova.cells.builds)."""
        if self._at_the_top():
            return []
        if not (isinstance(uuids, list)
                and all(isinstance(u, str) for u in uuids)):
            raise exception.CellMessageInvalid(
                reason='builds_held: uuids must be a list of strings')
        return builds.held_here(self.db, uuids,
                                self.service.instances_sync_at_top)

    def bw_usage_update_at_top(self, message: Message,
                               bw_usage: dict[str, Any]) -> None:
        if not self._at_the_top():
            return
        usage = dict(bw_usage)
        for key in ('start_period', 'last_refreshed'):
            if usage.get(key):
                usage[key] = timeutils.normalize_time(
                    timeutils.parse_isotime(usage[key]))
        if self.db.bw_usage_update(message.ctxt, **usage,
                                   newer_only=True) is None:
            LOG.debug('Dropped a stale bandwidth reading for %s',
                      usage.get('uuid'))

    def security_groups_refresh(self, message: Message,
                                groups: list[dict[str, Any]]) -> None:
        """Groups with a server not placed when they changed: every cell
        below refreshes the copies it holds."""
        if self._at_the_top():
            return
        _refresh_security_groups(self.compute_api, message, groups)

    def ping(self, message: Message, payload: Any = None) -> Any:
        """Every cell answers with what was sent."""
        return payload

    def announce_capabilities(self, message: Message) -> None:
        self.service.report_to_parents()

    def service_get_all(self, message: Message,
                        filters: dict[str, Any] | None = None
                        ) -> list[dict[str, Any]]:
        binary = (filters or {}).get('binary')
        zones = aggregates.host_zones(self.conf, self.db, message.ctxt)
        return [host_views.describe_service(self.conf, row, zones) for row
                in self.db.service_get_all(message.ctxt, binary=binary)]

    def compute_node_get_all(self, message: Message) -> list[dict[str, Any]]:
        return host_views.describe_compute_nodes(
            self.conf, self.db, message.ctxt)

    def migration_get_all(self, message: Message,
                          filters: dict[str, Any] | None = None
                          ) -> list[dict[str, Any]]:
        return [host_views.describe_migration(row) for row in
                self.db.migration_get_all(message.ctxt, filters or {})]

    def aggregate_get_all(self, message: Message) -> list[dict[str, Any]]:
        return aggregates.CellAggregates(self.conf, self.db).get_all(
            message.ctxt)

    def network_get_all(self, message: Message) -> list[dict[str, Any]]:
        return [host_views.describe_network(row) for row in
                self.db.network_get_all(message.ctxt)]
