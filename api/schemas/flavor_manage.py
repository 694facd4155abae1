"""Request schemas of ``POST /flavors``, ``PUT /flavors/{id}`` (2.55) and
``/flavors/{id}/os-extra_specs``."""

from __future__ import annotations

import copy
import functools
from typing import Any

from nova.api.api_version import APIVersion
from nova.api.schemas import parameter_types as types

# The largest value of the database's signed 32-bit integer columns.
MAX_INT = 0x7FFFFFFF
# The largest single-precision float, rxtx_factor's column type.
MAX_FLOAT = 3.40282e+38

_positive = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
             'minimum': 1, 'maximum': MAX_INT, 'minLength': 1}
_non_negative = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
                 'minimum': 0, 'maximum': MAX_INT, 'minLength': 1}

create = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {
                'name': types.name,
                # Null or absent: the API generates a UUID.
                'id': {'type': ['string', 'number', 'null'],
                       'minLength': 1, 'maxLength': 255,
                       'pattern': '^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
                'ram': _positive,
                'vcpus': _positive,
                'disk': _non_negative,
                'OS-FLV-EXT-DATA:ephemeral': _non_negative,
                'swap': _non_negative,
                'rxtx_factor': {'type': ['number', 'string'],
                                'pattern': r'^[0-9]+(\.[0-9]+)?$',
                                'minimum': 0, 'exclusiveMinimum': True,
                                'maximum': MAX_FLOAT},
                'os-flavor-access:is_public': types.boolean,
            },
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}

_description = {'type': ['string', 'null'], 'minLength': 0,
                'maxLength': 65535, 'pattern': '^[^\x00-\x08\x0b-\x1f]*$'}


@functools.cache
def create_for(version: APIVersion) -> dict[str, Any]:
    """The create body at ``version``: 2.55 ``description``."""
    schema: Any = copy.deepcopy(create)
    if version >= APIVersion(2, 55):
        schema['properties']['flavor']['properties']['description'] = \
            _description
    return schema


# PUT /flavors/{id} (2.55): the description only.
update = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {'description': _description},
        'required': ['description'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}

# Extra specs are metadata whose values may also be numbers.
_extra_specs = copy.deepcopy(types.metadata)
for _value in _extra_specs['patternProperties'].values():
    _value['type'] = ['string', 'number']

create_extra_specs = {
    'type': 'object',
    'properties': {'extra_specs': _extra_specs},
    'required': ['extra_specs'],
    'additionalProperties': False,
}

# PUT on one key: a body of exactly that key.
update_extra_spec = dict(_extra_specs, minProperties=1, maxProperties=1)
