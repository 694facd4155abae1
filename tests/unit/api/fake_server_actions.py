"""Server actions of the fake compute API, with Nova's state rules.

Each action checks the server's vm_state as Nova's compute API does
(``InstanceInvalidState``, 409), refuses locked servers to non-admins
(``InstanceIsLocked``, 409), records an instance action with one event,
and moves the server to its final state at once.
"""

from __future__ import annotations

import datetime
from typing import Any
import uuid

from nova import exception
from nova import objects
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.unit.api import fake_exceptions as fake_exc

_ANY = None
_RUNNING = (vm_states.ACTIVE, power_state.RUNNING)

# method -> (vm_states it is allowed in, lock checked, (vm_state, power))
RULES: dict[str, tuple[Any, bool, Any]] = {
    'reboot': ((vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                vm_states.SUSPENDED, vm_states.ERROR), True, _RUNNING),
    'stop': ((vm_states.ACTIVE, vm_states.ERROR), True,
             (vm_states.STOPPED, power_state.SHUTDOWN)),
    'start': ((vm_states.STOPPED,), True, _RUNNING),
    'pause': ((vm_states.ACTIVE,), True,
              (vm_states.PAUSED, power_state.PAUSED)),
    'unpause': ((vm_states.PAUSED,), True, _RUNNING),
    'suspend': ((vm_states.ACTIVE,), True,
                (vm_states.SUSPENDED, power_state.SUSPENDED)),
    'resume': ((vm_states.SUSPENDED,), True, _RUNNING),
    'rebuild': ((vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR),
                True, _RUNNING),
    'resize': ((vm_states.ACTIVE, vm_states.STOPPED), True,
               (vm_states.RESIZED, power_state.RUNNING)),
    'confirmResize': ((vm_states.RESIZED,), True, _RUNNING),
    'revertResize': ((vm_states.RESIZED,), True, _RUNNING),
    'createImage': ((vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                     vm_states.SUSPENDED), False, None),
    'rescue': ((vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR),
               True, (vm_states.RESCUED, power_state.RUNNING)),
    'unrescue': ((vm_states.RESCUED,), True, _RUNNING),
    'shelve': ((vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                vm_states.SUSPENDED), True,
               (vm_states.SHELVED_OFFLOADED, power_state.SHUTDOWN)),
    'unshelve': ((vm_states.SHELVED, vm_states.SHELVED_OFFLOADED), True,
                 _RUNNING),
    'lock': (_ANY, False, None),
    'unlock': (_ANY, False, None),
    'forceDelete': (_ANY, True, None),
    'restore': ((vm_states.SOFT_DELETED,), True, _RUNNING),
    'soft_delete': ((vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR),
                    True, (vm_states.SOFT_DELETED, power_state.SHUTDOWN)),
    'update_metadata': ((vm_states.ACTIVE, vm_states.PAUSED,
                         vm_states.SUSPENDED, vm_states.STOPPED), True,
                        None),
}


class ServerActionsMixin:
    """The server-action half of :class:`fakes.FakeComputeAPI`."""

    instances: dict[str, objects.Instance]
    flavors: dict[str, objects.Flavor]
    images: dict[str, dict[str, Any]]
    calls: list[tuple[str, dict[str, Any]]]
    clock: datetime.datetime
    actions: dict[str, list[dict[str, Any]]]
    old_flavors: dict[str, objects.Flavor]
    console_log: str
    # The metadata_items quota every project has here.
    metadata_items: int

    def check_metadata(self, count: int) -> None:
        if count > self.metadata_items:
            raise exception.MetadataLimitExceeded(
                allowed=self.metadata_items)

    def _tick(self) -> datetime.datetime:
        self.clock += datetime.timedelta(seconds=1)
        return self.clock

    def _act(self, context: Any, instance: objects.Instance, action: str,
             **kwargs: Any) -> None:
        """Check and record ``action``; then move to its final state."""
        self.calls.append((action, {'uuid': instance.uuid, **kwargs}))
        allowed, lock_checked, final = RULES[action]
        if lock_checked and instance.locked and not context.is_admin:
            raise fake_exc.InstanceIsLocked(instance_uuid=instance.uuid)
        if allowed is not _ANY and instance.vm_state not in allowed:
            raise exception.InstanceInvalidState(
                method=action, instance_uuid=instance.uuid,
                attr='vm_state', state=instance.vm_state)
        self.record_action(context, instance.uuid, action)
        if final is not None:
            instance.vm_state, instance.power_state = final
            instance.task_state = None
        instance.updated_at = self.clock

    def record_action(self, context: Any, instance_uuid: str,
                      action: str, result: str = 'Success',
                      traceback: str | None = None) -> dict[str, Any]:
        start = self._tick()
        record = {
            'action': action, 'instance_uuid': instance_uuid,
            'request_id': context.request_id
            or f'req-{uuid.uuid4()}',
            'user_id': context.user_id, 'project_id': context.project_id,
            'start_time': start, 'message': None,
            'events': [{'event': f'compute_{action}', 'start_time': start,
                        'finish_time': start, 'result': result,
                        'traceback': traceback}]}
        self.actions.setdefault(instance_uuid, []).insert(0, record)
        return record

    # -- the contract ------------------------------------------------------

    def reboot(self, context: Any, instance: objects.Instance,
               reboot_type: str) -> None:
        if reboot_type == 'SOFT' and instance.vm_state != vm_states.ACTIVE:
            raise exception.InstanceInvalidState(
                method='reboot', instance_uuid=instance.uuid,
                attr='vm_state', state=instance.vm_state)
        self._act(context, instance, 'reboot', reboot_type=reboot_type)

    def stop(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'stop')

    def start(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'start')

    def pause(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'pause')

    def unpause(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'unpause')

    def suspend(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'suspend')

    def resume(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'resume')

    def rebuild(self, context: Any, instance: objects.Instance,
                image_href: str, admin_password: str | None = None,
                name: str | None = None,
                metadata: dict[str, str] | None = None,
                auto_disk_config: bool | None = None,
                changes: dict[str, Any] | None = None,
                injected_files: list[tuple[str, bytes]] | None = None
                ) -> None:
        if image_href not in self.images:
            raise exception.ImageNotFound(image_id=image_href)
        self._act(context, instance, 'rebuild', image_href=image_href,
                  admin_password=admin_password, name=name,
                  metadata=metadata, **_disk_config(auto_disk_config),
                  **({'changes': changes} if changes else {}))
        for key, value in (changes or {}).items():
            setattr(instance, key, value)
        instance.image_ref = image_href
        if name is not None:
            instance.display_name = name
        if metadata is not None:
            instance.metadata = dict(metadata)
        if auto_disk_config is not None:
            instance.auto_disk_config = auto_disk_config

    def resize(self, context: Any, instance: objects.Instance,
               flavor_id: str, auto_disk_config: bool | None = None
               ) -> None:
        if flavor_id not in self.flavors:
            raise exception.FlavorNotFound(flavor_id=flavor_id)
        if flavor_id == instance.flavor.flavorid:
            raise fake_exc.CannotResizeToSameFlavor()
        self._act(context, instance, 'resize', flavor_id=flavor_id,
                  **_disk_config(auto_disk_config))
        self.old_flavors[instance.uuid] = instance.flavor
        instance.flavor = self.flavors[flavor_id]
        if auto_disk_config is not None:
            instance.auto_disk_config = auto_disk_config

    def confirm_resize(self, context: Any,
                       instance: objects.Instance) -> None:
        self._act(context, instance, 'confirmResize')
        self.old_flavors.pop(instance.uuid, None)

    def revert_resize(self, context: Any,
                      instance: objects.Instance) -> None:
        self._act(context, instance, 'revertResize')
        instance.flavor = self.old_flavors.pop(instance.uuid)

    def snapshot(self, context: Any, instance: objects.Instance, name: str,
                 extra_properties: dict[str, str] | None = None
                 ) -> dict[str, Any]:
        self._act(context, instance, 'createImage', name=name,
                  extra_properties=extra_properties)
        properties = dict(extra_properties or {})
        properties.update(instance_uuid=instance.uuid,
                          image_type='snapshot')
        return self.add_image(name=name, owner=instance.project_id,
                              is_public=False, properties=properties)

    def lock(self, context: Any, instance: objects.Instance,
             reason: str | None = None) -> None:
        self._act(context, instance, 'lock', reason=reason)
        instance.locked = True
        instance.locked_by = ('owner' if context.project_id ==
                              instance.project_id else 'admin')

    def unlock(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'unlock')
        instance.locked = False
        instance.locked_by = None

    def rescue(self, context: Any, instance: objects.Instance,
               rescue_password: str | None = None,
               rescue_image_ref: str | None = None) -> str:
        if rescue_image_ref is not None and \
                rescue_image_ref not in self.images:
            raise exception.ImageNotFound(image_id=rescue_image_ref)
        self._act(context, instance, 'rescue',
                  rescue_password=rescue_password,
                  rescue_image_ref=rescue_image_ref)
        return rescue_password or 'generated-by-compute'

    def unrescue(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'unrescue')

    def shelve(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'shelve')
        instance.host = instance.node = None

    def pin_availability_zone(self, context: Any, instance: objects.Instance,
                              zone: str | None) -> objects.Instance:
        sysmeta = dict(instance.system_metadata or {}
                       if instance.obj_attr_is_set('system_metadata')
                       else {})
        sysmeta.pop('pinned_availability_zone', None)
        if zone:
            sysmeta['pinned_availability_zone'] = zone
        instance.system_metadata = sysmeta
        return instance

    def unshelve(self, context: Any, instance: objects.Instance,
                 host: str | None = None) -> None:
        self._act(context, instance, 'unshelve',
                  **({'host': host} if host else {}))
        instance.host, instance.node = host or 'host1', 'node1'

    def get_console_output(self, context: Any, instance: objects.Instance,
                           tail_length: int | None = None) -> str:
        self.calls.append(('get_console_output',
                           {'uuid': instance.uuid,
                            'tail_length': tail_length}))
        lines = self.console_log.split('\n')
        if tail_length is not None:
            lines = lines[-tail_length:] if tail_length else []
        return '\n'.join(lines)

    def force_delete(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'forceDelete')
        del self.instances[instance.uuid]

    def soft_delete(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'soft_delete')

    def restore(self, context: Any, instance: objects.Instance) -> None:
        self._act(context, instance, 'restore')

    def update_instance(self, context: Any, instance: objects.Instance,
                        updates: dict[str, Any]) -> objects.Instance:
        self.calls.append(('update_instance', {'uuid': instance.uuid,
                                               'updates': dict(updates)}))
        for key, value in updates.items():
            setattr(instance, key, value)
        instance.updated_at = self._tick()
        return instance

    def update_instance_metadata(self, context: Any,
                                 instance: objects.Instance,
                                 metadata: dict[str, str],
                                 delete: bool = False) -> dict[str, str]:
        merged = {} if delete else dict(instance.metadata)
        merged.update(metadata)
        self.check_metadata(len(merged))
        self._act(context, instance, 'update_metadata', metadata=metadata,
                  delete=delete)
        instance.metadata = merged
        return dict(merged)

    def delete_instance_metadata(self, context: Any,
                                 instance: objects.Instance,
                                 key: str) -> None:
        self._act(context, instance, 'update_metadata', key=key)
        if key not in instance.metadata:
            raise fake_exc.InstanceMetadataNotFound(
                instance_uuid=instance.uuid, metadata_key=key)
        metadata = dict(instance.metadata)
        del metadata[key]
        instance.metadata = metadata


def _disk_config(auto_disk_config: bool | None) -> dict[str, Any]:
    """What a call records of its disk config: nothing unless asked."""
    return ({} if auto_disk_config is None
            else {'auto_disk_config': auto_disk_config})
