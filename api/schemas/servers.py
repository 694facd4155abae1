"""Request schemas of ``/servers`` (microversion 2.1)."""

from __future__ import annotations

from nova.api.schemas import parameter_types as types

_network = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string'},
        'port': {'oneOf': [types.uuid, {'type': 'null'}]},
        'fixed_ip': types.ip_address,
    },
    'additionalProperties': False,
}

_uuid_or_list = {'oneOf': [types.uuid,
                           {'type': 'array', 'items': types.uuid}]}

_scheduler_hints = {
    'type': 'object',
    'properties': {
        'group': types.uuid,
        'same_host': _uuid_or_list,
        'different_host': _uuid_or_list,
        'target_cell': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'query': {'type': ['string', 'object']},
    },
    # Custom scheduler filters read hints of their own.
    'additionalProperties': True,
}

# A block device of the request: only the one an image boot makes (the
# image copied to a local disk) can be honoured without a volume service.
_block_device_mapping = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'maxLength': 255},
        'source_type': {'type': 'string',
                        'enum': ['volume', 'image', 'snapshot', 'blank']},
        'destination_type': {'type': 'string',
                             'enum': ['local', 'volume']},
        'boot_index': {'type': ['integer', 'string', 'null']},
        'delete_on_termination': types.boolean,
    },
    'additionalProperties': True,
}

create = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': types.name,
                # A UUID or a link to the image; checked by the controller.
                'imageRef': {'type': 'string', 'maxLength': 2048},
                'flavorRef': {'type': ['string', 'integer'],
                              'minLength': 1},
                'adminPass': {'type': 'string'},
                'metadata': types.metadata,
                # 'auto' and 'none' came with 2.37; accepting them early
                # costs nothing since this API allocates networks itself.
                'networks': {'oneOf': [
                    {'type': 'string', 'enum': ['auto', 'none']},
                    {'type': 'array', 'items': _network},
                ]},
                'OS-DCF:diskConfig': {'type': 'string',
                                      'enum': ['AUTO', 'MANUAL']},
                'accessIPv4': types.ipv4,
                'accessIPv6': types.ipv6,
                'availability_zone': types.name,
                'config_drive': types.boolean,
                'key_name': types.name,
                'min_count': types.positive_integer,
                'max_count': types.positive_integer,
                'return_reservation_id': types.boolean,
                'security_groups': {
                    'type': 'array',
                    'items': {
                        'type': 'object',
                        'properties': {'name': types.name},
                        'additionalProperties': False,
                    },
                },
                'user_data': {'type': 'string', 'format': 'base64',
                              'maxLength': 65535},
                'block_device_mapping_v2': {
                    'type': 'array', 'items': _block_device_mapping},
            },
            'required': ['name', 'flavorRef'],
            'additionalProperties': False,
        },
        'os:scheduler_hints': _scheduler_hints,
        'OS-SCH-HNT:scheduler_hints': _scheduler_hints,
    },
    'required': ['server'],
    'additionalProperties': False,
}

index_query = {
    'type': 'object',
    'properties': {
        'limit': types.single_query_param(types.non_negative_integer),
        'marker': types.single_query_param({'type': 'string'}),
        'all_tenants': types.query_boolean,
        'deleted': types.query_boolean,
        'changes-since': types.single_query_param({'type': 'string'}),
        'name': types.query_string,
        'status': types.query_string,
        'image': types.query_string,
        'flavor': types.query_string,
        'host': types.query_string,
        'node': types.query_string,
        'ip': types.query_string,
        'reservation_id': types.query_string,
        'tenant_id': types.query_string,
        'project_id': types.query_string,
        'user_id': types.query_string,
        'availability_zone': types.query_string,
    },
    # Unknown filters are dropped, as Nova does in 2.1.
    'additionalProperties': True,
}
