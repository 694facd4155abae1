"""``GET /os-migrations`` (administrators): the resize and migration
records of every cell, as Nova 2.1 shows them.

Filters: ``status``, ``host`` (source or destination; ``cell_path@host``
names one cell's), ``instance_uuid``, ``source_compute``, ``cell_name``
(the cells v1 filter) and ``migration_type``.  Ids are each cell's own;
hosts carry their cell's path, as in ``os-services``.

From 2.80 each migration shows the ``user_id`` and ``project_id`` of the
request that started it, and both are filters too.

A server's live migrations in progress (``/servers/{id}/migrations``,
from 2.23) are :mod:`nova.api.server_migrations`.
"""

from __future__ import annotations

from typing import Any

from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import parameter_types as types

_FILTERS = ('status', 'host', 'instance_uuid', 'source_compute',
            'cell_name', 'migration_type')
_FILTERS_V280 = _FILTERS + ('user_id', 'project_id')
# Shown from 2.80 only.
_OWNER_KEYS = ('user_id', 'project_id')


def _query(filters: tuple[str, ...]) -> dict[str, Any]:
    return {
        'type': 'object',
        'properties': {name: types.single_query_param(
            {'type': 'string', 'maxLength': 255}) for name in filters},
        # Nova ignores what it does not know, paging included (its 2.59
        # paging is not served here).
        'additionalProperties': True,
    }


index_query = _query(_FILTERS)
index_query_v280 = _query(_FILTERS_V280)


class MigrationsController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    host_api = common.ComputePart('host_api')

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context,
                         rules.MIGRATIONS % 'index', target={})
        query = req.GET.dict_of_lists()
        v280 = req.at_least('2.80')
        validation.validate_query(index_query_v280 if v280 else index_query,
                                  query)
        filters = {name: query[name][0]
                   for name in (_FILTERS_V280 if v280 else _FILTERS)
                   if name in query}
        migrations = self.host_api.migration_get_all(
            req.context.elevated(), filters)
        if not v280:
            migrations = [{k: v for k, v in m.items() if k not in _OWNER_KEYS}
                          for m in migrations]
        return wsgi.Result({'migrations': migrations})
