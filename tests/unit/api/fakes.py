"""An in-memory compute API honouring the contract nova.api calls.

Server actions live in :mod:`fake_server_actions`, the image, key pair,
flavor and instance-action registries in :mod:`fake_registry`.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
import uuid

from nova import exception
from nova import objects
from nova.api.views import servers as server_views
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova.tests.unit.api import fake_admin_actions
from nova.tests.unit.api import fake_exceptions as fake_exc
from nova.tests.unit.api import fake_groups
from nova.tests.unit.api import fake_registry
from nova.tests.unit.api import fake_server_actions

IMAGE = fake_registry.IMAGE

T0 = datetime.datetime(2024, 1, 31, 12, 0, 0, tzinfo=datetime.UTC)


def make_flavor(flavorid: str, name: str, memory_mb: int = 512,
                vcpus: int = 1, root_gb: int = 1, **kwargs: Any
                ) -> objects.Flavor:
    flavor = objects.Flavor(flavorid=flavorid, name=name,
                            memory_mb=memory_mb, vcpus=vcpus,
                            root_gb=root_gb, ephemeral_gb=0, swap=0,
                            rxtx_factor=1.0, is_public=True, disabled=False,
                            extra_specs={})
    for key, value in kwargs.items():
        setattr(flavor, key, value)
    return flavor


def default_flavors() -> list[objects.Flavor]:
    return [make_flavor('1', 'm1.tiny', 512, 1, 1),
            make_flavor('2', 'm1.small', 2048, 1, 20),
            make_flavor('3', 'm1.medium', 4096, 2, 40),
            make_flavor('4', 'm1.private', 1024, 1, 10, is_public=False),
            make_flavor('5', 'm1.disabled', 1024, 1, 10, disabled=True)]


class FakeComputeAPI(fake_server_actions.ServerActionsMixin,
                     fake_registry.RegistryMixin,
                     fake_admin_actions.AdminActionsMixin,
                     fake_groups.ServerGroupsMixin):
    """Keeps instances in a dict; records what it was asked."""

    def __init__(self, flavors: list[objects.Flavor] | None = None) -> None:
        self.flavors = {f.flavorid: f for f in
                        (flavors if flavors is not None
                         else default_flavors())}
        self.instances: dict[str, objects.Instance] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.server_groups: dict[str, list[str]] = {}
        self.clock = T0
        self.images: dict[str, dict[str, Any]] = {}
        self.keypairs: dict[tuple[str, str], dict[str, Any]] = {}
        self.actions: dict[str, list[dict[str, Any]]] = {}
        self.old_flavors: dict[str, objects.Flavor] = {}
        self.metadata_items = 128
        # Flavor access: flavorid -> projects that may use it (private).
        self.flavor_access: dict[str, set[str]] = {}
        self.console_log = '\n'.join(f'line {i}' for i in range(1, 11))
        self.add_image(id=IMAGE, name='cirros', owner='admin',
                       created_at=T0, updated_at=T0)

    # -- helpers for tests -------------------------------------------------

    def add_instance(self, project_id: str = 'proj1', user_id: str = 'alice',
                     name: str = 'vm', **fields: Any) -> objects.Instance:
        self.clock += datetime.timedelta(seconds=1)
        values: dict[str, Any] = {
            'uuid': str(uuid.uuid4()), 'display_name': name,
            'project_id': project_id, 'user_id': user_id,
            'vm_state': vm_states.ACTIVE, 'task_state': None,
            'power_state': power_state.RUNNING,
            'host': 'host1', 'node': 'node1',
            'cell_name': 'api!cell1', 'availability_zone': 'nova',
            'image_ref': '155d900f-4e14-4e4c-a73d-069cbf4541e6',
            'flavor': self.flavors['1'], 'key_name': None, 'metadata': {},
            'network_info': [], 'launched_at': None, 'terminated_at': None,
            'created_at': self.clock, 'updated_at': self.clock,
            'access_ip_v4': None, 'access_ip_v6': None,
            'auto_disk_config': False, 'progress': 0,
            'locked': False, 'locked_by': None,
            'fault': None,
            'deleted': False, 'id': len(self.instances) + 1}
        values.update(fields)
        instance = objects.Instance(**values)
        self.instances[instance.uuid] = instance
        return instance

    def last_call(self, name: str) -> dict[str, Any]:
        return [kwargs for method, kwargs in self.calls if method == name][-1]

    # -- the contract ------------------------------------------------------

    def create(self, context: Any, flavor: objects.Flavor, image_href: str,
               display_name: str, *, min_count: int = 1,
               max_count: int = 1, **kwargs: Any
               ) -> tuple[list[objects.Instance], str]:
        self.calls.append(('create', dict(
            flavor=flavor, image_href=image_href, display_name=display_name,
            min_count=min_count, max_count=max_count, **kwargs)))
        self.check_metadata(len(kwargs.get('metadata') or {}))
        for name in kwargs.get('security_groups') or ():
            if name not in fake_admin_actions.GROUP_IDS:
                raise exception.SecurityGroupNotFoundForProject(
                    security_group_id=name, project_id=context.project_id)
        if image_href not in self.images:
            raise exception.ImageNotFound(image_id=image_href)
        key_name = kwargs.get('key_name')
        if key_name is not None and \
                (context.user_id, key_name) not in self.keypairs:
            raise fake_exc.KeypairNotFound(name=key_name,
                                           user_id=context.user_id)
        group_uuid = (kwargs.get('scheduler_hints') or {}).get('group')
        group = group_uuid and self.server_group_get(context, group_uuid)
        reservation_id = f'r-{uuid.uuid4().hex[:8]}'
        instances = [
            self.add_instance(
                context.project_id, context.user_id, display_name,
                flavor=flavor, image_ref=image_href,
                vm_state=vm_states.BUILDING,
                task_state=task_states.SCHEDULING,
                power_state=power_state.NOSTATE, host=None, node=None,
                key_name=kwargs.get('key_name'),
                metadata=kwargs.get('metadata') or {},
                access_ip_v4=kwargs.get('access_ip_v4'),
                access_ip_v6=kwargs.get('access_ip_v6'),
                auto_disk_config=bool(kwargs.get('auto_disk_config')),
                availability_zone=kwargs.get('availability_zone'),
                reservation_id=reservation_id,
                display_description=kwargs.get('description'),
                tags=sorted(set(kwargs.get('tags') or ())))
            for _ in range(max_count)]
        for instance in instances:
            self.server_groups[instance.uuid] = list(
                kwargs.get('security_groups') or ['default'])
        if group:
            self._groups()[group['uuid']]['members'].extend(
                i.uuid for i in instances)
        return instances, reservation_id

    def update_instance_tags(self, context: Any, instance: objects.Instance,
                             tags: list[str]) -> list[str]:
        self.calls.append(('update_instance_tags', {'tags': list(tags)}))
        if instance.vm_state not in (vm_states.ACTIVE, vm_states.STOPPED):
            raise exception.InstanceInvalidState(
                method='update tags', instance_uuid=instance.uuid,
                attr='vm_state', state=instance.vm_state)
        if len(set(tags)) > 50:
            raise exception.InvalidInput(
                reason='The number of tags exceeded the per-server limit 50')
        instance.tags = sorted(set(tags))
        return list(instance.tags)

    def flavor_update_description(self, context: Any, flavorid: str,
                                  description: str | None
                                  ) -> objects.Flavor:
        flavor = self.flavors.get(flavorid)
        if flavor is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        flavor.description = description
        return flavor

    def get(self, context: Any, instance_uuid: str) -> objects.Instance:
        self.calls.append(('get', {'uuid': instance_uuid}))
        try:
            return self.instances[instance_uuid]
        except KeyError:
            raise exception.InstanceNotFound(
                instance_id=instance_uuid) from None

    def get_all(self, context: Any, search_opts: dict[str, Any],
                limit: int | None = None, marker: str | None = None
                ) -> list[objects.Instance]:
        self.calls.append(('get_all', {'search_opts': dict(search_opts),
                                           'limit': limit, 'marker': marker,
                                           'context': context}))
        found = [i for i in self.instances.values()
                 if self._matches(i, search_opts)]
        # Newest first, as Nova sorts by default.
        found.sort(key=lambda i: i.created_at, reverse=True)
        if marker is not None:
            uuids = [i.uuid for i in found]
            if marker not in uuids:
                raise exception.InstanceNotFound(instance_id=marker)
            found = found[uuids.index(marker) + 1:]
        return found if limit is None else found[:limit]

    def get_all_rows(self, context: Any, search_opts: dict[str, Any],
                     limit: int | None = None, marker: str | None = None,
                     columns: Any = None, expected_attrs: Any = None
                     ) -> list[dict[str, Any]]:
        return [dict(server_views.values_of(i), revision=self._revision(i))
                for i in self.get_all(context, search_opts, limit, marker)]

    def get_revisions(self, context: Any, search_opts: dict[str, Any],
                      limit: int | None = None, marker: str | None = None
                      ) -> list[tuple[str, int]]:
        return [(i.uuid, self._revision(i))
                for i in self.get_all(context, search_opts, limit, marker)]

    @staticmethod
    def _revision(instance: objects.Instance) -> int:
        # A digest of what the views read: it moves with every change, as
        # the database's revision does.
        return hash(repr(sorted(server_views.values_of(instance).items())))

    @staticmethod
    def _matches(instance: objects.Instance, opts: dict[str, Any]) -> bool:
        if 'uuid' in opts and instance.uuid not in opts['uuid']:
            return False
        if 'project_id' in opts and instance.project_id != opts['project_id']:
            return False
        if 'name' in opts and not re.search(opts['name'],
                                            instance.display_name):
            return False
        if 'vm_state' in opts and instance.vm_state not in opts['vm_state']:
            return False
        if opts.get('deleted') is False and instance.deleted:
            return False
        return not ('host' in opts and instance.host != opts['host'])

    def delete(self, context: Any, instance: objects.Instance) -> None:
        self.calls.append(('delete', {'uuid': instance.uuid}))
        if instance.locked:
            raise exception.InstanceInvalidState(
                method='delete', instance_uuid=instance.uuid,
                attr='locked', state='True')
        del self.instances[instance.uuid]

    def flavor_get_all(self, context: Any) -> list[objects.Flavor]:
        return list(self.flavors.values())

    def flavor_get(self, context: Any, flavorid: str) -> objects.Flavor:
        flavor = self.flavors.get(flavorid)
        if flavor is None or not (
                flavor.is_public or context.is_admin
                or context.project_id in self.flavor_access.get(flavorid,
                                                                ())):
            raise exception.FlavorNotFound(flavor_id=flavorid)
        return flavor
