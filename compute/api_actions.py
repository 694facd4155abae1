"""Server actions of the compute API, with Nova's state rules.

Mixed into :class:`nova.compute.api.API`.  An action that needs global
data (an image, a flavor, a new password) resolves it in its public method
(``rebuild``, ``resize``, ``snapshot``, ...), which the API cell runs, and
then calls a second method that takes the resolved data
(``rebuild_from_image``, ``resize_to_flavor``, ...): that one is what the
instance's own cell runs, since children hold no global data.
"""

from __future__ import annotations

from collections.abc import Callable
import secrets
import string
from typing import TYPE_CHECKING
from typing import Any

from nova import exception
from nova import instance_changes
from nova import objects
from nova.compute import checks
from nova.compute import images
from nova.compute import instance_actions as actions
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

# Task states a reboot may interrupt (Nova's list).
_REBOOT_FROM = [None, task_states.REBOOTING, task_states.REBOOT_PENDING,
                task_states.REBOOT_STARTED, task_states.REBOOTING_HARD,
                task_states.RESUMING, task_states.UNPAUSING,
                task_states.PAUSING, task_states.SUSPENDING]
_SOFT_REBOOT_BUSY = (task_states.REBOOTING, task_states.REBOOTING_HARD,
                     task_states.REBOOT_PENDING, task_states.REBOOT_STARTED)
_SNAPSHOT_FROM = [vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                  vm_states.SUSPENDED]
_SHELVE_FROM = _SNAPSHOT_FROM
# What a rebuild may set besides name and metadata (2.19, 2.54, 2.57).
_REBUILD_CHANGES = frozenset(('display_description', 'key_name', 'key_data',
                              'user_data', 'hostname'))
_PASSWORD_CHARS = ''.join(c for c in string.ascii_letters + string.digits
                          if c not in 'lIO0o1')


def generate_password(length: int = 12) -> str:
    return ''.join(secrets.choice(_PASSWORD_CHARS) for _ in range(length))


class ServerActionsMixin:
    if TYPE_CHECKING:
        conf: Any
        db: Database
        compute_rpcapi: Any
        scheduler_rpcapi: Any
        quotas: Any
        notifier: Any

        def _check_lock(self, ctxt: RequestContext,
                        instance: objects.Instance) -> None: ...

        def _act(self, ctxt: RequestContext, instance: objects.Instance,
                 action: str, method: str, kwargs: dict[str, Any],
                 here: Callable[[objects.Instance], Any], **updates: Any
                 ) -> Any: ...

        def _deliver(self, ctxt: RequestContext, instance: objects.Instance,
                     method: str, kwargs: dict[str, Any],
                     here: Callable[[], Any], call: bool = False) -> Any: ...

        def _record_action(self, ctxt: RequestContext,
                           instance: objects.Instance, action: str
                           ) -> None: ...

        def _save_api_owned(self, ctxt: RequestContext,
                            instance: objects.Instance, updates: dict[str, Any]
                            ) -> objects.Instance: ...

        def image_get(self, ctxt: RequestContext, image_id: str
                      ) -> dict[str, Any]: ...

        def image_delete(self, ctxt: RequestContext, image_id: str
                         ) -> None: ...

        def image_get_all(self, ctxt: RequestContext
                          ) -> list[dict[str, Any]]: ...

        def flavor_get(self, ctxt: RequestContext, flavorid: str
                       ) -> objects.Flavor: ...

        def _new_image(self, ctxt: RequestContext, instance: objects.Instance,
                       name: str, extra_properties: dict[str, Any] | None,
                       image_type: str = 'snapshot') -> objects.ImageMeta: ...

    def _simple(self, ctxt: RequestContext, instance: objects.Instance,
                method: str, action: str, vm_state: list[str], task_state: str,
                cast: Callable[[Any, objects.Instance], None]) -> None:
        """An action with no argument: lock and state checks, a new task
        state, a cast to the instance's host."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, method, vm_state=vm_state)
        checks.check_instance_host(instance)
        self._act(ctxt, instance, action, method, {},
                  lambda inst: cast(ctxt, inst), task_state=task_state)

    # -- power ----------------------------------------------------------

    def reboot(self, ctxt: RequestContext, instance: objects.Instance,
               reboot_type: str) -> None:
        """Reboot: ``SOFT`` (running instances) or ``HARD``."""
        if reboot_type not in ('SOFT', 'HARD'):
            raise exception.InvalidInput(
                reason='reboot type must be SOFT or HARD')
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'reboot', vm_state=vm_states.ALLOW_HARD_REBOOT,
            task_state=_REBOOT_FROM)
        soft = reboot_type == 'SOFT'
        if soft and instance.vm_state not in vm_states.ALLOW_SOFT_REBOOT:
            raise exception.InstanceInvalidState(
                method='soft reboot', instance_uuid=instance.uuid,
                attr='vm_state', state=instance.vm_state)
        if (soft and instance.task_state in _SOFT_REBOOT_BUSY) or (
                not soft and
                instance.task_state == task_states.REBOOTING_HARD):
            raise exception.InstanceInvalidState(
                method='reboot', instance_uuid=instance.uuid,
                attr='task_state', state=instance.task_state)
        self._act(ctxt, instance, actions.REBOOT, 'reboot',
                  {'reboot_type': reboot_type},
                  lambda inst: self.compute_rpcapi.reboot_instance(
                      ctxt, inst, reboot_type),
                  task_state=(task_states.REBOOTING if soft
                              else task_states.REBOOTING_HARD))

    def stop(self, ctxt: RequestContext, instance: objects.Instance) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'stop', vm_state=[vm_states.ACTIVE, vm_states.ERROR])
        checks.check_instance_host(instance)
        self._act(ctxt, instance, actions.STOP, 'stop', {},
                  lambda inst: self.compute_rpcapi.stop_instance(ctxt, inst),
                  task_state=task_states.POWERING_OFF, progress=0)

    def start(self, ctxt: RequestContext, instance: objects.Instance) -> None:
        self._simple(ctxt, instance, 'start', actions.START,
                     [vm_states.STOPPED], task_states.POWERING_ON,
                     self.compute_rpcapi.start_instance)

    def pause(self, ctxt: RequestContext, instance: objects.Instance) -> None:
        self._simple(ctxt, instance, 'pause', actions.PAUSE,
                     [vm_states.ACTIVE], task_states.PAUSING,
                     self.compute_rpcapi.pause_instance)

    def unpause(self, ctxt: RequestContext, instance: objects.Instance
                ) -> None:
        self._simple(ctxt, instance, 'unpause', actions.UNPAUSE,
                     [vm_states.PAUSED], task_states.UNPAUSING,
                     self.compute_rpcapi.unpause_instance)

    def suspend(self, ctxt: RequestContext, instance: objects.Instance
                ) -> None:
        self._simple(ctxt, instance, 'suspend', actions.SUSPEND,
                     [vm_states.ACTIVE], task_states.SUSPENDING,
                     self.compute_rpcapi.suspend_instance)

    def resume(self, ctxt: RequestContext, instance: objects.Instance) -> None:
        self._simple(ctxt, instance, 'resume', actions.RESUME,
                     [vm_states.SUSPENDED], task_states.RESUMING,
                     self.compute_rpcapi.resume_instance)

    # -- rescue and console ---------------------------------------------

    def rescue(self, ctxt: RequestContext, instance: objects.Instance,
               rescue_password: str | None = None,
               rescue_image_ref: str | None = None) -> str:
        """Boot the instance from a rescue image (default: its own);
        returns the rescue system's admin password."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'rescue',
            vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
        image = (objects.ImageMeta.from_dict(
            self.image_get(ctxt, rescue_image_ref))
            if rescue_image_ref else None)
        images.rescue_device(image)
        password = rescue_password or generate_password()
        self.rescue_with_image(ctxt, instance, password, image)
        return password

    def rescue_with_image(self, ctxt: RequestContext,
                          instance: objects.Instance, rescue_password: str,
                          rescue_image: objects.ImageMeta | None) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'rescue',
            vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
        checks.check_instance_host(instance)
        self._act(ctxt, instance, actions.RESCUE, 'rescue_with_image',
                  {'rescue_password': rescue_password,
                   'rescue_image': rescue_image},
                  lambda inst: self.compute_rpcapi.rescue_instance(
                      ctxt, inst, rescue_password, rescue_image),
                  task_state=task_states.RESCUING)

    def set_admin_password(self, ctxt: RequestContext,
                           instance: objects.Instance, password: str
                           ) -> None:
        """Have the guest's administrator password set (``changePassword``);
        a running instance only."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'set_admin_password',
                                    vm_state=[vm_states.ACTIVE])
        checks.check_instance_host(instance)
        self._act(ctxt, instance, actions.CHANGE_PASSWORD,
                  'set_admin_password', {'password': password},
                  lambda inst: self.compute_rpcapi.set_admin_password(
                      ctxt, inst, password),
                  task_state=task_states.UPDATING_PASSWORD)

    def unrescue(self, ctxt: RequestContext, instance: objects.Instance
                 ) -> None:
        self._simple(ctxt, instance, 'unrescue', actions.UNRESCUE,
                     [vm_states.RESCUED], task_states.UNRESCUING,
                     self.compute_rpcapi.unrescue_instance)

    def get_console_output(self, ctxt: RequestContext,
                           instance: objects.Instance,
                           tail_length: int | None = None) -> str:
        """The console log (its last ``tail_length`` lines)."""
        checks.check_instance_host(instance)
        return self._deliver(
            ctxt, instance, 'get_console_output',
            {'tail_length': tail_length},
            lambda: self.compute_rpcapi.get_console_output(
                ctxt, instance, tail_length), call=True)

    # -- lock -----------------------------------------------------------

    def lock(self, ctxt: RequestContext, instance: objects.Instance,
             reason: str | None = None) -> None:
        """Lock against actions by non-admins.  An owner's lock records
        ``owner``, anyone else's ``admin`` (who then holds it)."""
        is_owner = instance.project_id == ctxt.project_id
        if instance.locked and is_owner:
            return
        sysmeta = instance_changes.system_metadata_with(
            instance, remove=('locked_reason',))
        if reason:
            sysmeta['locked_reason'] = reason
        self._record_action(ctxt, instance, actions.LOCK)
        saved = self._save_api_owned(ctxt, instance, {
            'locked': True, 'locked_by': 'owner' if is_owner else 'admin',
            'system_metadata': sysmeta})
        # The API cell owns the lock: its change is notified here.
        self.notifier.instance_action(ctxt, saved, 'lock')

    def unlock(self, ctxt: RequestContext, instance: objects.Instance) -> None:
        """Unlock.  Whether a caller may lift an admin's lock is the
        policy's call (``unlock_override``), not this method's."""
        self._record_action(ctxt, instance, actions.UNLOCK)
        saved = self._save_api_owned(ctxt, instance, {
            'locked': False, 'locked_by': None,
            'system_metadata': instance_changes.system_metadata_with(
                instance, remove=('locked_reason',))})
        self.notifier.instance_action(ctxt, saved, 'unlock')

    # -- rebuild --------------------------------------------------------

    def rebuild(self, ctxt: RequestContext, instance: objects.Instance,
                image_href: str, admin_password: str | None = None,
                name: str | None = None,
                metadata: dict[str, str] | None = None,
                auto_disk_config: bool | None = None,
                changes: dict[str, Any] | None = None,
                injected_files: list[tuple[str, bytes]] | None = None
                ) -> None:
        """Rebuild from ``image_href`` (ImageNotFound when unknown);
        ``auto_disk_config`` (OS-DCF:diskConfig) changes the server's
        disk config once the rebuild is under way.  ``changes``: other
        fields the rebuild sets (``display_description``, ``key_name``
        with ``key_data``, ``user_data``), checked by the caller.
        ``injected_files``: personality (path, contents), checked
        against the injection quotas as on create, not injected."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'rebuild',
            vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
        if metadata is not None:
            self.quotas.check_metadata(ctxt, instance.project_id,
                                       len(metadata))
        self.quotas.check_injected_files(ctxt, instance.project_id,
                                         injected_files or [])
        image = objects.ImageMeta.from_dict(self.image_get(ctxt, image_href))
        if image.status != 'active':
            raise exception.ImageNotActive(image_id=image.id)
        flavor = instance.flavor
        if flavor is not None and image.min_ram > flavor.memory_mb:
            raise exception.FlavorMemoryTooSmall()
        if flavor is not None and flavor.root_gb and \
                image.min_disk > flavor.root_gb:
            raise exception.FlavorDiskTooSmall()
        if auto_disk_config is not None:
            auto_disk_config = images.auto_disk_config(image,
                                                       auto_disk_config)
        self.rebuild_from_image(ctxt, instance, image, admin_password, name,
                                metadata, changes=changes)
        self._set_auto_disk_config(ctxt, instance, auto_disk_config)

    def rebuild_from_image(self, ctxt: RequestContext,
                           instance: objects.Instance,
                           image: objects.ImageMeta,
                           admin_password: str | None = None,
                           name: str | None = None,
                           metadata: dict[str, str] | None = None,
                           changes: dict[str, Any] | None = None) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'rebuild',
            vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
        checks.check_instance_host(instance)
        updates: dict[str, Any] = {
            'task_state': task_states.REBUILDING, 'image_ref': image.id,
            'progress': 0,
            'system_metadata': images.replace_image_system_metadata(
                dict(instance.system_metadata or {}), image)}
        if name is not None:
            updates['display_name'] = name
        if metadata is not None:
            updates['metadata'] = metadata
        updates.update({k: v for k, v in (changes or {}).items()
                        if k in _REBUILD_CHANGES})
        self._act(ctxt, instance, actions.REBUILD, 'rebuild_from_image',
                  {'image': image, 'admin_password': admin_password,
                   'name': name, 'metadata': metadata,
                   'changes': dict(changes or {})},
                  lambda inst: self.compute_rpcapi.rebuild_instance(
                      ctxt, inst, image, admin_password), **updates)

    # -- resize ---------------------------------------------------------

    def resize(self, ctxt: RequestContext, instance: objects.Instance,
               flavor_id: str, auto_disk_config: bool | None = None
               ) -> None:
        """Resize to flavor ``flavor_id``: to VERIFY_RESIZE (vm state
        ``resized``), then :meth:`confirm_resize` or
        :meth:`revert_resize`; ``auto_disk_config`` (OS-DCF:diskConfig)
        changes the server's disk config once the resize is under way."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'resize', vm_state=[vm_states.ACTIVE,
                                          vm_states.STOPPED])
        new = self.flavor_get(ctxt, flavor_id)
        if new.disabled:
            raise exception.FlavorNotFound(flavor_id=flavor_id)
        current = instance.flavor
        if current is not None and new.flavorid == current.flavorid:
            raise exception.CannotResizeToSameFlavor()
        if current is not None and current.root_gb and not new.root_gb:
            raise exception.CannotResizeDisk(
                reason='Resize to zero disk flavor is not allowed.')
        if current is not None:
            # Usage follows the replica's flavor columns, which the owning
            # cell moves to the new flavor on resize and back on revert.
            self.quotas.check_resize(ctxt, instance.project_id, current,
                                     new, user_id=instance.user_id)
        self.resize_to_flavor(ctxt, instance, new)
        self._set_auto_disk_config(ctxt, instance, auto_disk_config)

    def _set_auto_disk_config(self, ctxt: RequestContext,
                              instance: objects.Instance,
                              auto_disk_config: bool | None) -> None:
        """Save the disk config an accepted rebuild or resize asked for.

        The API cell owns it (see ``nova.objects.instance``): saved after
        the action was accepted, so that a refused one changes nothing,
        and sent down like a rename.
        """
        if auto_disk_config is not None:
            self._save_api_owned(ctxt, instance,
                                 {'auto_disk_config': auto_disk_config})

    def resize_to_flavor(self, ctxt: RequestContext,
                         instance: objects.Instance, flavor: objects.Flavor
                         ) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'resize', vm_state=[vm_states.ACTIVE,
                                          vm_states.STOPPED])
        checks.check_instance_host(instance)
        sysmeta = instance_changes.system_metadata_with(
            instance, old_vm_state=instance.vm_state)
        self._act(ctxt, instance, actions.RESIZE, 'resize_to_flavor',
                  {'flavor': flavor},
                  lambda inst: self._schedule_resize(ctxt, inst, flavor),
                  task_state=task_states.RESIZE_PREP, progress=0,
                  system_metadata=sysmeta)

    def _schedule_resize(self, ctxt: RequestContext,
                         instance: objects.Instance, flavor: objects.Flavor
                         ) -> None:
        request_spec = {
            'image': images.image_spec_from_instance(instance),
            'instance_type': flavor, 'num_instances': 1,
            'instance_uuids': [instance.uuid],
            'availability_zone': instance.availability_zone}
        ignore = ([] if self.conf.allow_resize_to_same_host
                  else [instance.host])
        self.scheduler_rpcapi.prep_resize(
            ctxt, instance, flavor, request_spec,
            {'ignore_hosts': ignore, 'instance_type': flavor})

    def confirm_resize(self, ctxt: RequestContext, instance: objects.Instance
                       ) -> None:
        """Keep the new flavor; the source host frees the old one."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'confirm_resize',
                                    vm_state=[vm_states.RESIZED])
        self._act(ctxt, instance, actions.CONFIRM_RESIZE, 'confirm_resize',
                  {}, lambda inst: self._confirm_resize_here(ctxt, inst))

    def _confirm_resize_here(self, ctxt: RequestContext,
                             instance: objects.Instance) -> None:
        migration = self.db.migration_get_by_instance_and_status(
            ctxt, instance.uuid, 'finished')
        self.db.migration_update(ctxt, migration['id'],
                                 {'status': 'confirming'})
        self.compute_rpcapi.confirm_resize(
            ctxt, migration['source_compute'], instance, migration['id'])

    def revert_resize(self, ctxt: RequestContext, instance: objects.Instance
                      ) -> None:
        """Go back to the old flavor on the source host."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'revert_resize',
                                    vm_state=[vm_states.RESIZED])
        self._act(ctxt, instance, actions.REVERT_RESIZE, 'revert_resize',
                  {}, lambda inst: self._revert_resize_here(ctxt, inst),
                  task_state=task_states.RESIZE_REVERTING)

    def _revert_resize_here(self, ctxt: RequestContext,
                            instance: objects.Instance) -> None:
        try:
            migration = self.db.migration_get_by_instance_and_status(
                ctxt, instance.uuid, 'finished')
        except exception.MigrationNotFoundByStatus:
            instance_changes.instance_update(self.db, ctxt, instance,
                                             task_state=None)
            raise
        self.db.migration_update(ctxt, migration['id'],
                                 {'status': 'reverting'})
        self.compute_rpcapi.revert_resize(
            ctxt, migration['dest_compute'], instance, migration['id'])

    # -- snapshot and shelve --------------------------------------------

    def snapshot(self, ctxt: RequestContext, instance: objects.Instance,
                 name: str, extra_properties: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
        """Snapshot into a new image of the registry, returned at once
        (``queued``); it turns ``active`` when the upload is done."""
        checks.check_instance_state(instance, 'snapshot',
                                    vm_state=_SNAPSHOT_FROM)
        image = self._new_image(ctxt, instance, name, extra_properties)
        try:
            self.snapshot_to_image(ctxt, instance, image)
        except Exception:
            self.image_delete(ctxt, image.id)
            raise
        return self.image_get(ctxt, image.id)

    def backup(self, ctxt: RequestContext, instance: objects.Instance,
               name: str, backup_type: str, rotation: int,
               extra_properties: dict[str, Any] | None = None
               ) -> dict[str, Any] | None:
        """A snapshot of image type ``backup``, keeping the ``rotation``
        newest backups of ``backup_type`` of the instance, this one
        included.  The older ones go once the snapshot is on its way, not
        after its upload: the registry is the API cell's, and a compute in
        a child cell does not list it.  A rotation of 0 deletes every
        such backup and takes none (None)."""
        checks.check_instance_state(instance, 'backup',
                                    vm_state=_SNAPSHOT_FROM)
        older = self._backups(ctxt, instance, backup_type)
        image = None
        if rotation > 0:
            properties = dict(extra_properties or {},
                              backup_type=backup_type)
            made = self._new_image(ctxt, instance, name, properties,
                                   image_type='backup')
            try:
                self.snapshot_to_image(ctxt, instance, made)
            except Exception:
                self.image_delete(ctxt, made.id)
                raise
            image = self.image_get(ctxt, made.id)
        for old in older[max(rotation - 1, 0):]:
            try:
                self.image_delete(ctxt, old['id'])
            except exception.ImageNotFound:
                pass
        return image

    def _backups(self, ctxt: RequestContext, instance: objects.Instance,
                 backup_type: str) -> list[dict[str, Any]]:
        """The instance's backups of ``backup_type``, newest first."""
        found = [image for image in self.image_get_all(ctxt)
                 if (image.get('properties') or {}).get('image_type')
                 == 'backup'
                 and image['properties'].get('instance_uuid')
                 == instance.uuid
                 and image['properties'].get('backup_type') == backup_type]
        return sorted(found, key=lambda image: str(image.get('created_at')),
                      reverse=True)

    def snapshot_to_image(self, ctxt: RequestContext,
                          instance: objects.Instance, image: objects.ImageMeta
                          ) -> None:
        # No lock check, as in Nova: a lock guards against changes.
        checks.check_instance_state(instance, 'snapshot',
                                    vm_state=_SNAPSHOT_FROM)
        checks.check_instance_host(instance)
        self._act(ctxt, instance, actions.CREATE_IMAGE, 'snapshot_to_image',
                  {'image': image},
                  lambda inst: self.compute_rpcapi.snapshot_instance(
                      ctxt, inst, image.id),
                  task_state=task_states.IMAGE_SNAPSHOT_PENDING)

    def shelve(self, ctxt: RequestContext, instance: objects.Instance) -> None:
        """Stop the instance and keep it as an image; with
        ``shelved_offload_time`` 0 its host is freed at once."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'shelve',
                                    vm_state=_SHELVE_FROM)
        image = self._new_image(ctxt, instance,
                                '%s-shelved' % instance.display_name, None)
        try:
            self.shelve_to_image(ctxt, instance, image)
        except Exception:
            self.image_delete(ctxt, image.id)
            raise

    def shelve_to_image(self, ctxt: RequestContext, instance: objects.Instance,
                        image: objects.ImageMeta) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'shelve',
                                    vm_state=_SHELVE_FROM)
        checks.check_instance_host(instance)
        self._act(ctxt, instance, actions.SHELVE, 'shelve_to_image',
                  {'image': image},
                  lambda inst: self.compute_rpcapi.shelve_instance(
                      ctxt, inst, image.id),
                  task_state=task_states.SHELVING)

    def pin_availability_zone(self, ctxt: RequestContext,
                              instance: objects.Instance, zone: str | None
                              ) -> objects.Instance:
        """Pin the instance to ``zone`` (None: unpin), as an unshelve
        naming a zone does (2.77, 2.91); the API cell owns the pin."""
        return self._save_api_owned(ctxt, instance, {
            'system_metadata': instance_changes.system_metadata_with(
                instance, remove=('pinned_availability_zone',),
                **({'pinned_availability_zone': zone} if zone else {}))})

    def unshelve(self, ctxt: RequestContext, instance: objects.Instance,
                 host: str | None = None) -> None:
        """Bring a shelved instance back, scheduling it again when it was
        offloaded; ``host`` (2.91, offloaded only): onto that host of the
        instance's cell, if the scheduler's filters let it."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'unshelve',
            vm_state=[vm_states.SHELVED, vm_states.SHELVED_OFFLOADED])
        image_id = (instance.system_metadata or {}).get('shelved_image_id')
        image = None
        if image_id:
            try:
                image = objects.ImageMeta.from_dict(
                    self.image_get(ctxt.elevated(), image_id))
            except exception.ImageNotFound:
                pass    # boot from the instance's own image instead
        self.unshelve_from_image(ctxt, instance, image, host=host)

    def unshelve_from_image(self, ctxt: RequestContext,
                            instance: objects.Instance,
                            image: objects.ImageMeta | None,
                            host: str | None = None) -> None:
        self._check_lock(ctxt, instance)
        checks.check_instance_state(
            instance, 'unshelve',
            vm_state=([vm_states.SHELVED_OFFLOADED] if host else
                      [vm_states.SHELVED, vm_states.SHELVED_OFFLOADED]))
        # A host travels only to cells whose nova-cells takes it (1.10).
        kwargs: dict[str, Any] = {'image': image}
        if host:
            kwargs['host'] = host
        self._act(ctxt, instance, actions.UNSHELVE, 'unshelve_from_image',
                  kwargs,
                  lambda inst: self._unshelve_here(ctxt, inst, image, host),
                  task_state=task_states.UNSHELVING)

    def _unshelve_here(self, ctxt: RequestContext, instance: objects.Instance,
                       image: objects.ImageMeta | None,
                       host: str | None = None) -> None:
        if instance.host:
            self.compute_rpcapi.unshelve_instance(
                ctxt, instance.host, instance, image, None, None)
            return
        spec_image = (images.image_spec(image) if image is not None
                      else images.image_spec_from_instance(instance))
        request_spec = {
            'image': spec_image, 'instance_type': instance.flavor,
            'num_instances': 1, 'instance_uuids': [instance.uuid],
            'availability_zone': instance.availability_zone}
        filter_properties: dict[str, Any] = {'instance_type': instance.flavor}
        if host:
            # The scheduler's filters still check it, as Nova's do.
            filter_properties['requested_destination'] = {'host': host}
        self.scheduler_rpcapi.unshelve_instance(
            ctxt, instance, image, request_spec, filter_properties)
