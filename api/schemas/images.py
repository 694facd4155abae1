"""Query-string schema of ``/images`` (microversion 2.1)."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types

index_query = {
    'type': 'object',
    'properties': {
        'limit': types.single_query_param(types.non_negative_integer),
        'marker': types.single_query_param({'type': 'string'}),
        'name': types.single_query_param({'type': 'string'}),
        'status': types.single_query_param({'type': 'string'}),
        'changes-since': types.single_query_param({'type': 'string'}),
        'server': types.single_query_param({'type': 'string'}),
        'type': types.single_query_param({'type': 'string'}),
        'minRam': types.single_query_param(types.non_negative_integer),
        'minDisk': types.single_query_param(types.non_negative_integer),
    },
    # Other parameters are ignored, as Nova's image proxy did.
    'additionalProperties': True,
}
