"""Client side of the nova-cells RPC API (topic ``[cells] topic``).

The other services of a cell reach their nova-cells through this API: the
API cell to hand over builds and actions, a child cell to push instance
changes toward the top.

API version history:

* 1.0 - Initial version: build_instances, build_instances_failed,
  instance_update_at_top, instance_destroy_at_top,
  instance_fault_create_at_top, run_compute_api_method,
  instance_delete_everywhere, service_get_all, compute_node_get_all,
  instance_update_from_api, sync_instances, bw_usage_update_at_top.
* 1.1 - Operator calls: get_cell_info_for_neighbors, cell_get,
  cell_create, cell_update, cell_delete, get_capacities, service_update,
  compute_node_get, get_cell_tree.
* 1.2 - Server actions: instance_action_at_top, action_event_at_top
  (what the instance's cell did, up); image_update_at_top,
  image_delete_at_top (images a compute host wrote, up to the
  registry).
* 1.3 - changes_at_top: the instance updates, actions and events a
  service of a child cell made, gathered into one cast (see
  :class:`nova.cells.sync.ChangePusher`).
* 1.4 - migration_get_all, network_get_all: the migrations and the
  nova-network networks of the whole tree.
* 1.5 - run_compute_api_method may run soft_delete and
  restore_soft_deleted (``reclaim_instance_interval``).
* 1.6 - Moves between cells (see :mod:`nova.cells.moves`):
  migrate_to_cell, confirm_cell_move, revert_cell_move.
* 1.8 - security_groups_refresh: security groups whose rules changed,
  to the cells holding their servers.
* 1.9 - Host aggregates and availability zones: aggregate_get_all (the
  aggregates of the whole tree), aggregate_call (one aggregate
  operation in the cell holding it), get_zones (the zones the cells
  below report, with their hosts).
* 1.10 - run_compute_api_method: ``unshelve_from_image`` may name the
  ``host`` to unshelve onto (microversion 2.91).
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging
import oslo_messaging

from nova import exception
from nova import objects
from nova import rpc
from nova import service
from nova.context import RequestContext

LOG = logging.getLogger(__name__)

# Compute API methods run_compute_api_method runs from a later version.
_METHOD_VERSIONS = {'soft_delete': '1.5', 'restore_soft_deleted': '1.5'}


class CellsAPI:
    VERSION = '1.10'

    def __init__(self, conf: Any, transport: oslo_messaging.Transport
                 ) -> None:
        target = oslo_messaging.Target(topic=conf.cells.topic,
                                       version='1.0')
        self.client = rpc.get_client(transport, target,
                                     timeout=conf.cells.call_timeout)
        # A call that gathers from the tree answers after at most
        # call_timeout with whatever arrived; wait a little longer.
        self._gather_timeout = conf.cells.call_timeout + 5
        # The nova-cells manager of this process, once deliver_to named
        # it: casts then reach it without the broker.
        self._local: service.Manager | None = None

    def deliver_to(self, manager: service.Manager) -> None:
        """Cast to ``manager``, nova-cells running in this process,
        directly: for the changes nova-cells itself writes to the cell's
        database (the instance a build creates), which went out to the
        broker and straight back in."""
        self._local = manager

    def _cast(self, ctxt: RequestContext, method: str, version: str = '1.0',
              **kwargs: Any) -> None:
        if self._local is not None:
            getattr(self._local, method)(ctxt, **kwargs)
            return
        self.client.prepare(version=version).cast(ctxt, method, **kwargs)

    def build_instances(self, ctxt: RequestContext, **build_inst_kwargs: Any
                        ) -> None:
        """Schedule and build instances somewhere in the tree below."""
        self._cast(ctxt, 'build_instances',
                   build_inst_kwargs=build_inst_kwargs)

    def build_instances_failed(self, ctxt: RequestContext,
                               instances: list[objects.Instance],
                               request_spec: dict[str, Any],
                               filter_properties: dict[str, Any],
                               error: Exception) -> None:
        """The host scheduler of this cell could not build: let the cells
        try elsewhere.  Matches the scheduler's build failure handler."""
        reason = (error.format_message() if hasattr(error, 'format_message')
                  else str(error))
        self._cast(ctxt, 'build_instances_failed', instances=instances,
                   request_spec=request_spec,
                   filter_properties=filter_properties, reason=reason)

    def instance_update_at_top(self, ctxt: RequestContext,
                               instance: objects.Instance) -> None:
        self._cast(ctxt, 'instance_update_at_top', instance=instance)

    def instance_destroy_at_top(self, ctxt: RequestContext,
                                instance: objects.Instance) -> None:
        self._cast(ctxt, 'instance_destroy_at_top', instance=instance)

    def instance_fault_create_at_top(self, ctxt: RequestContext,
                                     instance_fault: dict[str, Any]) -> None:
        fault = {k: v for k, v in instance_fault.items()
                 if k in ('instance_uuid', 'code', 'message', 'details',
                          'host')}
        if instance_fault.get('created_at') is not None:
            # The time it happened, not the time it reached the top: faults
            # travel by several paths and arrive in any order.
            fault['created_at'] = instance_fault['created_at'].isoformat()
        self._cast(ctxt, 'instance_fault_create_at_top',
                   instance_fault=fault)

    def run_compute_api_method(self, ctxt: RequestContext, cell_name: str,
                               method_info: dict[str, Any],
                               call: bool = False) -> Any:
        """Run a compute API method on an instance in its own cell.

        An unshelve naming its host needs 1.10; where the version is
        capped below it, the request is refused (400) rather than sent
        without its host."""
        version = _METHOD_VERSIONS.get(method_info.get('method', ''), '1.0')
        if (method_info.get('method') == 'unshelve_from_image'
                and method_info.get('method_kwargs', {}).get('host')):
            version = '1.10'
            if not self.client.can_send_version(version):
                raise exception.Invalid(
                    reason='Unshelving onto a named host needs every '
                           'nova-cells at RPC version 1.10.')
        cctxt = self.client.prepare(version=version)
        if call:
            return cctxt.call(ctxt, 'run_compute_api_method',
                              cell_name=cell_name, method_info=method_info,
                              call=True)
        cctxt.cast(ctxt, 'run_compute_api_method', cell_name=cell_name,
                   method_info=method_info, call=False)
        return None

    def instance_delete_everywhere(self, ctxt: RequestContext,
                                   instance: objects.Instance,
                                   delete_type: str) -> None:
        self._cast(ctxt, 'instance_delete_everywhere', instance=instance,
                   delete_type=delete_type)

    def service_get_all(self, ctxt: RequestContext,
                        filters: dict[str, Any] | None = None
                        ) -> dict[str, Any]:
        """Services of the whole tree: ``{'services': [...], 'missing':
        [cell paths that did not answer]}``; each service has its
        ``cell_path``."""
        return self.client.prepare(
            version='1.0', timeout=self._gather_timeout).call(
            ctxt, 'service_get_all', filters=filters or {})

    def compute_node_get_all(self, ctxt: RequestContext) -> dict[str, Any]:
        return self.client.prepare(
            version='1.0', timeout=self._gather_timeout).call(
            ctxt, 'compute_node_get_all')

    def migration_get_all(self, ctxt: RequestContext,
                          filters: dict[str, Any] | None = None
                          ) -> dict[str, Any]:
        """Migrations of the whole tree: ``{'migrations': [...],
        'missing': [...]}``; each migration has its ``cell_path``."""
        return self.client.prepare(
            version='1.4', timeout=self._gather_timeout).call(
            ctxt, 'migration_get_all', filters=filters or {})

    def network_get_all(self, ctxt: RequestContext) -> dict[str, Any]:
        """Networks of every cell: ``{'networks': [...], 'missing':
        [...]}``; each network has its ``cell_path``."""
        return self.client.prepare(
            version='1.4', timeout=self._gather_timeout).call(
            ctxt, 'network_get_all')

    def security_groups_refresh(self, ctxt: RequestContext,
                                groups: list[dict[str, Any]],
                                cell_names: list[str] | None) -> None:
        """Send ``groups`` (with their rules) to each of ``cell_names``
        (routing paths), or to every cell below for None; the cells
        holding servers in them have their hosts apply them again."""
        self._cast(ctxt, 'security_groups_refresh', version='1.8',
                   groups=groups, cell_names=cell_names)

    # -- 1.6: moves between cells ---------------------------------------

    def migrate_to_cell(self, ctxt: RequestContext, instance_uuid: str,
                        target_cell: str | None = None,
                        host: str | None = None) -> dict[str, Any]:
        """Move an instance to another cell (``target_cell``, a routing
        path, or the cell scheduler's choice), to ``host`` of it if
        given.  Answers once the move is checked and recorded (the
        migration record); CannotMigrateToCell changes nothing."""
        return self.client.prepare(version='1.6').call(
            ctxt, 'migrate_to_cell', instance_uuid=instance_uuid,
            target_cell=target_cell, host=host)

    def confirm_cell_move(self, ctxt: RequestContext, instance_uuid: str
                          ) -> None:
        self.client.prepare(version='1.6').call(
            ctxt, 'confirm_cell_move', instance_uuid=instance_uuid)

    def revert_cell_move(self, ctxt: RequestContext, instance_uuid: str
                         ) -> None:
        self.client.prepare(version='1.6').call(
            ctxt, 'revert_cell_move', instance_uuid=instance_uuid)

    def instance_update_from_api(self, ctxt: RequestContext,
                                 instance: objects.Instance,
                                 admin_state_reset: bool = False) -> None:
        """Send the API cell's change of an instance down to its cell.

        Without ``admin_state_reset`` only the fields the API owns travel
        (see ``nova.ownership.API_OWNED_FIELDS``); with it, the
        administrator's vm_state also does.
        """
        self._cast(ctxt, 'instance_update_from_api', instance=instance,
                   admin_state_reset=admin_state_reset)

    def sync_instances(self, ctxt: RequestContext,
                       project_id: str | None = None,
                       updated_since: str | None = None, deleted: bool = False
                       ) -> None:
        """Have every cell below re-send its instances to the top."""
        self._cast(ctxt, 'sync_instances', project_id=project_id,
                   updated_since=updated_since, deleted=deleted)

    def bw_usage_update_at_top(self, ctxt: RequestContext,
                               bw_usage: dict[str, Any]) -> None:
        usage = dict(bw_usage)
        for key in ('start_period', 'last_refreshed'):
            if usage.get(key) is not None:
                usage[key] = usage[key].isoformat()
        usage.pop('id', None)
        usage.pop('created_at', None)
        usage.pop('updated_at', None)
        self._cast(ctxt, 'bw_usage_update_at_top', bw_usage=usage)

    def instance_action_at_top(self, ctxt: RequestContext,
                               action: objects.InstanceAction) -> None:
        self._cast(ctxt, 'instance_action_at_top', version='1.2',
                   action=action)

    def action_event_at_top(self, ctxt: RequestContext,
                            event: objects.InstanceActionEvent) -> None:
        self._cast(ctxt, 'action_event_at_top', version='1.2', event=event)

    def changes_at_top(self, ctxt: RequestContext,
                       instances: list[objects.Instance],
                       action_records: list[dict[str, Any]]) -> None:
        """Instance updates and action records (``{'kind': 'action' or
        'event', 'record': the object, 'user_id': ..., 'project_id':
        ...}``) to send up, in one cast."""
        self._cast(ctxt, 'changes_at_top', version='1.3',
                   instances=instances, action_records=action_records)

    def image_update_at_top(self, ctxt: RequestContext, image_id: str,
                            values: dict[str, Any]) -> None:
        self._cast(ctxt, 'image_update_at_top', version='1.2',
                   image_id=image_id, values=values)

    def image_delete_at_top(self, ctxt: RequestContext, image_id: str) -> None:
        self._cast(ctxt, 'image_delete_at_top', version='1.2',
                   image_id=image_id)

    def sync_listener(self, ctxt: RequestContext, kind: str,
                      values: dict[str, Any]) -> None:
        """Database listener of a child cell: push each change up."""
        if kind == 'instance.action':
            self.instance_action_at_top(
                ctxt, objects.InstanceAction.from_dict(values))
        elif kind == 'instance.action_event':
            self.action_event_at_top(
                ctxt, objects.InstanceActionEvent.from_dict(values))
        elif kind == 'instance.update':
            self.instance_update_at_top(ctxt, objects.Instance.from_db(
                values))
        elif kind == 'instance.destroy':
            self.instance_destroy_at_top(ctxt, objects.Instance.from_db(
                values))
        elif kind == 'instance.fault':
            self.instance_fault_create_at_top(ctxt, values)
        elif kind == 'bw_usage.update':
            self.bw_usage_update_at_top(ctxt, values)

    # -- 1.1: operator calls --------------------------------------------

    def _call(self, ctxt: RequestContext, method: str,
              timeout: float | None = None, **kwargs: Any) -> Any:
        cctxt = self.client.prepare(version='1.1', timeout=timeout)
        return cctxt.call(ctxt, method, **kwargs)

    def get_cell_info_for_neighbors(self, ctxt: RequestContext
                                    ) -> list[dict[str, Any]]:
        """The neighbour cells, described without broker passwords."""
        return self._call(ctxt, 'get_cell_info_for_neighbors')

    def cell_get(self, ctxt: RequestContext, cell_name: str) -> dict[str, Any]:
        return self._call(ctxt, 'cell_get', cell_name=cell_name)

    def cell_create(self, ctxt: RequestContext, values: dict[str, Any]
                    ) -> dict[str, Any]:
        """Add a neighbour (``name``, ``is_parent``, broker fields)."""
        return self._call(ctxt, 'cell_create', values=values)

    def cell_update(self, ctxt: RequestContext, cell_name: str,
                    values: dict[str, Any]) -> dict[str, Any]:
        return self._call(ctxt, 'cell_update', cell_name=cell_name,
                          values=values)

    def cell_delete(self, ctxt: RequestContext, cell_name: str) -> int:
        return self._call(ctxt, 'cell_delete', cell_name=cell_name)

    def get_capacities(self, ctxt: RequestContext, cell_name: str | None = None
                       ) -> dict[str, Any]:
        """Our capacities (the subtree), or those of one child."""
        return self._call(ctxt, 'get_capacities', cell_name=cell_name)

    def service_update(self, ctxt: RequestContext, host_name: str, binary: str,
                       params_to_update: dict[str, Any]) -> dict[str, Any]:
        """Change a service in its own cell (``host_name`` is
        ``cell_path@host``)."""
        return self._call(ctxt, 'service_update', host_name=host_name,
                          binary=binary, params_to_update=params_to_update)

    def compute_node_get(self, ctxt: RequestContext, compute_id: str
                         ) -> dict[str, Any]:
        """One compute node (``compute_id`` is ``cell_path@id``)."""
        return self._call(ctxt, 'compute_node_get', compute_id=compute_id)

    def get_cell_tree(self, ctxt: RequestContext, timeout: float | None = None
                      ) -> dict[str, Any]:
        """Every cell from here down; see ``CellsManager.get_cell_tree``."""
        return self._call(ctxt, 'get_cell_tree',
                          timeout=timeout or self._gather_timeout)

    # -- 1.9: host aggregates and zones ---------------------------------

    def aggregate_get_all(self, ctxt: RequestContext) -> dict[str, Any]:
        """The aggregates of every cell: ``{'aggregates': [...],
        'missing': [...]}``; each aggregate has its ``cell_path``."""
        return self.client.prepare(
            version='1.9', timeout=self._gather_timeout).call(
            ctxt, 'aggregate_get_all')

    def aggregate_call(self, ctxt: RequestContext, cell_path: str,
                       operation: str, args: dict[str, Any]) -> Any:
        """Run one aggregate operation (``create``, ``get``, ``update``,
        ``delete``, ``add_host``, ``remove_host``, ``set_metadata``) in
        the cell at ``cell_path``, where the aggregate lives."""
        return self.client.prepare(version='1.9').call(
            ctxt, 'aggregate_call', cell_path=cell_path,
            operation=operation, args=args)

    def get_zones(self, ctxt: RequestContext) -> dict[str, list[str]]:
        """The availability zones the cells below reported, each with
        its enabled compute hosts (``cell_path@host``)."""
        return self.client.prepare(version='1.9').call(ctxt, 'get_zones')
