"""The ``/os-services`` controller: the services of every cell.

``GET /os-services`` lists the services of the whole tree; with cells,
ids and hosts carry the path of their cell (``api!cell1@3``,
``api!cell1@host1``).  ``PUT /os-services/enable|disable|disable-log-reason``
with ``{"host": "api!cell1@host1", "binary": "nova-compute"}`` changes the
service in its own cell: a disabled compute host no longer takes builds
and no longer counts in its cell's capacity.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import services as schemas


def service_view(service: dict[str, Any]) -> dict[str, Any]:
    """One service as Nova 2.1 shows it."""
    return {
        'id': service['id'],
        'binary': service['binary'],
        'host': service['host'],
        'zone': service['availability_zone'],
        'status': 'disabled' if service['disabled'] else 'enabled',
        'state': 'up' if service['up'] else 'down',
        'updated_at': service['updated_at'],
        'disabled_reason': service['disabled_reason'],
    }


class ServicesController:
    """Actions on ``/os-services``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    host_api = common.ComputePart('host_api')

    def _authorize(self, req: wsgi.ApiRequest) -> Any:
        policy.authorize(self.enforcer, req.context, rules.SERVICES,
                         target={})
        return req.context.elevated()

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        ctxt = self._authorize(req)
        validation.validate_query(schemas.index_query,
                                  req.GET.dict_of_lists())
        services = self.host_api.service_get_all(
            ctxt, binary=req.GET.get('binary'), host=req.GET.get('host'))
        return wsgi.Result({'services': [service_view(s)
                                         for s in services]})

    def update(self, req: wsgi.ApiRequest, id: str,
               body: Any) -> wsgi.Result:
        ctxt = self._authorize(req)
        if id not in ('enable', 'disable', 'disable-log-reason'):
            raise exception.NotFound('Unknown action')
        validation.validate_body(schemas.service_update, body)
        host, binary = body['host'], body['binary']
        result: dict[str, Any] = {'host': host, 'binary': binary}
        if id == 'enable':
            values: dict[str, Any] = {'disabled': False,
                                      'disabled_reason': None}
            result['status'] = 'enabled'
        else:
            values = {'disabled': True}
            result['status'] = 'disabled'
        if id == 'disable-log-reason':
            reason = body.get('disabled_reason')
            if not reason:
                raise errors.BadRequest(
                    reason='Missing disabled reason field')
            values['disabled_reason'] = reason
            result['disabled_reason'] = reason
        self.host_api.service_update(ctxt, host, binary, values)
        return wsgi.Result({'service': result})
