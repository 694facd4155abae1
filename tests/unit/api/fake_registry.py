"""Registries of the fake compute API: images, key pairs, flavor
administration and instance actions, in dicts."""

from __future__ import annotations

import base64
import datetime
import hashlib
import string
from typing import TYPE_CHECKING
from typing import Any
import uuid

from nova import exception
from nova import objects
from nova.tests.unit.api import fake_exceptions as fake_exc

IMAGE = '155d900f-4e14-4e4c-a73d-069cbf4541e6'
_SAFE_KEY_NAME = set(string.ascii_letters + string.digits + '_- @.')


def fingerprint(public_key: str) -> str:
    """The MD5 fingerprint ``aa:bb:...`` of an OpenSSH public key."""
    try:
        body = base64.b64decode(public_key.split()[1], validate=True)
    except (IndexError, ValueError):
        raise fake_exc.InvalidKeypair(
            reason='failed to generate fingerprint') from None
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


class RegistryMixin:
    """The registry half of :class:`fakes.FakeComputeAPI`."""

    flavors: dict[str, objects.Flavor]
    flavor_access: dict[str, set[str]]
    images: dict[str, dict[str, Any]]
    keypairs: dict[tuple[str, str], dict[str, Any]]
    actions: dict[str, list[dict[str, Any]]]
    calls: list[tuple[str, dict[str, Any]]]
    clock: datetime.datetime

    if TYPE_CHECKING:
        def check_metadata(self, count: int) -> None: ...

    # -- images ------------------------------------------------------------

    def add_image(self, **values: Any) -> dict[str, Any]:
        if 'created_at' not in values:
            self.clock += datetime.timedelta(seconds=1)
        image = {'id': str(uuid.uuid4()), 'name': 'image',
                 'status': 'active', 'created_at': self.clock,
                 'updated_at': self.clock, 'min_disk': 0, 'min_ram': 0,
                 'size': 1024, 'properties': {}, 'owner': 'proj1',
                 'is_public': True}
        image.update(values)
        self.images[image['id']] = image
        return image

    def image_get_all(self, context: Any) -> list[dict[str, Any]]:
        return [dict(image) for image in self.images.values()]

    def image_get(self, context: Any, image_id: str) -> dict[str, Any]:
        try:
            return dict(self.images[image_id])
        except KeyError:
            raise exception.ImageNotFound(
                image_id=image_id) from None

    def image_create(self, context: Any,
                     values: dict[str, Any]) -> dict[str, Any]:
        return self.add_image(**values)

    def image_delete(self, context: Any, image_id: str) -> None:
        self.calls.append(('image_delete', {'image_id': image_id}))
        self.image_get(context, image_id)
        del self.images[image_id]

    def image_set_properties(self, context: Any, image_id: str,
                             properties: dict[str, str]) -> dict[str, Any]:
        self.calls.append(('image_set_properties',
                           {'image_id': image_id, 'properties': properties}))
        image = self.image_get(context, image_id)
        if not context.is_admin and image['owner'] != context.project_id:
            raise exception.Forbidden(
                f'Not authorized for image {image_id}.')
        self.check_metadata(len(properties))
        self.images[image_id]['properties'] = dict(properties)
        return dict(self.images[image_id])

    # -- key pairs ---------------------------------------------------------

    def keypair_create(self, context: Any, user_id: str, name: str,
                       public_key: str | None = None,
                       key_type: str = 'ssh'
                       ) -> tuple[dict[str, Any], str | None]:
        if not set(name) <= _SAFE_KEY_NAME:
            raise fake_exc.InvalidKeypair(
                reason='Keypair name contains unsafe characters')
        if (user_id, name) in self.keypairs:
            raise fake_exc.KeyPairExists(key_name=name)
        private_key = None
        if public_key is None:
            body = base64.b64encode(hashlib.sha256(
                f'{user_id}/{name}'.encode()).digest()).decode()
            public_key = f'ssh-rsa {body} Generated-by-Nova'
            private_key = ('-----BEGIN RSA PRIVATE KEY-----\n'
                           f'{body}\n-----END RSA PRIVATE KEY-----\n')
        self.clock += datetime.timedelta(seconds=1)
        keypair = {'name': name, 'user_id': user_id, 'type': key_type,
                   'public_key': public_key,
                   'fingerprint': fingerprint(public_key),
                   'created_at': self.clock, 'id': len(self.keypairs) + 1}
        self.keypairs[(user_id, name)] = keypair
        return dict(keypair), private_key

    def keypair_get_all(self, context: Any,
                        user_id: str) -> list[dict[str, Any]]:
        return [dict(kp) for (owner, _name), kp in self.keypairs.items()
                if owner == user_id]

    def keypair_get(self, context: Any, user_id: str,
                    name: str) -> dict[str, Any]:
        try:
            return dict(self.keypairs[(user_id, name)])
        except KeyError:
            raise fake_exc.KeypairNotFound(name=name,
                                           user_id=user_id) from None

    def keypair_delete(self, context: Any, user_id: str, name: str) -> None:
        self.keypair_get(context, user_id, name)
        del self.keypairs[(user_id, name)]

    # -- flavor administration ---------------------------------------------

    def flavor_create(self, context: Any,
                      values: dict[str, Any]) -> objects.Flavor:
        self.calls.append(('flavor_create', dict(values)))
        values = dict(values)
        flavorid = values.pop('flavorid') or str(uuid.uuid4())
        if any(f.name == values['name'] for f in self.flavors.values()):
            raise fake_exc.FlavorExists(name=values['name'])
        if flavorid in self.flavors:
            raise fake_exc.FlavorIdExists(flavor_id=flavorid)
        flavor = objects.Flavor(flavorid=flavorid, disabled=False,
                                extra_specs={}, **values)
        self.flavors[flavorid] = flavor
        return flavor

    def flavor_access_list(self, context: Any, flavorid: str) -> list[str]:
        return sorted(self.flavor_access.get(flavorid, ()))

    def flavor_access_add(self, context: Any, flavorid: str,
                          project_id: str) -> list[str]:
        given = self.flavor_access.setdefault(flavorid, set())
        if project_id in given:
            raise exception.FlavorAccessExists(flavor_id=flavorid,
                                               project_id=project_id)
        given.add(project_id)
        return self.flavor_access_list(context, flavorid)

    def flavor_access_remove(self, context: Any, flavorid: str,
                             project_id: str) -> list[str]:
        given = self.flavor_access.get(flavorid, set())
        if project_id not in given:
            raise exception.FlavorAccessNotFound(flavor_id=flavorid,
                                                 project_id=project_id)
        given.discard(project_id)
        return self.flavor_access_list(context, flavorid)

    def flavors_accessible(self, context: Any) -> set[str]:
        return {f for f, projects in self.flavor_access.items()
                if context.project_id in projects}

    def flavor_delete(self, context: Any, flavorid: str) -> None:
        if flavorid not in self.flavors:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        del self.flavors[flavorid]

    def flavor_extra_specs_update(self, context: Any, flavorid: str,
                                  specs: dict[str, str]) -> dict[str, str]:
        self.calls.append(('flavor_extra_specs_update',
                           {'flavorid': flavorid, 'specs': dict(specs)}))
        flavor = self.flavors[flavorid]
        flavor.extra_specs = dict(flavor.extra_specs, **specs)
        return dict(flavor.extra_specs)

    def flavor_extra_spec_delete(self, context: Any, flavorid: str,
                                 key: str) -> None:
        flavor = self.flavors[flavorid]
        specs = dict(flavor.extra_specs)
        del specs[key]
        flavor.extra_specs = specs

    # -- instance actions --------------------------------------------------

    def get_instance_actions(self, context: Any,
                             instance_uuid: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in action.items() if k != 'events'}
                for action in self.actions.get(instance_uuid, [])]

    def get_instance_action(self, context: Any, instance_uuid: str,
                            request_id: str) -> dict[str, Any]:
        for action in self.actions.get(instance_uuid, []):
            if action['request_id'] == request_id:
                return dict(action)
        raise fake_exc.InstanceActionNotFound(request_id=request_id,
                                              instance_uuid=instance_uuid)
