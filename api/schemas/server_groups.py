"""Request schemas of ``/os-server-groups``, by microversion.

2.1 takes ``policies``, a list of exactly one of affinity and
anti-affinity; 2.15 adds the soft policies; 2.64 takes ``policy`` (a
string) and ``rules`` (``max_server_per_host``) instead.  From 2.75 an
unknown query parameter of the listing is a 400.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from nova import server_groups
from nova.api.api_version import APIVersion
from nova.api.schemas import parameter_types as types


def _create(policies: tuple[str, ...]) -> dict[str, Any]:
    return {
        'type': 'object',
        'properties': {
            'server_group': {
                'type': 'object',
                'properties': {
                    'name': types.name,
                    'policies': {
                        'type': 'array',
                        'items': {'type': 'string',
                                  'enum': list(policies)},
                        'uniqueItems': True,
                        'minItems': 1,
                        'maxItems': 1,
                    },
                },
                'required': ['name', 'policies'],
                'additionalProperties': False,
            },
        },
        'required': ['server_group'],
        'additionalProperties': False,
    }


def _create_v264() -> dict[str, Any]:
    schema = _create(server_groups.POLICIES_V215)
    group = schema['properties']['server_group']
    del group['properties']['policies']
    group['properties']['policy'] = {
        'type': 'string', 'enum': list(server_groups.POLICIES_V215)}
    group['properties']['rules'] = {
        'type': 'object',
        'properties': {'max_server_per_host': types.positive_integer},
        'additionalProperties': False,
    }
    group['required'] = ['name', 'policy']
    return schema


@functools.cache
def create_for(version: APIVersion) -> dict[str, Any]:
    """The create body at ``version``."""
    if version >= APIVersion(2, 64):
        return _create_v264()
    if version >= APIVersion(2, 15):
        return _create(server_groups.POLICIES_V215)
    return _create(server_groups.POLICIES_V21)


index_query: dict[str, Any] = {
    'type': 'object',
    'properties': {
        'all_projects': types.multi_query_param({'type': 'string'}),
        'limit': types.multi_query_param(types.non_negative_integer),
        'offset': types.multi_query_param(types.non_negative_integer),
    },
    'additionalProperties': True,
}


@functools.cache
def index_query_for(version: APIVersion) -> dict[str, Any]:
    """The listing's query at ``version`` (strict from 2.75)."""
    schema = copy.deepcopy(index_query)
    if version >= APIVersion(2, 75):
        schema['additionalProperties'] = False
    return schema
