"""Request schemas of ``POST /servers/{id}/action`` and ``PUT
/servers/{id}`` (microversion 2.1).

Actions that take no arguments (``os-stop``, ``pause``, ``lock``...) have
no schema: Nova 2.1 ignores their value, usually ``null``.
"""

from __future__ import annotations

from typing import Any

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
