"""``/os-aggregates`` (administrators): host aggregates, with Nova's
bodies, codes and errors.

In a cells deployment an aggregate lives in the cell of its hosts, its
hosts are named ``cell_path@host``, and its integer id is unique in the
tree (``cell_path@id`` is accepted as another name; see
:mod:`nova.compute.aggregate_api`); the listing names the cells that gave
no answer in ``X-OpenStack-Nova-Cells-Missing``.  From 2.41 every view
has the aggregate's ``uuid``.
"""

from __future__ import annotations

from typing import Any

from nova import exception
from nova import host_views
from nova.api import admin_policies as rules
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import aggregates as schemas

_ACTIONS = {'add_host': schemas.add_host,
            'remove_host': schemas.remove_host,
            'set_metadata': schemas.set_metadata}


def _view(req: wsgi.ApiRequest, aggregate: dict[str, Any],
          full: bool = True) -> dict[str, Any]:
    keys = ['availability_zone', 'created_at', 'deleted', 'deleted_at',
            'id', 'name', 'updated_at']
    if full:
        keys += ['hosts', 'metadata']
    if req.at_least('2.41'):
        keys.append('uuid')
    return {key: aggregate.get(key) for key in keys}


class AggregatesController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    aggregate_api = common.ComputePart('aggregate_api')

    def _authorize(self, req: wsgi.ApiRequest, action: str) -> Any:
        policy.authorize(self.enforcer, req.context,
                         rules.AGGREGATES % action, target={})
        return req.context.elevated()

    def index(self, req: wsgi.ApiRequest) -> wsgi.Result:
        ctxt = self._authorize(req, 'index')
        found = self.aggregate_api.get_all(ctxt)
        return wsgi.Result({'aggregates': [_view(req, a) for a in found]},
                           headers=host_views.listing_headers(found))

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        ctxt = self._authorize(req, 'create')
        validation.validate_body(schemas.create, body)
        values = body['aggregate']
        aggregate = self.aggregate_api.create(
            ctxt, values['name'], values.get('availability_zone'))
        # As Nova: a new aggregate is shown without hosts and metadata.
        return wsgi.Result({'aggregate': _view(req, aggregate, full=False)})

    def show(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt = self._authorize(req, 'show')
        return wsgi.Result({'aggregate': _view(
            req, self.aggregate_api.get(ctxt, id))})

    def update(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        ctxt = self._authorize(req, 'update')
        validation.validate_body(schemas.update, body)
        return wsgi.Result({'aggregate': _view(
            req, self.aggregate_api.update(ctxt, id, body['aggregate']))})

    def delete(self, req: wsgi.ApiRequest, id: str) -> wsgi.Result:
        ctxt = self._authorize(req, 'delete')
        self.aggregate_api.delete(ctxt, id)
        return wsgi.Result(status=200)

    def action(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """``add_host``, ``remove_host`` or ``set_metadata``: 200 with
        the aggregate."""
        name = common.action_name(body, _ACTIONS)
        ctxt = self._authorize(req, name)
        validation.validate_body(_ACTIONS[name], body)
        args = body[name]
        if name == 'set_metadata':
            aggregate = self.aggregate_api.set_metadata(ctxt, id,
                                                        args['metadata'])
        else:
            aggregate = self._host_action(ctxt, name, id, args['host'])
        return wsgi.Result({'aggregate': _view(req, aggregate)})

    def _host_action(self, ctxt: Any, name: str, id: str, host: str
                     ) -> dict[str, Any]:
        verb = 'add' if name == 'add_host' else 'remove'
        try:
            return getattr(self.aggregate_api, name)(ctxt, id, host)
        except (exception.AggregateNotFound, exception.ComputeHostNotFound,
                exception.AggregateHostNotFound) as exc:
            raise errors.ItemNotFound(
                reason='Cannot %s host %s in aggregate %s: not found (%s)'
                       % (verb, host, id, exc.format_message())) from None
        except exception.AggregateHostExists:
            raise errors.ConflictingRequest(
                reason='Cannot add host %s in aggregate %s: host exists'
                       % (host, id)) from None
        except exception.InvalidAggregateAction as exc:
            if verb == 'add':
                raise
            raise errors.ConflictingRequest(
                reason='Cannot remove host %s in aggregate %s: invalid (%s)'
                       % (host, id, exc.format_message())) from None
