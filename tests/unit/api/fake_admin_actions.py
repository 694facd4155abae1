"""Operator actions of the fake compute API.

What only refuses (live migration) is the real
:class:`nova.compute.api_admin.AdminActionsMixin`; what would reach a
compute host is recorded in ``calls`` and takes effect at once.  Every
project has the security groups ``default`` (id 1) and ``db`` (id 2);
a server is in ``default`` until told otherwise.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova import objects
from nova.compute import api_admin
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.unit.api import fake_exceptions as fake_exc

GROUP_IDS = {'default': 1, 'db': 2}


class AdminActionsMixin(api_admin.AdminActionsMixin):
    calls: list[tuple[str, dict[str, Any]]]
    # Server uuid -> the names of its groups.
    server_groups: dict[str, list[str]]

    def security_group_names(self, ctxt: Any, uuid: str) -> list[str]:
        return list(self.server_groups.get(uuid, ['default']))

    def _server_group(self, ctxt: Any, instance: objects.Instance,
                      name: str) -> tuple[int, list[str]]:
        self._check_lock(ctxt, instance)
        if name not in GROUP_IDS:
            raise exception.SecurityGroupNotFoundForProject(
                security_group_id=name, project_id=instance.project_id)
        return GROUP_IDS[name], self.server_groups.setdefault(
            instance.uuid, ['default'])

    def add_security_group(self, ctxt: Any, instance: objects.Instance,
                           name: str) -> None:
        group_id, groups = self._server_group(ctxt, instance, name)
        if name in groups:
            raise exception.SecurityGroupExistsForInstance(
                security_group_id=group_id, instance_id=instance.uuid)
        groups.append(name)
        self.calls.append(('add_security_group', {'uuid': instance.uuid,
                                                  'name': name}))

    def remove_security_group(self, ctxt: Any, instance: objects.Instance,
                              name: str) -> None:
        group_id, groups = self._server_group(ctxt, instance, name)
        if name not in groups:
            raise exception.SecurityGroupNotExistsForInstance(
                security_group_id=group_id, instance_id=instance.uuid)
        groups.remove(name)
        self.calls.append(('remove_security_group',
                           {'uuid': instance.uuid, 'name': name}))

    def _check_lock(self, ctxt: Any, instance: objects.Instance) -> None:
        if instance.locked and not ctxt.is_admin:
            raise fake_exc.InstanceIsLocked(instance_uuid=instance.uuid)

    def reset_state(self, context: Any, instance: objects.Instance,
                    vm_state: str) -> objects.Instance:
        self.calls.append(('reset_state', {'uuid': instance.uuid,
                                           'vm_state': vm_state}))
        instance.vm_state = vm_state
        instance.task_state = None
        return instance

    def migrate(self, ctxt: Any, instance: objects.Instance,
                host: str | None = None) -> None:
        """Hosts here: ``host1``, ``host2`` and the cell ``api!cell2``."""
        self._check_lock(ctxt, instance)
        if instance.vm_state not in (vm_states.ACTIVE, vm_states.STOPPED) \
                or instance.task_state is not None:
            raise exception.InstanceInvalidState(
                method='migrate', instance_uuid=instance.uuid,
                attr='vm_state', state=instance.vm_state)
        if host is not None and host == instance.host:
            raise exception.CannotMigrateToSameHost()
        if host is not None and host not in ('host1', 'host2',
                                             'api!cell2'):
            raise exception.ComputeHostNotFound(host=host)
        self.calls.append(('migrate', {'uuid': instance.uuid,
                                       'host': host}))

    def inject_network_info(self, ctxt: Any, instance: objects.Instance
                            ) -> None:
        self._check_lock(ctxt, instance)
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        self.calls.append(('inject_network_info', {'uuid': instance.uuid}))

    def get_diagnostics(self, ctxt: Any, instance: objects.Instance
                        ) -> dict[str, Any]:
        self.calls.append(('get_diagnostics', {'uuid': instance.uuid}))
        if instance.power_state != power_state.RUNNING:
            raise exception.InstanceInvalidState(
                method='get_diagnostics', instance_uuid=instance.uuid,
                attr='power_state',
                state=power_state.STATE_MAP[instance.power_state])
        return {'cpu0_time': 17300000000, 'memory': 524288}

    def set_password(self, ctxt: Any, instance: objects.Instance,
                     password: str) -> None:
        self.calls.append(('set_password', {'uuid': instance.uuid,
                                            'password': password}))
        sysmeta = dict(instance.system_metadata
                       if instance.obj_attr_is_set('system_metadata')
                       else {})
        sysmeta.update({key: password[i * 255:(i + 1) * 255]
                        for i, key in enumerate(api_admin.PASSWORD_KEYS)})
        instance.system_metadata = sysmeta
