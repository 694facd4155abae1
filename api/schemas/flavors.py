"""Query-string schemas of ``/flavors``."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types

SORT_KEYS = ('created_at', 'description', 'disabled', 'ephemeral_gb',
             'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb',
             'rxtx_factor', 'swap', 'vcpus')

index_query = {
    'type': 'object',
    'properties': {
        'limit': types.single_query_param(types.non_negative_integer),
        'marker': types.single_query_param({'type': 'string'}),
        'minRam': types.single_query_param(types.non_negative_integer),
        'minDisk': types.single_query_param(types.non_negative_integer),
        'is_public': types.single_query_param({'type': 'string'}),
        'sort_key': types.single_query_param(
            {'type': 'string', 'enum': list(SORT_KEYS)}),
        'sort_dir': types.single_query_param(
            {'type': 'string', 'enum': ['asc', 'desc']}),
    },
    'additionalProperties': True,
}
