"""Request schemas of ``/os-keypairs``, by microversion."""

from __future__ import annotations

import copy
import functools
from typing import Any

from nova.api.api_version import APIVersion
from nova.api.schemas import parameter_types as types

# Without public_key the compute API generates the pair.
create = {
    'type': 'object',
    'properties': {
        'keypair': {
            'type': 'object',
            'properties': {
                'name': types.name,
                'public_key': {'type': 'string'},
            },
            'required': ['name'],
            'additionalProperties': False,
        },
    },
    'required': ['keypair'],
    'additionalProperties': False,
}


@functools.cache
def create_for(version: APIVersion) -> dict[str, Any]:
    """The create body at ``version``: 2.2 ``type``, 2.10 ``user_id``,
    2.92 ``public_key`` required (no more generation) and ``@`` and ``.``
    allowed in names."""
    schema: Any = copy.deepcopy(create)
    keypair = schema['properties']['keypair']
    props = keypair['properties']
    if version >= APIVersion(2, 2):
        props['type'] = {'type': 'string', 'enum': ['ssh', 'x509']}
    if version >= APIVersion(2, 10):
        props['user_id'] = {'type': 'string', 'minLength': 1,
                            'maxLength': 255}
    if version >= APIVersion(2, 92):
        props['name'] = {'type': 'string', 'minLength': 1, 'maxLength': 255,
                         'pattern': '^[a-zA-Z0-9 @._-]+$'}
        keypair['required'] = ['name', 'public_key']
    return schema


@functools.cache
def query_for(version: APIVersion) -> dict[str, Any]:
    """The query of the key pair routes: 2.10 ``user_id``, 2.35
    ``limit`` and ``marker`` (on the listing)."""
    props: dict[str, Any] = {}
    if version >= APIVersion(2, 10):
        props['user_id'] = types.single_query_param({'type': 'string'})
    if version >= APIVersion(2, 35):
        props['limit'] = types.single_query_param(types.non_negative_integer)
        props['marker'] = types.single_query_param({'type': 'string'})
    return {'type': 'object', 'properties': props,
            'additionalProperties': True}
