"""Request schemas of ``POST /servers/{id}/action`` and ``PUT
/servers/{id}`` (microversion 2.1).

Actions that take no arguments (``os-stop``, ``pause``, ``lock``...) have
no schema: Nova 2.1 ignores their value, usually ``null``.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from nova.api.api_version import APIVersion
from nova.api.schemas import parameter_types as types

Schema = dict[str, Any]

_disk_config: Schema = {'type': 'string', 'enum': ['AUTO', 'MANUAL']}


def _action(name: str, properties: Schema, required: list[str],
            nullable: bool = False) -> Schema:
    """A body ``{name: {...}}`` with nothing else in it."""
    inner: Schema = {
        'type': ['object', 'null'] if nullable else 'object',
        'properties': properties,
        'additionalProperties': False,
    }
    if required:
        inner['required'] = required
    return {
        'type': 'object',
        'properties': {name: inner},
        'required': [name],
        'additionalProperties': False,
    }


reboot = _action('reboot', {
    'type': {'type': 'string',
             'enum': ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']},
}, ['type'])

rebuild = _action('rebuild', {
    'name': types.name,
    'imageRef': types.uuid,
    'adminPass': {'type': 'string'},
    'metadata': types.metadata,
    'preserve_ephemeral': types.boolean,
    'OS-DCF:diskConfig': _disk_config,
    'accessIPv4': types.ipv4,
    'accessIPv6': types.ipv6,
    'personality': {'type': 'array'},
}, ['imageRef'])

resize = _action('resize', {
    'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
    'OS-DCF:diskConfig': _disk_config,
}, ['flavorRef'])

create_image = _action('createImage', {
    'name': types.name,
    'metadata': types.metadata,
}, ['name'])

change_password = _action('changePassword', {
    'adminPass': {'type': 'string'},
}, ['adminPass'])

create_backup = _action('createBackup', {
    'name': types.name,
    'backup_type': {'type': 'string'},
    'rotation': types.non_negative_integer,
    'metadata': types.metadata,
}, ['name', 'backup_type', 'rotation'])

rescue = _action('rescue', {
    'adminPass': {'type': 'string'},
    'rescue_image_ref': types.uuid,
}, [], nullable=True)

console_output = _action('os-getConsoleOutput', {
    # -1 and null mean "all of it".
    'length': {'type': ['integer', 'string', 'null'],
               'pattern': '^-?[0-9]+$', 'minimum': -1},
}, [])

update = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': types.name,
                'OS-DCF:diskConfig': _disk_config,
                'accessIPv4': types.ipv4,
                'accessIPv6': types.ipv6,
            },
            'additionalProperties': False,
        },
    },
    'required': ['server'],
    'additionalProperties': False,
}


@functools.cache
def rebuild_for(version: APIVersion) -> Schema:
    """The rebuild body at ``version``: 2.19 ``description``, 2.54
    ``key_name``, 2.57 ``user_data`` and no ``personality``, 2.63
    ``trusted_image_certificates``, 2.90 ``hostname`` (an FQDN from
    2.94)."""
    schema: Any = copy.deepcopy(rebuild)
    props = schema['properties']['rebuild']['properties']
    if version >= APIVersion(2, 19):
        props['description'] = types.description
    if version >= APIVersion(2, 54):
        props['key_name'] = {'oneOf': [types.name, {'type': 'null'}]}
    if version >= APIVersion(2, 57):
        del props['personality']
        props['user_data'] = {'type': ['string', 'null'],
                              'format': 'base64', 'maxLength': 65535}
    if version >= APIVersion(2, 63):
        props['trusted_image_certificates'] = types.trusted_certs
    if version >= APIVersion(2, 90):
        props['hostname'] = types.server_hostname_at(version)
    return schema


@functools.cache
def update_for(version: APIVersion) -> Schema:
    """``PUT /servers/{id}`` at ``version``: 2.19 ``description``, 2.90
    ``hostname``."""
    schema: Any = copy.deepcopy(update)
    props = schema['properties']['server']['properties']
    if version >= APIVersion(2, 19):
        props['description'] = types.description
    if version >= APIVersion(2, 90):
        props['hostname'] = types.server_hostname_at(version)
    return schema


# Lock (2.73): an optional reason.
lock_for_2_73 = _action('lock', {
    'locked_reason': {'type': 'string', 'minLength': 1, 'maxLength': 255},
}, [], nullable=True)

# Unshelve (2.77): null, or an availability zone.
unshelve_for_2_77 = {
    'type': 'object',
    'properties': {'unshelve': {'oneOf': [
        {'type': 'null'},
        {'type': 'object',
         'properties': {'availability_zone': types.name},
         'required': ['availability_zone'],
         'additionalProperties': False}]}},
    'required': ['unshelve'],
    'additionalProperties': False,
}

# Unshelve (2.91): null, or a zone (null unpins) and/or a host.
unshelve_for_2_91 = {
    'type': 'object',
    'properties': {'unshelve': {
        'type': ['object', 'null'],
        'properties': {
            'availability_zone': {'oneOf': [{'type': 'null'}, types.name]},
            'host': types.hostname},
        'additionalProperties': False}},
    'required': ['unshelve'],
    'additionalProperties': False,
}

_block_migration = {'type': ['boolean', 'string'],
                    'pattern': '(?i)^(true|false|t|f|yes|no|y|n|on|off|1|0)$'}
_host = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255}


@functools.cache
def live_migrate_for(version: APIVersion) -> Schema:
    """``os-migrateLive`` at ``version`` (2.25 ``auto`` and no
    ``disk_over_commit``, 2.30 ``force``, 2.68 no ``force``)."""
    if version < APIVersion(2, 25):
        props: Schema = {'block_migration': _block_migration,
                         'disk_over_commit': _block_migration,
                         'host': _host}
        required = ['block_migration', 'disk_over_commit', 'host']
    else:
        props = {'block_migration': {'oneOf': [
            _block_migration, {'type': 'string', 'enum': ['auto']}]},
            'host': _host}
        required = ['block_migration', 'host']
        if APIVersion(2, 30) <= version < APIVersion(2, 68):
            props['force'] = types.boolean
    return _action('os-migrateLive', props, required)


# Before 2.56 the action takes no argument: ``null`` or ``{}`` (clients,
# tempest among them, send either); a host is refused rather than
# silently ignored.
migrate: Schema = {
    'type': 'object',
    'properties': {'migrate': {'type': ['null', 'object'],
                               'additionalProperties': False}},
    'required': ['migrate'],
    'additionalProperties': False,
}

# 2.56: the destination host.  Not an FQDN pattern as in Nova: a host
# here may be cell-qualified (``api!cell2@host3``) or name a cell.
migrate_for_2_56: Schema = {
    'type': 'object',
    'properties': {'migrate': {
        'type': ['object', 'null'],
        'properties': {'host': _host},
        'additionalProperties': False}},
    'required': ['migrate'],
    'additionalProperties': False,
}
