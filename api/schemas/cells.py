"""Request schemas of ``/os-cells`` (microversion 2.1)."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types

# A cell name may not hold the routing separators ('!', '@') or dots.
_cell_name = {'type': 'string', 'minLength': 1, 'maxLength': 255,
              'pattern': '^[a-zA-Z0-9-_]*$'}

_hostname_or_ip = {'type': 'string', 'maxLength': 255,
                   'pattern': '^[a-zA-Z0-9-_.:]*$'}

_port = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
         'minimum': 0, 'maximum': 65535, 'minLength': 1}


def _cell(required: list[str]) -> types.Schema:
    cell: types.Schema = {
        'type': 'object',
        'properties': {
            'name': _cell_name,
            'type': {'type': 'string', 'enum': ['parent', 'child']},
            'username': {'type': 'string', 'maxLength': 255,
                         'pattern': '^[a-zA-Z0-9-_]*$'},
            # Any text: a strong password may hold anything.
            'password': {'type': 'string', 'maxLength': 255},
            'rpc_host': _hostname_or_ip,
            'rpc_port': _port,
            'rpc_virtual_host': _hostname_or_ip,
        },
        'additionalProperties': False,
    }
    if required:
        cell['required'] = required
    return {'type': 'object', 'properties': {'cell': cell},
            'required': ['cell'], 'additionalProperties': False}


create = _cell(['name'])
update = _cell([])

sync_instances = {
    'type': 'object',
    'properties': {
        'project_id': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                       'pattern': '^[a-zA-Z0-9-]*$'},
        'deleted': types.boolean,
        'updated_since': {'type': 'string', 'format': 'date-time'},
    },
    'additionalProperties': False,
}
