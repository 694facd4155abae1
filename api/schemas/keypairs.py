"""Request schemas of ``/os-keypairs`` (microversion 2.1)."""

from __future__ import annotations

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
