"""Request schemas of ``/os-quota-sets`` and ``/limits`` (2.1)."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types
from nova.compute import quotas

# -1 means unlimited; strings are accepted as older clients send them.
_limit = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$',
          'minimum': -1, 'maximum': quotas.MAX_LIMIT}

update = {
    'type': 'object',
    'properties': {
        'quota_set': {
            'type': 'object',
            'properties': dict(
                {resource: _limit for resource in quotas.RESOURCES},
                force=types.boolean),
            'additionalProperties': False,
        },
    },
    'required': ['quota_set'],
    'additionalProperties': False,
}

query = {
    'type': 'object',
    'properties': {
        'user_id': types.single_query_param({'type': 'string'}),
    },
    'additionalProperties': True,
}

limits_query = {
    'type': 'object',
    'properties': {
        'tenant_id': types.single_query_param({'type': 'string'}),
    },
    'additionalProperties': True,
}
