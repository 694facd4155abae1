"""Request schemas of the operator server actions (microversion 2.1):
``os-resetState``, ``injectNetworkInfo``,
``os-migrateLive``, ``addSecurityGroup``/``removeSecurityGroup``."""

from __future__ import annotations

from typing import Any

from nova.api.schemas import parameter_types as types
from nova.api.schemas import server_actions

Schema = dict[str, Any]


# The same shape as the other server actions: ``{name: {...}}`` alone.
_action = server_actions._action


reset_state = _action('os-resetState', {
    'state': {'type': 'string', 'enum': ['active', 'error']},
}, ['state'])

# A compute host as the operator names it: ``cell_path@host`` with cells.
_host: Schema = {'type': ['string', 'null'], 'minLength': 1,
                 'maxLength': 255, 'pattern': r'^[^\s/]+$'}

migrate_live = _action('os-migrateLive', {
    'block_migration': types.boolean,
    'disk_over_commit': types.boolean,
    'host': _host,
}, ['block_migration', 'disk_over_commit', 'host'])

_group: Schema = {'name': {'type': 'string', 'minLength': 1,
                           'maxLength': 255}}
add_security_group = _action('addSecurityGroup', _group, ['name'])
remove_security_group = _action('removeSecurityGroup', _group, ['name'])
