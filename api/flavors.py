"""The ``/flavors`` controller: list and show flavors.

``compute_api.flavor_get_all`` returns every flavor; filtering, sorting
and paging happen here. Non-admins see only public, enabled flavors.
"""

from __future__ import annotations

from typing import Any

from nova import objects
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import flavors as schemas
from nova.api.views import flavors as views

# API sort keys that differ from the Flavor field.
_SORT_FIELDS = {'created_at': 'flavorid'}


class FlavorsController:
    """Actions on ``/flavors``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer
        self.max_limit = deps.conf.api.max_limit

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        flavors = self._list(req)
        return self._collection(
            req, 'flavors', [views.basic(req, f) for f in flavors], flavors)

    def detail(self, req: wsgi.ApiRequest) -> wsgi.Result:
        flavors = self._list(req)
        specs = views.show_extra_specs(self.enforcer, req)
        return self._collection(
            req, 'flavors/detail',
            [views.detail(req, f, specs) for f in flavors], flavors)

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        context = req.context
        # A private flavor is FlavorNotFound but to administrators and
        # the projects given it.
        flavor = self.compute_api.flavor_get(context, id)
        return wsgi.Result({'flavor': views.detail(
            req, flavor, views.show_extra_specs(self.enforcer, req))})

    def _collection(self, req: wsgi.ApiRequest, collection: str,
                    body: list[dict[str, Any]],
                    flavors: list[objects.Flavor]) -> wsgi.Result:
        result: dict[str, Any] = {'flavors': body}
        next_links = common.collection_links(
            req, collection, [f.flavorid for f in flavors], self.max_limit)
        if next_links:
            result['flavors_links'] = next_links
        return wsgi.Result(result)

    def _list(self, req: wsgi.ApiRequest) -> list[objects.Flavor]:
        validation.validate_query(schemas.index_query,
                                  req.GET.dict_of_lists())
        given = (set() if req.context.is_admin
                 else self.compute_api.flavors_accessible(req.context))
        flavors = [f for f in self.compute_api.flavor_get_all(req.context)
                   if _visible(req, f, given)]
        flavors = _sorted(req, flavors)
        limit, marker = common.limit_and_marker(req, self.max_limit)
        if marker is not None:
            ids = [f.flavorid for f in flavors]
            if marker not in ids:
                raise errors.BadRequest(
                    reason=f'marker [{marker}] not found')
            flavors = flavors[ids.index(marker) + 1:]
        return flavors[:limit]


def _is_public_filter(req: wsgi.ApiRequest) -> bool | None:
    """True, False, or None for "public and private"."""
    if not req.context.is_admin:
        return True
    value = req.GET.get('is_public')
    if value is None:
        return True
    if value.lower() == 'none':
        return None
    return common.parse_bool(value, 'is_public')


def _visible(req: wsgi.ApiRequest, flavor: objects.Flavor,
             given: set[str]) -> bool:
    """Whether the listing shows ``flavor``; ``given``: the private
    flavors the caller's project may use, which it sees too (Nova)."""
    is_public = _is_public_filter(req)
    if is_public is not None and flavor.is_public != is_public and not (
            is_public and flavor.flavorid in given):
        return False
    if not req.context.is_admin and flavor.disabled:
        return False
    if flavor.memory_mb < int(req.GET.get('minRam', 0)):
        return False
    return flavor.root_gb >= int(req.GET.get('minDisk', 0))


def _sorted(req: wsgi.ApiRequest,
            flavors: list[objects.Flavor]) -> list[objects.Flavor]:
    key = req.GET.get('sort_key', 'flavorid')
    field = _SORT_FIELDS.get(key, key)
    reverse = req.GET.get('sort_dir', 'asc') == 'desc'

    def _key(flavor: objects.Flavor) -> tuple[bool, Any]:
        value = getattr(flavor, field) if flavor.obj_attr_is_set(field) \
            else None
        # None sorts first, as NULL does in the database.
        return (value is not None, value)
    return sorted(flavors, key=_key, reverse=reverse)
