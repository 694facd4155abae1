"""Flavor access: who may use a private flavor.

``GET /flavors/{flavor_id}/os-flavor-access`` lists the projects of a
private flavor (404 for a public one); ``POST /flavors/{id}/action`` with
``addTenantAccess`` or ``removeTenantAccess`` changes the list and
answers with it.  Administrators only, by default, as in Nova.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import flavor_access as schemas

_ACTIONS = {
    'addTenantAccess': (schemas.add_tenant_access, 'add_tenant_access',
                        'flavor_access_add'),
    'removeTenantAccess': (schemas.remove_tenant_access,
                           'remove_tenant_access', 'flavor_access_remove'),
}


def _view(flavorid: str, projects: list[str]) -> dict[str, Any]:
    return {'flavor_access': [{'flavor_id': flavorid, 'tenant_id': p}
                              for p in projects]}


class FlavorAccessController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def index(self, req: wsgi.ApiRequest, flavor_id: str) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context, rules.FLAVOR_ACCESS)
        flavor = self.compute_api.flavor_get(req.context, flavor_id)
        if flavor.is_public:
            raise errors.ItemNotFound(
                reason='Access list not available for public flavors.')
        return wsgi.Result(_view(flavor.flavorid,
                                 self.compute_api.flavor_access_list(
                                     req.context, flavor.flavorid)))

    def action(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """``{"addTenantAccess": {"tenant": ...}}`` or
        ``{"removeTenantAccess": {"tenant": ...}}``: 200 with the list."""
        name = common.action_name(body, _ACTIONS)
        schema, rule, method = _ACTIONS[name]
        validation.validate_body(schema, body)
        context = req.context
        policy.authorize(self.enforcer, context, rules.FLAVOR_ACCESS_ACTION
                         % rule)
        flavor = self.compute_api.flavor_get(context, id)
        if flavor.is_public and name == 'addTenantAccess':
            raise errors.ConflictingRequest(
                reason='Can not add access to a public flavor.')
        tenant = body[name]['tenant']
        try:
            projects = getattr(self.compute_api, method)(
                context, flavor.flavorid, tenant)
        except exception.FlavorAccessNotFound as exc:
            raise errors.ItemNotFound(reason=exc.format_message()) from exc
        return wsgi.Result(_view(flavor.flavorid, projects))
