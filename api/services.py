"""The ``/os-services`` controller: the services of every cell.

``GET /os-services`` lists the services of the whole tree; with cells,
ids and hosts carry the path of their cell (``api!cell1@3``,
``api!cell1@host1``).  ``PUT /os-services/enable|disable|disable-log-reason``
with ``{"host": "api!cell1@host1", "binary": "nova-compute"}`` changes the
service in its own cell: a disabled compute host no longer takes builds
and no longer counts in its cell's capacity.

Microversions: 2.11 shows ``forced_down`` and adds ``PUT
/os-services/force-down``; from 2.53 a service's id is a UUID derived from
its cell-qualified id (:mod:`nova.api.host_ids`), ``PUT
/os-services/{uuid}`` (``status``, ``disabled_reason``, ``forced_down``)
answers the whole service, and the older ``PUT`` actions answer 404.
"""

from __future__ import annotations

from typing import Any

from oslo_utils import uuidutils

from nova import exception
from nova import host_views
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import host_ids
from nova.api import operator_policies as rules
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import services as schemas


def service_view(service: dict[str, Any],
                 req: wsgi.ApiRequest | None = None) -> dict[str, Any]:
    """One service as the request's version shows it (2.1 without a
    request)."""
    view = {
        'id': host_ids.uuid_of('service', service['id'])
        if req is not None and req.at_least('2.53') else service['id'],
        'binary': service['binary'],
        'host': service['host'],
        'zone': service['availability_zone'],
        'status': 'disabled' if service['disabled'] else 'enabled',
        'state': 'up' if service['up'] else 'down',
        'updated_at': service['updated_at'],
        'disabled_reason': service['disabled_reason'],
    }
    if req is not None and req.at_least('2.11'):
        view['forced_down'] = bool(service.get('forced_down'))
    return view


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
        return wsgi.Result({'services': [service_view(s, req)
                                         for s in services]},
                           headers=host_views.listing_headers(services))

    def update(self, req: wsgi.ApiRequest, id: str,
               body: Any) -> wsgi.Result:
        ctxt = self._authorize(req)
        if req.at_least('2.53'):
            return self._update_by_uuid(req, ctxt, id, body)
        if id == 'force-down' and req.at_least('2.11'):
            return self._force_down(req, ctxt, body)
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

    def _force_down(self, req: wsgi.ApiRequest, ctxt: Any,
                    body: Any) -> wsgi.Result:
        """``PUT /os-services/force-down`` (2.11 to 2.52)."""
        validation.validate_body(schemas.service_force_down, body)
        forced = common.parse_bool(body['forced_down'], 'forced_down')
        self.host_api.service_update(ctxt, body['host'], body['binary'],
                                     {'forced_down': forced})
        return wsgi.Result({'service': {
            'host': body['host'], 'binary': body['binary'],
            'forced_down': forced}})

    def _update_by_uuid(self, req: wsgi.ApiRequest, ctxt: Any, id: str,
                        body: Any) -> wsgi.Result:
        """``PUT /os-services/{uuid}`` (2.53): the whole service back."""
        if not uuidutils.is_uuid_like(id):
            raise errors.BadRequest(reason=f'Invalid uuid {id}')
        validation.validate_body(schemas.service_update_v253, body)
        if not body:
            raise errors.BadRequest(
                reason="No updates were requested. Fields 'status' or "
                       "'forced_down' should be specified.")
        if 'disabled_reason' in body and body.get('status') != 'disabled':
            raise errors.BadRequest(
                reason='Specifying a disabled_reason is only supported '
                       'when the status is disabled.')
        found = [s for s in self.host_api.service_get_all(ctxt)
                 if host_ids.uuid_of('service', s['id']) == id]
        if not found:
            raise errors.ItemNotFound(
                reason=f'Service {id} could not be found.')
        service = found[0]
        values: dict[str, Any] = {}
        if 'status' in body:
            values['disabled'] = body['status'] == 'disabled'
            values['disabled_reason'] = body.get('disabled_reason')
        if 'forced_down' in body:
            values['forced_down'] = common.parse_bool(body['forced_down'],
                                                      'forced_down')
        updated = self.host_api.service_update(
            ctxt, service['host'], service['binary'], values)
        return wsgi.Result({'service': service_view(updated, req)})
