"""The ``/os-quota-class-sets`` controller: limits of quota classes.

Administrators read (``GET``) and set (``PUT``) the limits of a quota
class.  The ``default`` class is the one that matters: its limits are
every project's defaults (over the ``[quota]`` options), so
``/os-quota-sets/{id}/defaults`` and every project without limits of its
own follow it.  A class that was never set shows the ``[quota]``
options.  The resources shown depend on the microversion as in Nova
(see :func:`nova.api.schemas.quota_sets.hidden_class_resources`).
"""

from __future__ import annotations

from typing import Any

from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import quota_sets
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import quota_sets as schemas

# As long as a class name may be in the database.
_MAX_NAME = 255


class QuotaClassSetsController:
    """Actions on ``/os-quota-class-sets/{class_name}``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    quotas = common.ComputePart('quotas')

    def _authorize(self, req: wsgi.ApiRequest, action: str,
                   class_name: str) -> Any:
        policy.authorize(self.enforcer, req.context,
                         rules.QUOTA_CLASS_SETS % action,
                         target={'quota_class': class_name})
        if not 1 <= len(class_name) <= _MAX_NAME:
            raise errors.BadRequest(
                reason='quota_class_name has a length of %d characters; '
                       'it must be 1 to %d.' % (len(class_name), _MAX_NAME))
        return req.context.elevated()

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt = self._authorize(req, 'show', id)
        limits = self.quotas.get_class(ctxt, id)
        return wsgi.Result({'quota_class_set': dict(
            _shown(req, limits), id=id)})

    def update(self, req: wsgi.ApiRequest, id: str,
               body: Any) -> wsgi.Result:
        ctxt = self._authorize(req, 'update', id)
        validation.validate_body(
            schemas.class_update_for(req.api_version), body)
        limits = quota_sets.limits_of(dict(body['quota_class_set']))
        result = self.quotas.update_class(ctxt, id, limits)
        # Nova answers the class's limits without its id.
        return wsgi.Result({'quota_class_set': _shown(req, result)})


def _shown(req: wsgi.ApiRequest, values: dict[str, int]
           ) -> dict[str, int]:
    hidden = schemas.hidden_class_resources(req.api_version)
    return {k: v for k, v in values.items() if k not in hidden}
