"""The ``/os-quota-sets`` controller: per-project and per-user limits.

A member reads their own project's quota (or one user's in it, with
``?user_id=``); another project's is refused (403).  Administrators
change a project's limits (``PUT``; a limit below what the project uses,
or below what its users were given, needs ``"force": true``), a user's
(``PUT ?user_id=``: at least what the user uses and at most what the
project leaves, else 400 unless forced) and put either back on the
defaults (``DELETE``).  ``-1`` means unlimited.  Only instances, cores
and RAM are enforced; the other resources are shown as Nova shows them.
"""

from __future__ import annotations

from typing import Any

from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import quota_sets as schemas


class QuotaSetsController:
    """Actions on ``/os-quota-sets/{project_id}``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    quotas = common.ComputePart('quotas')

    def _authorize(self, req: wsgi.ApiRequest, action: str,
                   project_id: str) -> tuple[Any, str | None]:
        """The elevated context and the ``user_id`` asked for."""
        validation.validate_query(schemas.query, req.GET.dict_of_lists())
        user_id = req.GET.get('user_id')
        target = {'project_id': project_id}
        if user_id is not None:
            target['user_id'] = user_id
        policy.authorize(self.enforcer, req.context,
                         rules.QUOTA_SETS % action, target=target)
        return req.context.elevated(), user_id

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt, user_id = self._authorize(req, 'show', id)
        limits = self.quotas.get_limits(ctxt, id, user_id)
        return wsgi.Result({'quota_set': _shown(req, limits, id)})

    def detail(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt, user_id = self._authorize(req, 'detail', id)
        detail = self.quotas.get_detail(ctxt, id, user_id)
        return wsgi.Result({'quota_set': _shown(req, detail, id)})

    def defaults(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt, _user_id = self._authorize(req, 'defaults', id)
        return wsgi.Result({'quota_set': _shown(
            req, self.quotas.defaults(ctxt), id)})

    def update(self, req: wsgi.ApiRequest, id: str,
               body: Any) -> wsgi.Result:
        ctxt, user_id = self._authorize(req, 'update', id)
        validation.validate_body(schemas.update_for(req.api_version), body)
        values = dict(body['quota_set'])
        force = common.parse_bool(values.pop('force', False), 'force')
        limits = limits_of(values)
        result = self.quotas.update_limits(ctxt, id, limits, force=force,
                                           user_id=user_id)
        shown = _shown(req, result, id)
        shown.pop('id')
        return wsgi.Result({'quota_set': shown})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt, user_id = self._authorize(req, 'delete', id)
        self.quotas.reset(ctxt, id, user_id)
        return wsgi.Result(status=202)


def limits_of(values: dict[str, Any]) -> dict[str, int]:
    """The limits of a validated body (strings of digits allowed), each
    -1 or more."""
    limits = {resource: int(value) for resource, value in values.items()}
    for resource, limit in limits.items():
        if limit < -1:
            raise errors.BadRequest(
                reason=f'Quota limit {limit} for {resource} must be -1 '
                       'or greater.')
    return limits


def _shown(req: wsgi.ApiRequest, values: dict[str, Any],
           project_id: str) -> dict[str, Any]:
    """A quota set less what the request's version no longer shows."""
    hidden = schemas.hidden_resources(req.api_version)
    return dict({k: v for k, v in values.items() if k not in hidden},
                id=project_id)
