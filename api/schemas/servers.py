"""Request schemas of ``/servers``, by microversion.

:func:`create_for` and :func:`index_query_for` build the schema of a
version from the 2.1 one (:data:`create`, :data:`index_query`) with what
later versions changed (see :data:`nova.api.api_version._HISTORY`).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from nova.api.api_version import APIVersion
from nova.api.schemas import parameter_types as types

_network = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string'},
        'port': {'oneOf': [types.uuid, {'type': 'null'}]},
        'fixed_ip': types.ip_address,
    },
    'additionalProperties': False,
}

_uuid_or_list = {'oneOf': [types.uuid,
                           {'type': 'array', 'items': types.uuid}]}

_scheduler_hints = {
    'type': 'object',
    'properties': {
        'group': types.uuid,
        'same_host': _uuid_or_list,
        'different_host': _uuid_or_list,
        'target_cell': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'query': {'type': ['string', 'object']},
    },
    # Custom scheduler filters read hints of their own.
    'additionalProperties': True,
}

# A block device of the request: only the one an image boot makes (the
# image copied to a local disk) can be honoured without a volume service.
_block_device_mapping = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'maxLength': 255},
        'source_type': {'type': 'string',
                        'enum': ['volume', 'image', 'snapshot', 'blank']},
        'destination_type': {'type': 'string',
                             'enum': ['local', 'volume']},
        'boot_index': {'type': ['integer', 'string', 'null']},
        'delete_on_termination': types.boolean,
    },
    'additionalProperties': True,
}

create = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': types.name,
                # A UUID or a link to the image; checked by the controller.
                'imageRef': {'type': 'string', 'maxLength': 2048},
                'flavorRef': {'type': ['string', 'integer'],
                              'minLength': 1},
                'adminPass': {'type': 'string'},
                'metadata': types.metadata,
                # 'auto' and 'none' came with 2.37; accepting them early
                # costs nothing since this API allocates networks itself.
                'networks': {'oneOf': [
                    {'type': 'string', 'enum': ['auto', 'none']},
                    {'type': 'array', 'items': _network},
                ]},
                'OS-DCF:diskConfig': {'type': 'string',
                                      'enum': ['AUTO', 'MANUAL']},
                'accessIPv4': types.ipv4,
                'accessIPv6': types.ipv6,
                'availability_zone': types.name,
                'config_drive': types.boolean,
                'key_name': types.name,
                'min_count': types.positive_integer,
                'max_count': types.positive_integer,
                'return_reservation_id': types.boolean,
                'security_groups': {
                    'type': 'array',
                    'items': {
                        'type': 'object',
                        'properties': {'name': types.name},
                        'additionalProperties': False,
                    },
                },
                'user_data': {'type': 'string', 'format': 'base64',
                              'maxLength': 65535},
                'block_device_mapping_v2': {
                    'type': 'array', 'items': _block_device_mapping},
            },
            'required': ['name', 'flavorRef'],
            'additionalProperties': False,
        },
        'os:scheduler_hints': _scheduler_hints,
        'OS-SCH-HNT:scheduler_hints': _scheduler_hints,
    },
    'required': ['server'],
    'additionalProperties': False,
}

index_query = {
    'type': 'object',
    'properties': {
        'limit': types.single_query_param(types.non_negative_integer),
        'marker': types.single_query_param({'type': 'string'}),
        'all_tenants': types.query_boolean,
        'deleted': types.query_boolean,
        'changes-since': types.single_query_param({'type': 'string'}),
        'name': types.query_regex,
        'status': types.query_string,
        'image': types.query_string,
        'flavor': types.query_string,
        'host': types.query_string,
        'node': types.query_string,
        'ip': types.query_string,
        'reservation_id': types.query_string,
        'tenant_id': types.query_string,
        'project_id': types.query_string,
        'user_id': types.query_string,
        'availability_zone': types.query_string,
        # Administrators' filters at every version, everyone's from 2.83.
        'config_drive': types.query_regex,
        'key_name': types.query_regex,
        'created_at': types.query_regex,
        'launched_at': types.query_regex,
        'terminated_at': types.query_regex,
        'power_state': types.query_regex,
        'task_state': types.query_string,
        'vm_state': types.query_string,
        'progress': types.query_regex,
    },
    # Unknown filters are dropped, as Nova does in 2.1.
    'additionalProperties': True,
}


def _v(text: str) -> APIVersion:
    return APIVersion.parse(text)


_personality = {
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {'path': {'type': 'string'},
                       'contents': {'type': 'string', 'format': 'base64'}},
        'additionalProperties': False,
    },
}


@functools.cache
def create_for(version: APIVersion) -> dict[str, Any]:
    """The body of ``POST /servers`` at ``version``."""
    schema: Any = copy.deepcopy(create)
    server = schema['properties']['server']
    props = server['properties']
    network = props['networks']['oneOf'][1]['items']
    if version < _v('2.57'):
        # Accepted and not injected (no config drive or agent here).
        props['personality'] = _personality
    if version >= _v('2.19'):
        props['description'] = types.description
    if _v('2.32') <= version < _v('2.37') or version >= _v('2.42'):
        network['properties']['tag'] = types.device_tag
    if version >= _v('2.37'):
        server['required'] = server['required'] + ['networks']
        network['properties']['uuid'] = types.uuid
    if version >= _v('2.52'):
        props['tags'] = types.tags
    if version >= _v('2.63'):
        props['trusted_image_certificates'] = types.trusted_certs
    if version >= _v('2.74'):
        props['host'] = types.hostname
        props['hypervisor_hostname'] = types.hostname
    if version >= _v('2.90'):
        props['hostname'] = types.server_hostname_at(version)
    return schema


# Accepted from 2.75 (and ignored unless this API uses them), as Nova's
# strict query schema lists them; anything else is a 400 from 2.75 on.
_STRICT_IGNORED = (
    'sort_key', 'sort_dir', 'access_ip_v4', 'access_ip_v6',
    'uuid', 'hostname', 'description',
    'auto_disk_config', 'launch_index', 'kernel_id', 'ramdisk_id',
    'root_device_name', 'locked_by', 'image_ref', 'soft_deleted')


@functools.cache
def index_query_for(version: APIVersion) -> dict[str, Any]:
    """The query of ``GET /servers`` (and ``/detail``) at ``version``."""
    schema: Any = copy.deepcopy(index_query)
    props = schema['properties']
    props['ip6'] = types.query_string
    if version >= _v('2.26'):
        for name in ('tags', 'tags-any', 'not-tags', 'not-tags-any'):
            props[name] = types.query_string
    if version >= _v('2.66'):
        props['changes-before'] = types.single_query_param(
            {'type': 'string'})
    if version >= _v('2.73'):
        props['locked'] = types.query_boolean
    if version >= _v('2.75'):
        for name in _STRICT_IGNORED:
            props.setdefault(name, types.query_string)
        schema['additionalProperties'] = False
    return schema
