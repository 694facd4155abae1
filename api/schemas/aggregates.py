"""Request schemas of ``/os-aggregates`` (microversion 2.1)."""

from __future__ import annotations

from typing import Any

from nova.api.schemas import parameter_types as types

_zone = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255,
         'pattern': r'^\S(.*\S)?$'}
# A host of a cells deployment is "cell_path@host" ("api!cell1@host1").
_host = {'type': 'string', 'minLength': 1, 'maxLength': 255,
         'pattern': '^[a-zA-Z0-9-._!@]*$'}


def _body(key: str, inner: dict[str, Any]) -> dict[str, Any]:
    return {'type': 'object', 'properties': {key: inner},
            'required': [key], 'additionalProperties': False}


create = _body('aggregate', {
    'type': 'object',
    'properties': {'name': types.name, 'availability_zone': _zone},
    'required': ['name'],
    'additionalProperties': False,
})

update = _body('aggregate', {
    'type': 'object',
    'properties': {'name': types.name, 'availability_zone': _zone},
    'anyOf': [{'required': ['name']}, {'required': ['availability_zone']}],
    'additionalProperties': False,
})

add_host = _body('add_host', {
    'type': 'object', 'properties': {'host': _host},
    'required': ['host'], 'additionalProperties': False,
})

remove_host = _body('remove_host', {
    'type': 'object', 'properties': {'host': _host},
    'required': ['host'], 'additionalProperties': False,
})

set_metadata = _body('set_metadata', {
    'type': 'object',
    'properties': {'metadata': {
        'type': 'object',
        'patternProperties': {
            r'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': ['string', 'null'],
                                           'maxLength': 255},
        },
        'additionalProperties': False,
    }},
    'required': ['metadata'], 'additionalProperties': False,
})
