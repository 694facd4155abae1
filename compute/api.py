"""The compute API: what nova-api (and nova-cells in a child) calls.

:class:`API` serves a cell that runs its own instances: it writes the
cell's database and casts to the host scheduler and compute hosts.  The API
cell of a cells deployment uses :class:`nova.compute.cells_api.
ComputeCellsAPI`, which keeps the same surface but hands the work to
nova-cells.

The methods are grouped by topic: reads, builds, deletes and the fields
the API owns live here; server actions in :mod:`nova.compute.api_actions`;
images, key pairs and flavors in :mod:`nova.compute.api_global`.

Every action follows the same steps, whichever cell runs them: check
(:mod:`nova.compute.checks`), then :meth:`API._act`, which saves the new
task state, records the instance action and *delivers* the work: here, a
cast to the compute host; in the API cell, a message to the instance's
cell, whose nova-cells runs the same method against its own data.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import orjson
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova import exception
from nova import instance_changes
from nova import notifications
from nova import objects
from nova import ownership
from nova import server_groups
from nova.compute import aggregate_api
from nova.compute import api_actions
from nova.compute import api_admin
from nova.compute import api_global
from nova.compute import api_groups
from nova.compute import api_migrate
from nova.compute import api_secgroups
from nova.compute import checks
from nova.compute import host_api
from nova.compute import images
from nova.compute import instance_actions
from nova.compute import power_state
from nova.compute import quotas
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import BootImages
from nova.image_service import ImageService
from nova.image_service import RegistryImages
from nova.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)

MAX_COUNT = 100

# Fields ``update_instance`` may change (the API cell owns them).
UPDATABLE_FIELDS = ('display_name', 'display_description', 'access_ip_v4',
                    'access_ip_v6', 'auto_disk_config', 'hostname')
# Tags: how many a server may have, and the vm states they may change in.
MAX_TAGS = 50
_TAG_VM_STATES = [vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED,
                  vm_states.STOPPED, vm_states.SHELVED,
                  vm_states.SHELVED_OFFLOADED]
# Soft delete: what deletes for good instead, and the tasks of a delete.
_NO_SOFT_DELETE_FROM = (vm_states.SOFT_DELETED, vm_states.RESIZED,
                        vm_states.BUILDING)
_DELETING = (task_states.DELETING, task_states.SOFT_DELETING)
# The vm states in which metadata may change.
_METADATA_VM_STATES = [vm_states.ACTIVE, vm_states.PAUSED,
                       vm_states.SUSPENDED, vm_states.STOPPED]


def scheduler_hints_of(instance: objects.Instance) -> dict[str, Any]:
    """The scheduler hints the instance's create named ({} for none, or
    for an instance from before they were kept)."""
    text = (instance.scheduler_hints
            if instance.obj_attr_is_set('scheduler_hints') else None)
    return orjson.loads(text) if text else {}


def _image_cache_ttl(conf: Any) -> float:
    """``[glance] image_cache_ttl``; 0 (no reuse) where a test's conf
    has no [glance] group."""
    try:
        return float(conf.glance.image_cache_ttl)
    except (AttributeError, cfg.NoSuchOptError):
        return 0.0


def _reservation_id() -> str:
    return 'r-' + uuidutils.generate_uuid()[:8]


class API(api_actions.ServerActionsMixin, api_migrate.MigrateMixin,
          api_global.GlobalDataMixin, api_admin.AdminActionsMixin,
          api_secgroups.SecurityGroupsMixin, api_groups.ServerGroupsMixin):
    """Compute API of a cell that owns its instances.

    ``enforce_locks``: refuse actions on locked instances to non-admins.
    A child cell's nova-cells runs actions its parent has checked already,
    the parent owning the lock, so it turns this off.
    """

    def __init__(self, conf: Any, db: Database, transport: Any,
                 enforce_locks: bool = True,
                 notifier: notifications.Notifier | None = None,
                 image_service: ImageService | None = None) -> None:
        self.conf = conf
        self.db = db
        # Where images live: the API cell's registry unless given Glance.
        self.image_service = image_service or RegistryImages(db)
        # Boots check their image against a copy kept a few seconds.
        self.boot_images = BootImages(self.image_service,
                                      _image_cache_ttl(conf))
        self.transport = transport
        self.notifier = notifier or notifications.Notifier(
            conf, None, 'nova-api', conf.host)
        self.enforce_locks = enforce_locks
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(
            transport, timeout=conf.rpc_response_timeout)
        self.scheduler_rpcapi = scheduler_rpcapi.SchedulerAPI(transport)
        self.quotas = quotas.QuotaEngine(conf, db)
        # Operator views of services, hypervisors and zones; the API cell
        # replaces it with one that asks the whole tree.
        self.host_api: host_api.Hosts = host_api.HostAPI(conf, db)
        # Host aggregates: this cell's (the API cell asks the tree).
        self.aggregate_api: Any = aggregate_api.AggregateAPI(conf, db)
        # os-cells: only an API cell of a cells deployment has one.
        self.cells_admin: Any = None

    # -- reads ----------------------------------------------------------

    def get(self, context: RequestContext, instance_uuid: str
            ) -> objects.Instance:
        row = self.db.instance_get_by_uuid(context, instance_uuid)
        faults = self.db.instance_faults_get(context, [instance_uuid])
        latest = faults[instance_uuid][0] if faults[instance_uuid] else None
        return objects.Instance.from_db(row, fault=latest)

    def get_all_rows(self, context: RequestContext,
                     search_opts: dict[str, Any] | None = None,
                     limit: int | None = None, marker: str | None = None,
                     columns: Iterable[str] | None = None,
                     expected_attrs: Iterable[str] | None = None
                     ) -> list[dict[str, Any]]:
        """The instances matching ``search_opts``, newest first as Nova
        lists servers, as plain dicts rather than objects (a listing of a
        thousand servers spends most of its time building objects
        otherwise): the columns named (default all), the side tables in
        ``expected_attrs`` (default all), ``flavor`` as a dict and
        ``fault`` (the latest, for instances in ERROR) or None.  The
        instance's timestamps are ISO 8601 text (``iso_timestamps`` of
        the database's listing)."""
        filters = self._db_filters(context, search_opts or {})
        if filters is None:
            return []
        if columns is not None:
            columns = {'vm_state', 'flavor', *columns}
        rows = self.db.instance_get_all_by_filters(
            context, filters, limit=limit, marker=marker, columns=columns,
            expected_attrs=expected_attrs, sort_dir='desc',
            iso_timestamps=True)
        errored = [r['uuid'] for r in rows if r['vm_state'] == vm_states.ERROR]
        faults = (self.db.instance_faults_get(context, errored)
                  if errored else {})
        for row in rows:
            row['fault'] = next(iter(faults.get(row['uuid']) or ()), None)
            if isinstance(row.get('flavor'), str):
                row['flavor'] = orjson.loads(row['flavor'])
        return rows

    def get_revisions(self, context: RequestContext,
                      search_opts: dict[str, Any] | None = None,
                      limit: int | None = None, marker: str | None = None
                      ) -> list[tuple[str, int]]:
        """The uuid and revision of each instance :meth:`get_all_rows`
        would return, in its order: what a caller keeping rendered views
        reads to know which of them are still current."""
        filters = self._db_filters(context, search_opts or {})
        if filters is None:
            return []
        return self.db.instance_revisions(context, filters, limit=limit,
                                          marker=marker)

    def _db_filters(self, context: RequestContext, search_opts: dict[str, Any]
                    ) -> dict[str, Any] | None:
        """Database filters for the API's search options; None when no
        instance can match."""
        filters = dict(search_opts)
        if 'changes-since' in filters:
            filters['changes_since'] = filters.pop('changes-since')
        if 'changes-before' in filters:
            filters['changes_before'] = filters.pop('changes-before')
        if 'image' in filters:
            filters['image_ref'] = filters.pop('image')
        if 'flavor' in filters:
            try:
                flavor = self.flavor_get(context, filters.pop('flavor'))
            except exception.FlavorNotFound:
                return None
            filters['instance_type_id'] = flavor.id
        return filters

    def get_instance_actions(self, ctxt: RequestContext, instance_uuid: str
                             ) -> list[dict[str, Any]]:
        """The actions asked of an instance, newest first."""
        return self.db.actions_get(ctxt, instance_uuid)

    def get_instance_action(self, ctxt: RequestContext, instance_uuid: str,
                            request_id: str) -> dict[str, Any]:
        """One action with its ``events`` (newest first), or
        InstanceActionNotFound."""
        action = self.db.action_get_by_request_id(ctxt, instance_uuid,
                                                  request_id)
        return dict(action, events=self.db.action_events_get(
            ctxt, action['id']))

    # -- create ---------------------------------------------------------

    def create(self, context: RequestContext, flavor: objects.Flavor,
               image_href: str, display_name: str, *, min_count: int = 1,
               max_count: int = 1, key_name: str | None = None,
               metadata: dict[str, str] | None = None,
               user_data: str | None = None,
               availability_zone: str | None = None,
               scheduler_hints: dict[str, Any] | None = None,
               access_ip_v4: str | None = None,
               access_ip_v6: str | None = None,
               auto_disk_config: bool | None = None,
               security_groups: list[str] | None = None,
               description: str | None = None,
               tags: list[str] | None = None,
               forced_host: str | None = None,
               hostname: str | None = None,
               injected_files: list[tuple[str, bytes]] | None = None
               ) -> tuple[list[objects.Instance], str]:
        """Record the instances, then have them scheduled and built.

        ``auto_disk_config`` None: as the image's ``auto_disk_config``
        property says (MANUAL without one).  ``hostname`` (2.90): the
        server's own, rather than one made from its name.
        ``injected_files`` (personality, before 2.57): (path, contents)
        pairs, checked against the injection quotas and not injected
        (no config drive or file injection here, as in a Nova without
        them).

        Raises FlavorNotFound (disabled flavor), ImageNotFound,
        ImageNotActive, FlavorMemoryTooSmall, FlavorDiskTooSmall,
        AutoDiskConfigDisabledByImage, KeypairNotFound,
        SecurityGroupNotFoundForProject, InstanceGroupNotFound (the
        ``group`` hint), InvalidInput, MetadataLimitExceeded,
        ServerGroupQuotaExceeded, AvailabilityZoneNotAvailable (no host
        in ``availability_zone``) or ComputeHostNotFound
        (``forced_host``, an administrator's ``zone:host``), before
        anything is written.
        """
        if flavor.disabled:
            raise exception.FlavorNotFound(flavor_id=flavor.flavorid)
        if not 1 <= min_count <= max_count <= MAX_COUNT:
            raise exception.InvalidInput(
                reason='min_count and max_count must satisfy 1 <= min_count'
                       ' <= max_count <= %d' % MAX_COUNT)
        self.quotas.check_metadata(context, context.project_id,
                                   len(metadata or {}))
        self.quotas.check_injected_files(context, context.project_id,
                                         injected_files or [])
        groups = self._requested_security_groups(context,
                                                 security_groups or [])
        placement = self._placement(context, availability_zone, forced_host)
        image = self._bootable_image(context, image_href, flavor)
        auto_disk_config = images.auto_disk_config(image, auto_disk_config)
        key_data = (self.db.key_pair_get(context, context.user_id,
                                         key_name)['public_key']
                    if key_name else None)
        group = self._requested_group(context, scheduler_hints)
        reservation_id = _reservation_id()
        # Kept with each instance: shown from 2.100, sent again with a
        # build whose request was lost.
        kept_hints = (orjson.dumps(scheduler_hints).decode()
                      if scheduler_hints else None)

        def values_for(index: int, count: int) -> dict[str, Any]:
            name = (display_name if count == 1
                    else '%s-%d' % (display_name, index + 1))
            return self._instance_values(
                context, flavor, image, name, key_name=key_name,
                key_data=key_data, metadata=metadata, user_data=user_data,
                availability_zone=availability_zone,
                access_ip_v4=access_ip_v4, access_ip_v6=access_ip_v6,
                auto_disk_config=auto_disk_config, launch_index=index,
                reservation_id=reservation_id,
                display_description=description, tags=list(tags or []),
                security_group_ids=[g['id'] for g in groups],
                group=group, scheduler_hints=kept_hints,
                **({'hostname': hostname} if hostname else {}))

        instances = [objects.Instance.from_db(row) for row in
                     self.quotas.create_boot(context, context.project_id,
                                             flavor, min_count, max_count,
                                             values_for,
                                             user_id=context.user_id,
                                             group=group,
                                             action=self._action_values(
                                                 context,
                                                 instance_actions.CREATE))]
        request_spec = {
            'image': images.image_spec(image),
            'instance_type': flavor,
            'num_instances': len(instances),
            'instance_uuids': [i.uuid for i in instances],
            'availability_zone': availability_zone,
            # The cell keeps copies of the groups of its servers.
            'security_groups': groups,
        }
        filter_properties = {'scheduler_hints': scheduler_hints or {},
                             'instance_type': flavor, **placement}
        if group is not None:
            spec = self.group_spec(context, group['uuid'], joined=True)
            if spec is not None:
                filter_properties[server_groups.FILTER_PROPERTY] = spec
        self._schedule(context, instances, request_spec, filter_properties)
        return instances, reservation_id

    def build_request(self, context: RequestContext,
                      instance: objects.Instance) -> dict[str, Any]:
        """What a build of ``instance`` sends toward its cell, rebuilt
        from the instance alone, its scheduler hints included: a build
        sent again after its request was lost (see nova.cells.builds).
        Its server group, which its system metadata names, is read again
        from the group where this cell has it (the API cell)."""
        flavor = instance.flavor
        image = images.image_spec_from_instance(instance)
        request_spec = {'image': image, 'instance_type': flavor,
                        'num_instances': 1,
                        'instance_uuids': [instance.uuid],
                        'availability_zone': instance.availability_zone,
                        'security_groups': self.db.instance_security_groups(
                            context, instance.uuid)}
        filter_properties: dict[str, Any] = {
            'scheduler_hints': scheduler_hints_of(instance),
            'instance_type': flavor}
        spec = server_groups.spec_from_system_metadata(
            instance.system_metadata)
        if spec is not None:
            spec = self.group_spec(context, spec['uuid']) or spec
        if spec is not None:
            filter_properties[server_groups.FILTER_PROPERTY] = spec
        return {'instances': [instance], 'instance_type': flavor,
                'image': image, 'request_spec': request_spec,
                'filter_properties': filter_properties}

    def _placement(self, context: RequestContext, zone: str | None,
                   forced_host: str | None) -> dict[str, Any]:
        """Check the zone and host a build asks for; the filter
        properties that take the build there (``force_hosts``)."""
        if forced_host:
            hosts = {s['host'] for s in self.host_api.service_get_all(
                context.elevated(), binary='nova-compute')}
            if forced_host not in hosts:
                raise exception.ComputeHostNotFound(host=forced_host)
            return {'force_hosts': [forced_host]}
        if zone:
            services = self.host_api.service_get_all(
                context.elevated(), binary='nova-compute')
            if zone not in {s['availability_zone'] for s in services
                            if not s['disabled']}:
                raise exception.AvailabilityZoneNotAvailable()
        return {}

    def _bootable_image(self, context: RequestContext, image_href: str,
                        flavor: objects.Flavor) -> objects.ImageMeta:
        """The registry's image, checked against the flavor."""
        image = objects.ImageMeta.from_dict(self.boot_images.get(context,
                                                                 image_href))
        if image.status != 'active':
            raise exception.ImageNotActive(image_id=image.id)
        if image.min_ram > flavor.memory_mb:
            raise exception.FlavorMemoryTooSmall()
        if flavor.root_gb and image.min_disk > flavor.root_gb:
            raise exception.FlavorDiskTooSmall()
        return image

    def _instance_values(self, context: RequestContext, flavor: objects.Flavor,
                         image: objects.ImageMeta, display_name: str,
                         group: dict[str, Any] | None = None,
                         **extra: Any) -> dict[str, Any]:
        system_metadata = images.system_metadata_from_image(image)
        if group is not None:
            system_metadata.update(server_groups.system_metadata(group))
        return dict(
            uuid=uuidutils.generate_uuid(),
            user_id=context.user_id, project_id=context.project_id,
            display_name=display_name,
            hostname=(extra.get('hostname')
                      or display_name.lower().replace(' ', '-')[:63]),
            image_ref=image.id,
            **instance_changes.flavor_values(flavor),
            vm_state=vm_states.BUILDING,
            task_state=task_states.SCHEDULING,
            power_state=power_state.NOSTATE,
            locked=False, progress=0,
            system_metadata=dict(
                system_metadata,
                **({'pinned_availability_zone': extra['availability_zone']}
                   if extra.get('availability_zone') else {})),
            **{k: v for k, v in extra.items()
               if k not in ('metadata', 'hostname')},
            metadata=extra.get('metadata') or {})

    def _schedule(self, context: RequestContext,
                  instances: list[objects.Instance],
                  request_spec: dict[str, Any],
                  filter_properties: dict[str, Any]) -> None:
        self.scheduler_rpcapi.build_instances(context, instances,
                                              request_spec,
                                              filter_properties)

    # -- delete ---------------------------------------------------------

    def delete(self, context: RequestContext, instance: objects.Instance
               ) -> None:
        """Delete an instance in any state: at once when it has no host
        yet, else on its host."""
        self._check_lock(context, instance)
        self._record_action(context, instance, instance_actions.DELETE)
        self._delete(context, instance)

    def force_delete(self, context: RequestContext, instance: objects.Instance
                     ) -> None:
        """Delete an instance whatever its vm and task states, a
        soft-deleted one included, at once: this is :meth:`delete`."""
        self.delete(context, instance)

    # -- soft delete (``reclaim_instance_interval``) --------------------

    def soft_delete(self, context: RequestContext, instance: objects.Instance
                    ) -> None:
        """Power the instance off and keep it SOFT_DELETED until it is
        restored, force-deleted or reclaimed by its host.

        InstanceInvalidState when there is nothing to keep (it never
        ran), it is soft-deleted or being deleted already, or it waits
        for a resize to be confirmed: the caller deletes it instead, as
        Nova's API does.  An instance on no host (shelved and
        offloaded) is deleted at once.
        """
        self._check_lock(context, instance)
        checks.check_instance_state(instance, 'soft_delete', task_state=None)
        if instance.vm_state in _NO_SOFT_DELETE_FROM or \
                instance.task_state in _DELETING:
            raise exception.InstanceInvalidState(
                method='soft_delete', instance_uuid=instance.uuid,
                attr='vm_state', state=instance.vm_state)
        if not instance.host:
            self._record_action(context, instance, instance_actions.DELETE)
            self._delete(context, instance)
            return
        self._act(context, instance, instance_actions.DELETE, 'soft_delete',
                  {}, lambda inst: self.compute_rpcapi.soft_delete_instance(
                      context, inst),
                  task_state=task_states.SOFT_DELETING,
                  deleted_at=timeutils.utcnow())

    def restore(self, ctxt: RequestContext, instance: objects.Instance
                ) -> None:
        """Bring a soft-deleted instance back to ACTIVE.

        Raises InstanceInvalidState (409) unless it is SOFT_DELETED, and
        TooManyInstances (403) when its project (or user) has no room
        left for it: a soft-deleted instance does not count.
        """
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'restore',
                                    vm_state=[vm_states.SOFT_DELETED])
        if instance.flavor is not None:
            self.quotas.check_boot(ctxt, instance.project_id,
                                   instance.flavor, 1, 1,
                                   user_id=instance.user_id)
        self.restore_soft_deleted(ctxt, instance)

    def restore_soft_deleted(self, ctxt: RequestContext,
                             instance: objects.Instance) -> None:
        """:meth:`restore` once the quota has room (the instance's cell
        runs this)."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'restore',
                                    vm_state=[vm_states.SOFT_DELETED])
        if not instance.host:
            self._act(ctxt, instance, instance_actions.RESTORE,
                      'restore_soft_deleted', {}, lambda inst: None,
                      vm_state=vm_states.ACTIVE, task_state=None,
                      deleted_at=None)
            return
        self._act(ctxt, instance, instance_actions.RESTORE,
                  'restore_soft_deleted', {},
                  lambda inst: self.compute_rpcapi.restore_instance(ctxt,
                                                                    inst),
                  task_state=task_states.RESTORING, deleted_at=None)

    def _delete(self, context: RequestContext, instance: objects.Instance
                ) -> None:
        if not instance.host:
            self._delete_here(context, instance)
            return
        if instance.vm_state == vm_states.RESIZED:
            # The source host still holds the old copy: confirm first, as
            # Nova does, so it is freed too.  (None here: the instance
            # came from another cell, whose copy the API cell drops.)
            try:
                self._confirm_resize_here(context, instance)
            except exception.MigrationNotFoundByStatus:
                pass
        instance = instance_changes.instance_update(
            self.db, context, instance, task_state=task_states.DELETING)
        self.compute_rpcapi.terminate_instance(context, instance)

    def _delete_here(self, context: RequestContext,
                     instance: objects.Instance) -> bool:
        """Delete an instance that is on no host (nor, in the API cell,
        in any cell) from this cell's database; False when it was gone
        already."""
        self.notifier.instance_action(context, instance, 'delete', 'start')
        try:
            row = self.db.instance_destroy(context, instance.uuid)
        except exception.InstanceNotFound:
            return False
        self.notifier.instance_deleted(context, row)
        return True

    # -- fields the API owns --------------------------------------------

    def update_instance(self, ctxt: RequestContext, instance: objects.Instance,
                        updates: dict[str, Any]) -> objects.Instance:
        """Change display fields (``display_name`` for a rename,
        ``display_description``, ``access_ip_v4``, ``access_ip_v6``,
        ``auto_disk_config``); returns the instance.
        """
        unknown = set(updates) - set(UPDATABLE_FIELDS)
        if unknown:
            raise exception.InvalidInput(
                reason='cannot update %s' % ', '.join(sorted(unknown)))
        return self._save_api_owned(ctxt, instance, dict(updates))

    def update_instance_metadata(self, ctxt: RequestContext,
                                 instance: objects.Instance,
                                 metadata: dict[str, str],
                                 delete: bool = False) -> dict[str, Any]:
        """Add or change metadata items; with ``delete``, replace them
        all.  Returns the instance's metadata.  MetadataLimitExceeded when
        the result would hold more items than the project's
        ``metadata_items`` quota."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'update_metadata',
                                    vm_state=_METADATA_VM_STATES,
                                    task_state=None)
        new = dict(metadata) if delete else dict(instance.metadata or {},
                                                 **metadata)
        self.quotas.check_metadata(ctxt, instance.project_id, len(new))
        saved = self._save_api_owned(ctxt, instance, {'metadata': new})
        return dict(saved.metadata)

    def update_instance_tags(self, ctxt: RequestContext,
                             instance: objects.Instance,
                             tags: list[str]) -> list[str]:
        """Make ``tags`` the instance's tags (API-owned, sent to its
        cell); returns them sorted.  409 in a state Nova refuses."""
        checks.check_instance_state(instance, 'update tags',
                                    vm_state=_TAG_VM_STATES)
        if len(set(tags)) > MAX_TAGS:
            raise exception.InvalidInput(
                reason='The number of tags exceeded the per-server limit '
                       f'{MAX_TAGS}')
        saved = self._save_api_owned(ctxt, instance,
                                     {'tags': sorted(set(tags))})
        return list(saved.tags)

    def delete_instance_metadata(self, ctxt: RequestContext,
                                 instance: objects.Instance,
                                 key: str) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'delete_metadata',
                                    vm_state=_METADATA_VM_STATES,
                                    task_state=None)
        if key not in (instance.metadata or {}):
            raise exception.InstanceMetadataNotFound(
                instance_uuid=instance.uuid, key=key)
        remaining = {k: v for k, v in instance.metadata.items() if k != key}
        self._save_api_owned(ctxt, instance, {'metadata': remaining})

    def _save_api_owned(self, ctxt: RequestContext, instance: objects.Instance,
                        updates: dict[str, Any]) -> objects.Instance:
        assert set(updates) <= set(ownership.API_OWNED_FIELDS) | {
            'system_metadata'}
        return instance_changes.instance_update(self.db, ctxt, instance,
                                                **updates)

    # -- the steps of every action --------------------------------------

    def _check_lock(self, ctxt: RequestContext, instance: objects.Instance
                    ) -> None:
        if self.enforce_locks:
            checks.check_instance_lock(ctxt, instance)

    def _check_cell(self, instance: objects.Instance) -> None:
        """The instance can be reached (always, in a cell that owns it)."""

    def _record_action(self, ctxt: RequestContext, instance: objects.Instance,
                       action: str) -> None:
        self.db.action_start(ctxt, dict(self._action_values(ctxt, action),
                                        instance_uuid=instance.uuid))

    @staticmethod
    def _action_values(ctxt: RequestContext, action: str) -> dict[str, Any]:
        """An action's row but its instance."""
        return {'action': action, 'request_id': ctxt.request_id,
                'user_id': ctxt.user_id, 'project_id': ctxt.project_id}

    def _act(self, ctxt: RequestContext, instance: objects.Instance,
             action: str, method: str, kwargs: dict[str, Any],
             here: Callable[[objects.Instance], Any], **updates: Any) -> Any:
        """Start an action that passed its checks: save ``updates`` (the
        new task state) unless the task state moved meanwhile, record
        ``action`` and deliver the work (see :meth:`_deliver`)."""
        self._check_cell(instance)
        if updates:
            instance = instance_changes.instance_update(
                self.db, ctxt, instance,
                expected_task_state=[instance.task_state], **updates)
        self._record_action(ctxt, instance, action)
        return self._deliver(ctxt, instance, method, kwargs,
                             lambda: here(instance))

    def _deliver(self, ctxt: RequestContext, instance: objects.Instance,
                 method: str, kwargs: dict[str, Any], here: Callable[[], Any],
                 call: bool = False) -> Any:
        """Carry out a checked action.

        In a cell that runs its instances, ``here()`` does it (usually a
        cast to the compute host).  The API cell overrides this to send
        ``method(**kwargs)`` to the instance's cell instead, where the
        same method checks again and calls ``here``.
        """
        return here()
