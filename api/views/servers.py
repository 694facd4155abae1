"""How a server looks in responses, by microversion.

The detailed view merges what Nova 2.1 returns through its former
extensions (``OS-EXT-STS``, ``OS-SRV-USG``, ``OS-EXT-AZ``...). Host
attributes (``OS-EXT-SRV-ATTR``) are shown only when the controller says
the caller may see them.  Later microversions add fields (see
:data:`nova.api.api_version._HISTORY`): 2.3 more host attributes, 2.9
``locked``, 2.16 ``host_status``, 2.19 ``description``, 2.26 ``tags``, 2.47
the embedded flavor, 2.63 ``trusted_image_certificates``, 2.71
``server_groups``, 2.73 ``locked_reason``; from 2.75 an update or rebuild
answers the whole view.
"""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
from typing import Any

import orjson

from nova import objects
from nova.api import common
from nova.api import server_states
from nova.api import wsgi

COLLECTION = 'servers'

# What the views read of an instance: a listing asks the database for
# these columns and side tables only.
BASIC_COLUMNS = ('uuid', 'display_name')
DETAIL_COLUMNS = BASIC_COLUMNS + (
    'id', 'vm_state', 'task_state', 'power_state', 'project_id', 'user_id',
    'host', 'node', 'image_ref', 'flavor', 'created_at', 'updated_at',
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'key_name',
    'availability_zone',
    'launched_at', 'terminated_at', 'progress', 'revision',
    'display_description', 'locked', 'reservation_id', 'launch_index',
    'hostname', 'user_data', 'cell_name', 'scheduler_hints')
DETAIL_SIDE_TABLES = ('metadata', 'network_info', 'security_groups')


def detail_side_tables(req: wsgi.ApiRequest) -> tuple[str, ...]:
    """The side tables a detailed listing reads at the request's
    version: tags from 2.26, system metadata (the lock's reason) from
    2.73."""
    tables: tuple[str, ...] = DETAIL_SIDE_TABLES
    if req.at_least('2.26'):
        tables += ('tags',)
    if req.at_least('2.73'):
        tables += ('system_metadata',)
    return tables

_FAULT_STATUSES = ('ERROR', 'DELETED')
_PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                      'VERIFY_RESIZE', 'MIGRATING')
_DEFAULT_SECURITY_GROUPS = [{'name': 'default'}]
# The system metadata keys that hold what a server's image said.
_IMAGE_PREFIX = 'image_'

# The views render a server from a mapping: a row of
# ``compute_api.get_all_rows`` (a listing) or :func:`values_of` an
# instance object (a single server).
Server = Mapping[str, Any]


def values_of(instance: objects.Instance) -> dict[str, Any]:
    """What the views read of an instance object, as a row would hold it;
    fields left unset (instances from other cells may lack some) are
    missing."""
    values = {name: getattr(instance, name) for name in instance.fields
              if name not in ('flavor', 'fault')
              and instance.obj_attr_is_set(name)}
    flavor = _attr(instance, 'flavor')
    values['flavor'] = flavor.to_dict() if flavor is not None else None
    fault = _attr(instance, 'fault')
    values['fault'] = (
        {name: _attr(fault, name) for name in fault.fields}
        if fault is not None else None)
    return values


def _attr(obj: Any, name: str) -> Any:
    return getattr(obj, name) if obj.obj_attr_is_set(name) else None


def _get(server: Server, name: str, default: Any = None) -> Any:
    value = server.get(name)
    return default if value is None else value


def disk_config(auto_disk_config: bool | None) -> str:
    """``OS-DCF:diskConfig`` of a server: MANUAL unless set to AUTO."""
    return 'AUTO' if auto_disk_config else 'MANUAL'


def status(server: Server) -> str:
    return server_states.status_from_state(server.get('vm_state'),
                                           server.get('task_state'))


def host_id(server: Server) -> str:
    """An opaque host ID, unique per project so hosts stay private."""
    host = server.get('host')
    if not host:
        return ''
    data = (_get(server, 'project_id', '') + host).encode('utf-8')
    return hashlib.sha224(data).hexdigest()


def addresses(server: Server) -> dict[str, list[dict]]:
    """IP addresses grouped by network label."""
    result: dict[str, list[dict]] = {}
    for vif in server.get('network_info') or ():
        if not vif.get('address'):
            continue
        version = vif.get('version') or '4'
        address = {
            'version': int(version) if str(version).isdigit() else version,
            'addr': vif['address'],
            'OS-EXT-IPS:type': vif.get('type') or 'fixed',
        }
        # Nova's schema wants a MAC address here, never null: a VIF that
        # does not know its MAC shows none.
        if vif.get('mac'):
            address['OS-EXT-IPS-MAC:mac_addr'] = vif['mac']
        result.setdefault(vif.get('label') or '', []).append(address)
    return result


def fault(server: Server, is_admin: bool) -> dict[str, Any] | None:
    """The last fault; details of internal errors only for admins."""
    inst_fault = server.get('fault')
    if inst_fault is None:
        return None
    result = {
        'code': inst_fault['code'],
        'created': common.isotime(inst_fault.get('created_at')),
        'message': _get(inst_fault, 'message', ''),
    }
    details = inst_fault.get('details')
    # A 500's details are a traceback: operators only.
    if details and (is_admin or inst_fault['code'] != 500):
        result['details'] = details
    return result


def _extended_attributes(server: Server) -> dict[str, Any]:
    instance_id = server.get('id')
    return {
        'OS-EXT-SRV-ATTR:host': server.get('host'),
        'OS-EXT-SRV-ATTR:hypervisor_hostname': server.get('node'),
        'OS-EXT-SRV-ATTR:instance_name': (
            f'instance-{instance_id:08x}' if instance_id is not None
            else ''),
    }


def _more_extended_attributes(server: Server) -> dict[str, Any]:
    """The host attributes 2.3 added."""
    return {
        'OS-EXT-SRV-ATTR:reservation_id': server.get('reservation_id'),
        'OS-EXT-SRV-ATTR:launch_index': server.get('launch_index'),
        'OS-EXT-SRV-ATTR:kernel_id': '',
        'OS-EXT-SRV-ATTR:ramdisk_id': '',
        'OS-EXT-SRV-ATTR:hostname': server.get('hostname'),
        'OS-EXT-SRV-ATTR:root_device_name': None,
        'OS-EXT-SRV-ATTR:user_data': server.get('user_data'),
    }


def scheduler_hints(server: Server) -> dict[str, Any]:
    """The hints the server's create named, each value a list as Nova's
    request spec keeps them (2.100)."""
    text = server.get('scheduler_hints')
    hints = orjson.loads(text) if text else {}
    return {name: value if isinstance(value, list) else [value]
            for name, value in hints.items()}


def embedded_flavor(flavor: Mapping[str, Any],
                    show_extra_specs: bool) -> dict[str, Any]:
    """The flavor a server runs with, as 2.47 embeds it."""
    view: dict[str, Any] = {
        'vcpus': flavor.get('vcpus', 0),
        'ram': flavor.get('memory_mb', 0),
        'disk': flavor.get('root_gb') or 0,
        'ephemeral': flavor.get('ephemeral_gb') or 0,
        'swap': flavor.get('swap') or 0,
        'original_name': flavor.get('name', ''),
    }
    if show_extra_specs:
        view['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return view


class Renderer:
    """Renders the servers of one request.

    What repeats from server to server in a listing is worked out once:
    the link prefixes, the links of each image and flavor, the host ID
    of each (project, host).
    """

    def __init__(self, req: wsgi.ApiRequest,
                 show_host_attrs: bool = False,
                 show_extra_specs: bool = False,
                 host_status: Any = None) -> None:
        self.show_host_attrs = show_host_attrs
        self.is_admin = bool(req.context.is_admin)
        self.version = req.api_version
        self.show_extra_specs = show_extra_specs
        # host -> status, from the controller when the caller may see it
        # (2.16); None hides the field.
        self.host_status = host_status
        # What a server's view takes from the request: views made with
        # equal keys are interchangeable (see nova.api.views.cache).
        self.key = (req.prefix_url(), req.prefix_url(strip_version=True),
                    self.is_admin, show_host_attrs, self.version,
                    show_extra_specs)
        self.at_least = req.at_least
        # What a listing reads besides the instance rows.
        self.side_tables = detail_side_tables(req)
        self._servers = common.Links(req, COLLECTION)
        self._image_links = common.Links(req, 'images')
        self._flavor_links = common.Links(req, 'flavors')
        self._images: dict[str, tuple[str, str]] = {}
        self._host_ids: dict[tuple[str, str], str] = {}

    def basic(self, server: Server) -> dict[str, Any]:
        """The entry of a server in ``GET /servers``."""
        return {'id': server['uuid'],
                'name': _get(server, 'display_name', ''),
                'links': self._servers.of(server['uuid'])}

    def _image(self, server: Server) -> Any:
        image_ref = server.get('image_ref')
        if not image_ref:
            # Nova shows an empty string for servers booted from volume.
            return ''
        known = self._images.get(image_ref)
        if known is None:
            image_id = common.id_from_href(image_ref)
            known = self._images[image_ref] = (
                image_id, self._image_links.bookmark(image_id))
        return {'id': known[0],
                'links': [{'rel': 'bookmark', 'href': known[1]}]}

    def _image_with_properties(self, server: Server) -> Any:
        """The image; from 2.98 with the properties the server was built
        from (its ``image_*`` system metadata, prefix dropped)."""
        image = self._image(server)
        if image and self.at_least('2.98'):
            image = dict(image, properties={
                key[len(_IMAGE_PREFIX):]: value for key, value in
                (server.get('system_metadata') or {}).items()
                if key.startswith(_IMAGE_PREFIX)})
        return image

    def _flavor(self, server: Server) -> dict[str, Any]:
        flavor = server.get('flavor')
        if self.at_least('2.47'):
            return embedded_flavor(flavor or {}, self.show_extra_specs)
        if not flavor:
            return {'id': '', 'links': []}
        flavor_id = flavor['flavorid']
        return {'id': flavor_id,
                'links': [{'rel': 'bookmark',
                           'href': self._flavor_links.bookmark(flavor_id)}]}

    def _host_id(self, server: Server) -> str:
        key = (_get(server, 'project_id', ''), server.get('host') or '')
        known = self._host_ids.get(key)
        if known is None:
            known = self._host_ids[key] = host_id(server)
        return known

    def detail(self, server: Server) -> dict[str, Any]:
        """The full view of one server, as ``GET /servers/{id}`` shows
        it."""
        uuid = server['uuid']
        view = {
            'id': uuid,
            'name': _get(server, 'display_name', ''),
            'status': status(server),
            'tenant_id': _get(server, 'project_id', ''),
            'user_id': _get(server, 'user_id', ''),
            'metadata': dict(_get(server, 'metadata', {})),
            'hostId': self._host_id(server),
            'image': self._image_with_properties(server),
            'flavor': self._flavor(server),
            'created': common.isotime(server.get('created_at')),
            # A row never updated since its creation has no updated_at;
            # Nova shows the creation time then, never null.
            'updated': common.isotime(server.get('updated_at')
                                      or server.get('created_at')),
            'addresses': addresses(server),
            'accessIPv4': _get(server, 'access_ip_v4', ''),
            'accessIPv6': _get(server, 'access_ip_v6', ''),
            'links': self._servers.of(uuid),
            'OS-DCF:diskConfig': disk_config(server.get('auto_disk_config')),
            'key_name': server.get('key_name'),
            'config_drive': '',
            'OS-EXT-AZ:availability_zone': _get(
                server, 'availability_zone', ''),
            'OS-EXT-STS:vm_state': server.get('vm_state'),
            'OS-EXT-STS:task_state': server.get('task_state'),
            'OS-EXT-STS:power_state': _get(server, 'power_state', 0),
            'OS-SRV-USG:launched_at': common.naive_isotime(
                server.get('launched_at')),
            'OS-SRV-USG:terminated_at': common.naive_isotime(
                server.get('terminated_at')),
            'security_groups': security_groups(server),
            'os-extended-volumes:volumes_attached': [],
        }
        if not view['security_groups']:
            # Nova shows the key only for a server in some group.
            del view['security_groups']
        if view['status'] in _FAULT_STATUSES:
            server_fault = fault(server, self.is_admin)
            if server_fault:
                view['fault'] = server_fault
        if view['status'] in _PROGRESS_STATUSES:
            view['progress'] = _get(server, 'progress', 0)
        if self.show_host_attrs:
            view.update(_extended_attributes(server))
            if self.at_least('2.3'):
                view.update(_more_extended_attributes(server))
        if self.at_least('2.90'):
            # Every caller sees the hostname it may now set.
            view['OS-EXT-SRV-ATTR:hostname'] = server.get('hostname')
        view.update(self._versioned_fields(server))
        return view

    def _versioned_fields(self, server: Server) -> dict[str, Any]:
        """The fields microversions added to the detailed view."""
        fields: dict[str, Any] = {}
        if self.at_least('2.9'):
            fields['locked'] = bool(server.get('locked'))
        if self.at_least('2.16') and self.host_status is not None:
            fields['host_status'] = self.host_status(server)
        if self.at_least('2.19'):
            fields['description'] = server.get('display_description')
        if self.at_least('2.26'):
            fields['tags'] = list(server.get('tags') or [])
        if self.at_least('2.63'):
            # Signatures are not verified here: none is ever stored.
            fields['trusted_image_certificates'] = None
        if self.at_least('2.73'):
            fields['locked_reason'] = (
                (server.get('system_metadata') or {}).get('locked_reason'))
        if self.at_least('2.100'):
            fields['scheduler_hints'] = scheduler_hints(server)
        if self.at_least('2.96'):
            fields['pinned_availability_zone'] = (
                (server.get('system_metadata') or {}).get(
                    'pinned_availability_zone'))
        return fields


def security_groups(server: Server) -> list[dict[str, str]]:
    """The groups of a server by name; ``default`` for a server whose
    groups were not read."""
    names = server.get('security_groups')
    if names is None:
        return list(_DEFAULT_SECURITY_GROUPS)
    return [{'name': name} for name in names]


def basic(req: wsgi.ApiRequest, server: Server) -> dict[str, Any]:
    """The entry of a server in ``GET /servers``."""
    return Renderer(req).basic(server)


def detail(req: wsgi.ApiRequest, server: Server, *,
           show_host_attrs: bool = False) -> dict[str, Any]:
    """The full view of one server, as ``GET /servers/{id}`` shows it."""
    return Renderer(req, show_host_attrs).detail(server)


def created(req: wsgi.ApiRequest, instance: objects.Instance,
            security_groups: list[dict[str, str]] | None,
            admin_pass: str) -> dict[str, Any]:
    """The body of ``202 Accepted`` after ``POST /servers``."""
    return {'server': {
        'id': instance.uuid,
        'links': common.links(req, COLLECTION, instance.uuid),
        'OS-DCF:diskConfig': disk_config(_attr(instance, 'auto_disk_config')),
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


# What 2.9 to 2.73 added to the answer of an update or rebuild.
_VERSIONED_BASE_KEYS = ('locked', 'description', 'tags',
                        'trusted_image_certificates', 'locked_reason')


def base(req: wsgi.ApiRequest, instance: objects.Instance,
         full: dict[str, Any] | None = None) -> dict[str, Any]:
    """The server in the response to ``PUT /servers/{id}`` and rebuild:
    from 2.75 the whole view (``full``, as ``GET`` shows it), before
    that the core attributes and the fields microversions added."""
    if full is None:
        full = detail(req, values_of(instance))
    if req.at_least('2.71'):
        # full_view gives the server's groups; a bare detail none.
        full.setdefault('server_groups', [])
    if req.at_least('2.75'):
        return full
    server = {key: full[key] for key in _BASE_KEYS + _VERSIONED_BASE_KEYS
              if key in full}
    if 'server_groups' in full:
        server['server_groups'] = full['server_groups']
    server['addresses'] = {
        label: [{key: addr[key] for key in _BASE_ADDRESS_KEYS}
                for addr in addrs]
        for label, addrs in full['addresses'].items()}
    return server
