"""Request schemas of ``/os-services`` (microversion 2.1)."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types

# A host of a cells deployment is "cell_path@host" ("api!cell1@host1").
_host = {'type': 'string', 'minLength': 1, 'maxLength': 255,
         'pattern': '^[a-zA-Z0-9-._!@]*$'}

service_update = {
    'type': 'object',
    'properties': {
        'host': _host,
        'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'disabled_reason': {'type': 'string', 'minLength': 1,
                            'maxLength': 255},
    },
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

index_query = {
    'type': 'object',
    'properties': {
        'host': types.single_query_param({'type': 'string'}),
        'binary': types.single_query_param({'type': 'string'}),
    },
    'additionalProperties': True,
}

# PUT /os-services/force-down (2.11 to 2.52).
service_force_down = {
    'type': 'object',
    'properties': {
        'host': _host,
        'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'forced_down': types.boolean,
    },
    'required': ['host', 'binary', 'forced_down'],
    'additionalProperties': False,
}

# PUT /os-services/{service_uuid} (2.53).
service_update_v253 = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': {'type': 'string', 'minLength': 1,
                            'maxLength': 255},
        'forced_down': types.boolean,
    },
    'additionalProperties': False,
}
