"""``POST /servers/{id}/action`` and ``PUT /servers/{id}``.

An action body names exactly one action: ``{"reboot": {"type": "HARD"}}``,
``{"os-stop": null}``... The dispatcher checks that shape (400 otherwise:
"There is no such action: ..."), validates the body against the action's
schema, finds the server (404 for other projects' servers), then runs the
handler, which checks its policy rule. A server state that forbids the
action answers 409 with Nova's wording.

Actions without arguments are rows of :data:`SIMPLE_ACTIONS`; those with
arguments or a response body live in :mod:`nova.api.server_action_args`,
those whose body depends on the microversion in
:mod:`nova.api.server_action_versions`.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
from typing import Any

from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.api import admin_actions
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import server_action_args
from nova.api import server_action_versions
from nova.api import server_common
from nova.api import servers
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import server_actions as schemas
from nova.api.views import servers as views

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SimpleAction:
    """An action that only calls one compute API method."""

    rule: str
    method: str
    # How Nova names the action when the server's state forbids it.
    conflict_name: str
    status: int = 202


SIMPLE_ACTIONS: Mapping[str, SimpleAction] = {
    'os-stop': SimpleAction(rules.SERVERS % 'stop', 'stop', 'stop'),
    'os-start': SimpleAction(rules.SERVERS % 'start', 'start', 'start'),
    'pause': SimpleAction(rules.PAUSE % 'pause', 'pause', 'pause'),
    'unpause': SimpleAction(rules.PAUSE % 'unpause', 'unpause', 'unpause'),
    'suspend': SimpleAction(rules.SUSPEND % 'suspend', 'suspend',
                            'suspend'),
    'resume': SimpleAction(rules.SUSPEND % 'resume', 'resume', 'resume'),
    # 204 rather than 202: Nova kept it for compatibility.
    'confirmResize': SimpleAction(rules.SERVERS % 'confirm_resize',
                                  'confirm_resize', 'confirmResize', 204),
    'revertResize': SimpleAction(rules.SERVERS % 'revert_resize',
                                 'revert_resize', 'revertResize'),
    'unrescue': SimpleAction(rules.UNRESCUE, 'unrescue', 'unrescue'),
    'shelve': SimpleAction(rules.SHELVE % 'shelve', 'shelve', 'shelve'),
    'forceDelete': SimpleAction(rules.FORCE_DELETE, 'force_delete',
                                'forceDelete'),
    'restore': SimpleAction(rules.RESTORE, 'restore', 'restore'),
}


def _action_name(body: Any) -> str:
    """The one key of an action body, worded as Nova rejects others."""
    if not isinstance(body, dict):
        raise errors.BadRequest(
            reason='Malformed message body: cannot understand JSON')
    if len(body) != 1:
        raise errors.BadRequest(
            reason='Malformed message body: too many body keys')
    return next(iter(body))


def locked_as_expected(context: nova_context.RequestContext,
                       instance: objects.Instance) -> bool:
    """Whether the caller is of the kind that locked ``instance``.

    A lock records who set it: ``owner`` (the server's project) or
    ``admin`` (anyone else). Undoing the other kind's lock needs the
    ``unlock_override`` rule.
    """
    locked_by = (instance.locked_by
                 if instance.obj_attr_is_set('locked_by') else None)
    expected = ('owner' if instance.project_id == context.project_id
                else 'admin')
    return not locked_by or locked_by == expected


def unlock(call: server_common.ActionCall) -> wsgi.Result:
    """``{"unlock": null}``: 202."""
    call.authorize(rules.LOCK % 'unlock')
    if not locked_as_expected(call.context, call.instance):
        call.authorize(rules.LOCK % 'unlock:unlock_override')
    call.compute_api.unlock(call.context, call.instance)
    return wsgi.Result(status=202)


@dataclasses.dataclass(frozen=True)
class _Route:
    handler: server_action_args.Handler
    conflict_name: str
    # A schema, or a function of the request's version giving one.
    schema: Any = None


def _simple_handler(action: SimpleAction) -> server_action_args.Handler:
    def _handle(call: server_common.ActionCall) -> wsgi.Result:
        call.authorize(action.rule)
        getattr(call.compute_api, action.method)(call.context,
                                                 call.instance)
        return wsgi.Result(status=action.status)
    return _handle


def _routes() -> dict[str, _Route]:
    routes = {name: _Route(_simple_handler(action), action.conflict_name)
              for name, action in SIMPLE_ACTIONS.items()}
    routes['unlock'] = _Route(unlock, 'unlock')
    for name, (schema, handler, conflict_name) in \
            server_action_args.HANDLERS.items():
        routes[name] = _Route(handler, conflict_name, schema)
    for name, (admin_schema, admin_handler, admin_conflict) in \
            admin_actions.HANDLERS.items():
        routes[name] = _Route(admin_handler, admin_conflict, admin_schema)
    for name, (schema_for, handler, conflict_name) in \
            server_action_versions.HANDLERS.items():
        routes[name] = _Route(handler, conflict_name, schema_for)
    return routes


# Every action this API knows, by the key that names it in the body.
ACTIONS: Mapping[str, _Route] = _routes()


class ServerActionsController:
    """Actions on one server: the action resource, and rename."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def action(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """Dispatch ``POST /servers/{id}/action`` to its handler."""
        name = _action_name(body)
        route = ACTIONS.get(name)
        if route is None:
            raise errors.BadRequest(
                reason=f'There is no such action: {name}')
        schema = (route.schema(req.api_version) if callable(route.schema)
                  else route.schema)
        if schema is not None:
            validation.validate_body(schema, body)
        instance = server_common.get_server(self.compute_api, req.context,
                                            id)
        call = server_common.ActionCall(req, instance, body[name],
                                        self.compute_api, self.enforcer)
        LOG.debug('Action %s on server %s', name, id)
        with server_common.state_conflicts(route.conflict_name, id):
            try:
                return route.handler(call)
            except NotImplementedError:
                raise exception.NotSupported(
                    reason='Action is not supported.') from None

    def update(self, req: wsgi.ApiRequest, id: str, body: Any
               ) -> wsgi.Result:
        """``PUT /servers/{id}``: rename; 200 with the server."""
        validation.validate_body(schemas.update_for(req.api_version), body)
        context = req.context
        instance = server_common.get_server(self.compute_api, context, id)
        policy.authorize(self.enforcer, context, rules.SERVERS % 'update',
                         target=server_common.target(instance))
        changes = body['server']
        updates: dict[str, Any] = {}
        if 'name' in changes:
            updates['display_name'] = changes['name']
        if 'accessIPv4' in changes:
            updates['access_ip_v4'] = changes['accessIPv4']
        if 'accessIPv6' in changes:
            updates['access_ip_v6'] = common.compressed_ipv6(
                changes['accessIPv6'])
        if 'OS-DCF:diskConfig' in changes:
            updates['auto_disk_config'] = servers.disk_config_from_api(
                changes['OS-DCF:diskConfig'])
        if 'description' in changes:
            updates['display_description'] = changes['description']
        if 'hostname' in changes:
            updates['hostname'] = changes['hostname']
        instance = self.compute_api.update_instance(context, instance,
                                                    updates)
        return wsgi.Result({'server': views.base(
            req, instance, full=servers.full_view(
                req, self.compute_api, self.enforcer, instance))})
