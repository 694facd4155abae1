"""Request schemas of ``/servers/{id}/metadata``."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types

# POST (merge) and PUT (replace) on the collection.
create = {
    'type': 'object',
    'properties': {'metadata': types.metadata},
    'required': ['metadata'],
    'additionalProperties': False,
}
update_all = create

# PUT on one item: exactly one key, which must be the URL's.
update = {
    'type': 'object',
    'properties': {
        'meta': dict(types.metadata, minProperties=1, maxProperties=1),
    },
    'required': ['meta'],
    'additionalProperties': False,
}
