"""Request schemas of ``/os-quota-sets``, ``/os-quota-class-sets`` and
``/limits``, by microversion.

Quota sets: from 2.36 the network quotas, from 2.57 the file injection
quotas are gone (:func:`hidden_resources`): shown by no view, refused by
an update.  Quota class sets follow their own steps, as in Nova
(:func:`hidden_class_resources`): the server group quotas are shown from
2.50, when the network quotas go; the injection quotas go at 2.57.
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
def hidden_class_resources(version: APIVersion) -> frozenset[str]:
    """Quota class resources a request at ``version`` does not see."""
    if version < APIVersion(2, 50):
        return frozenset(('server_groups', 'server_group_members'))
    hidden = set(NETWORK_RESOURCES)
    if version >= APIVersion(2, 57):
        hidden.update(INJECTION_RESOURCES)
    return frozenset(hidden)


@functools.cache
def class_update_for(version: APIVersion) -> dict[str, Any]:
    """The quota class update body at ``version``: before 2.50 the
    server group quotas may be set though they are not shown."""
    schema: Any = copy.deepcopy(class_update)
    props = schema['properties']['quota_class_set']['properties']
    if version >= APIVersion(2, 50):
        for resource in hidden_class_resources(version):
            props.pop(resource, None)
    return schema


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

class_update = {
    'type': 'object',
    'properties': {
        'quota_class_set': {
            'type': 'object',
            'properties': {resource: _limit
                           for resource in quotas.RESOURCES},
            'additionalProperties': False,
        },
    },
    'required': ['quota_class_set'],
    'additionalProperties': False,
}

query = {
    'type': 'object',
    'properties': {
        'user_id': types.single_query_param(
            {'type': 'string', 'minLength': 1, 'maxLength': 255}),
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
