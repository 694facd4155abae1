"""Request schemas of ``/os-quota-sets`` and ``/limits``, by microversion.

From 2.36 the network quotas, from 2.57 the file injection quotas are gone
(:func:`hidden_resources`): shown by no view, refused by an update.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from nova.api.api_version import APIVersion
from nova.api.schemas import parameter_types as types
from nova.compute import quotas

NETWORK_RESOURCES = ('fixed_ips', 'floating_ips', 'networks',
                     'security_group_rules', 'security_groups')
INJECTION_RESOURCES = ('injected_files', 'injected_file_content_bytes',
                       'injected_file_path_bytes')


@functools.cache
def hidden_resources(version: APIVersion) -> frozenset[str]:
    """Quota resources a request at ``version`` neither sees nor sets."""
    hidden: set[str] = set()
    if version >= APIVersion(2, 36):
        hidden.update(NETWORK_RESOURCES)
    if version >= APIVersion(2, 57):
        hidden.update(INJECTION_RESOURCES)
    return frozenset(hidden)


@functools.cache
def update_for(version: APIVersion) -> dict[str, Any]:
    """The update body at ``version``."""
    schema: Any = copy.deepcopy(update)
    props = schema['properties']['quota_set']['properties']
    for resource in hidden_resources(version):
        props.pop(resource, None)
    return schema

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
