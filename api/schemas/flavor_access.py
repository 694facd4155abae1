"""Request schemas of ``POST /flavors/{id}/action`` (flavor access)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_tenant: Schema = {'type': 'string', 'minLength': 1, 'maxLength': 255,
                   'pattern': r'^[^\s/]+$'}


def _action(name: str) -> Schema:
    return {
        'type': 'object',
        'properties': {name: {
            'type': 'object', 'properties': {'tenant': _tenant},
            'required': ['tenant'], 'additionalProperties': False}},
        'required': [name], 'additionalProperties': False,
    }


add_tenant_access = _action('addTenantAccess')
remove_tenant_access = _action('removeTenantAccess')
