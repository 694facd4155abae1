"""How a server looks in responses (microversion 2.1).

The detailed view merges what Nova 2.1 returns through its former
extensions (``OS-EXT-STS``, ``OS-SRV-USG``, ``OS-EXT-AZ``...). Host
attributes (``OS-EXT-SRV-ATTR``) are shown only when the controller says
the caller may see them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nova import objects
from nova.api import common
from nova.api import server_states
from nova.api import wsgi

COLLECTION = 'servers'

_FAULT_STATUSES = ('ERROR', 'DELETED')
_PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                      'VERIFY_RESIZE', 'MIGRATING')
_DEFAULT_SECURITY_GROUPS = [{'name': 'default'}]


def _get(instance: objects.Instance, name: str, default: Any = None) -> Any:
    # Instances from other cells may arrive with fields left unset.
    if instance.obj_attr_is_set(name):
        value = getattr(instance, name)
        return default if value is None else value
    return default


def status(instance: objects.Instance) -> str:
    return server_states.status_from_state(_get(instance, 'vm_state'),
                                           _get(instance, 'task_state'))


def basic(req: wsgi.ApiRequest, instance: objects.Instance
          ) -> dict[str, Any]:
    """The entry of a server in ``GET /servers``."""
    return {
        'id': instance.uuid,
        'name': _get(instance, 'display_name', ''),
        'links': common.links(req, COLLECTION, instance.uuid),
    }


def host_id(instance: objects.Instance) -> str:
    """An opaque host ID, unique per project so hosts stay private."""
    host = _get(instance, 'host')
    if not host:
        return ''
    data = (_get(instance, 'project_id', '') + host).encode('utf-8')
    return hashlib.sha224(data).hexdigest()


def _image(req: wsgi.ApiRequest, instance: objects.Instance) -> Any:
    image_ref = _get(instance, 'image_ref', '')
    if not image_ref:
        # Nova shows an empty string for servers booted from volume.
        return ''
    image_id = common.id_from_href(image_ref)
    return {'id': image_id,
            'links': [{'rel': 'bookmark',
                       'href': common.bookmark(req, 'images', image_id)}]}


def _flavor(req: wsgi.ApiRequest, instance: objects.Instance
            ) -> dict[str, Any]:
    flavor = _get(instance, 'flavor')
    if flavor is None:
        return {'id': '', 'links': []}
    return {'id': flavor.flavorid,
            'links': [{'rel': 'bookmark',
                       'href': common.bookmark(req, 'flavors',
                                               flavor.flavorid)}]}


def addresses(instance: objects.Instance) -> dict[str, list[dict]]:
    """IP addresses grouped by network label."""
    result: dict[str, list[dict]] = {}
    for vif in _get(instance, 'network_info', []):
        if not vif.get('address'):
            continue
        version = vif.get('version') or '4'
        result.setdefault(vif.get('label') or '', []).append({
            'version': int(version) if str(version).isdigit() else version,
            'addr': vif['address'],
            'OS-EXT-IPS:type': vif.get('type') or 'fixed',
            'OS-EXT-IPS-MAC:mac_addr': vif.get('mac'),
        })
    return result


def fault(instance: objects.Instance, is_admin: bool
          ) -> dict[str, Any] | None:
    """The last fault; details of internal errors only for admins."""
    inst_fault = _get(instance, 'fault')
    if inst_fault is None:
        return None
    result = {
        'code': inst_fault.code,
        'created': common.isotime(_get(inst_fault, 'created_at')),
        'message': _get(inst_fault, 'message', ''),
    }
    details = _get(inst_fault, 'details')
    # A 500's details are a traceback: operators only.
    if details and (is_admin or inst_fault.code != 500):
        result['details'] = details
    return result


def _extended_attributes(instance: objects.Instance) -> dict[str, Any]:
    instance_id = _get(instance, 'id')
    return {
        'OS-EXT-SRV-ATTR:host': _get(instance, 'host'),
        'OS-EXT-SRV-ATTR:hypervisor_hostname': _get(instance, 'node'),
        'OS-EXT-SRV-ATTR:instance_name': (
            f'instance-{instance_id:08x}' if instance_id is not None
            else ''),
    }


def detail(req: wsgi.ApiRequest, instance: objects.Instance, *,
           show_host_attrs: bool = False) -> dict[str, Any]:
    """The full view of one server, as ``GET /servers/{id}`` shows it."""
    server = {
        'id': instance.uuid,
        'name': _get(instance, 'display_name', ''),
        'status': status(instance),
        'tenant_id': _get(instance, 'project_id', ''),
        'user_id': _get(instance, 'user_id', ''),
        'metadata': dict(_get(instance, 'metadata', {})),
        'hostId': host_id(instance),
        'image': _image(req, instance),
        'flavor': _flavor(req, instance),
        'created': common.isotime(_get(instance, 'created_at')),
        'updated': common.isotime(_get(instance, 'updated_at')),
        'addresses': addresses(instance),
        'accessIPv4': _get(instance, 'access_ip_v4', ''),
        'accessIPv6': '',
        'links': common.links(req, COLLECTION, instance.uuid),
        'OS-DCF:diskConfig': 'MANUAL',
        'key_name': _get(instance, 'key_name'),
        'config_drive': '',
        'OS-EXT-AZ:availability_zone': _get(instance, 'availability_zone',
                                            ''),
        'OS-EXT-STS:vm_state': _get(instance, 'vm_state'),
        'OS-EXT-STS:task_state': _get(instance, 'task_state'),
        'OS-EXT-STS:power_state': _get(instance, 'power_state', 0),
        'OS-SRV-USG:launched_at': common.naive_isotime(
            _get(instance, 'launched_at')),
        'OS-SRV-USG:terminated_at': common.naive_isotime(
            _get(instance, 'terminated_at')),
        'security_groups': list(_DEFAULT_SECURITY_GROUPS),
        'os-extended-volumes:volumes_attached': [],
    }
    if server['status'] in _FAULT_STATUSES:
        server_fault = fault(instance, bool(req.context.is_admin))
        if server_fault:
            server['fault'] = server_fault
    if server['status'] in _PROGRESS_STATUSES:
        server['progress'] = _get(instance, 'progress', 0)
    if show_host_attrs:
        server.update(_extended_attributes(instance))
    return server


def created(req: wsgi.ApiRequest, instance: objects.Instance,
            security_groups: list[dict[str, str]] | None,
            admin_pass: str) -> dict[str, Any]:
    """The body of ``202 Accepted`` after ``POST /servers``."""
    return {'server': {
        'id': instance.uuid,
        'links': common.links(req, COLLECTION, instance.uuid),
        'OS-DCF:diskConfig': 'MANUAL',
        'security_groups': security_groups or list(_DEFAULT_SECURITY_GROUPS),
        'adminPass': admin_pass,
    }}


# What Nova 2.1 shows after a rename or a rebuild: the core attributes
# only, before the former extensions add theirs (they did so for GET).
_BASE_KEYS = ('id', 'name', 'status', 'tenant_id', 'user_id', 'metadata',
              'hostId', 'image', 'flavor', 'created', 'updated',
              'addresses', 'accessIPv4', 'accessIPv6', 'links',
              'OS-DCF:diskConfig', 'fault', 'progress')
_BASE_ADDRESS_KEYS = ('version', 'addr')


def base(req: wsgi.ApiRequest, instance: objects.Instance
         ) -> dict[str, Any]:
    """The server in the response to ``PUT /servers/{id}`` and rebuild."""
    full = detail(req, instance)
    server = {key: full[key] for key in _BASE_KEYS if key in full}
    server['addresses'] = {
        label: [{key: addr[key] for key in _BASE_ADDRESS_KEYS}
                for addr in addrs]
        for label, addrs in full['addresses'].items()}
    return server
