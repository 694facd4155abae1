"""The ``/servers/{id}/os-instance-actions`` controller.

Lists what was done to a server and shows one action. As in Nova 2.1, an
action's events (with their tracebacks) appear only for callers the
``os-instance-actions:events`` rule allows, administrators by default;
others see the action without an ``events`` key.  Later microversions:
2.21 a deleted server's actions too; 2.51 events for every caller, the
traceback for those the rule allows; 2.58 ``updated_at`` and paging
(``limit``, ``marker``: a request ID) with ``changes-since``; 2.62 an
event's ``hostId`` (and ``host`` where the rule allows); 2.66
``changes-before``; 2.84 an event's ``details`` (why it failed, for
every caller; null otherwise).
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from oslo_utils import timeutils

from nova import exception
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import server_common
from nova.api import validation
from nova.api import wsgi
from nova.api.schemas import parameter_types as types

ACTION_KEYS = ('action', 'instance_uuid', 'request_id', 'user_id',
               'project_id', 'start_time', 'message')
EVENT_KEYS = ('event', 'start_time', 'finish_time', 'result', 'traceback')


def _value(value: Any) -> Any:
    # Nova serializes these times naive, with microseconds.
    if isinstance(value, datetime.datetime):
        return common.naive_isotime(value)
    return value


def _pick(record: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: _value(record.get(key)) for key in keys}


def _action_keys(req: wsgi.ApiRequest) -> tuple[str, ...]:
    return ACTION_KEYS + (('updated_at',) if req.at_least('2.58') else ())


_INDEX_QUERY = {
    'type': 'object',
    'properties': {
        'limit': types.single_query_param(types.non_negative_integer),
        'marker': types.single_query_param({'type': 'string'}),
        'changes-since': types.single_query_param({'type': 'string'}),
        'changes-before': types.single_query_param({'type': 'string'}),
    },
    'additionalProperties': True,
}


def _time(req: wsgi.ApiRequest, name: str) -> datetime.datetime | None:
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError:
        raise errors.BadRequest(
            reason=f'Invalid filter field: {name}.') from None


def _page(req: wsgi.ApiRequest, actions: list[dict[str, Any]]
          ) -> list[dict[str, Any]]:
    """The actions a 2.58 (and 2.66) query asks for, newest first."""
    validation.validate_query(_INDEX_QUERY, req.GET.dict_of_lists())
    since = _time(req, 'changes-since')
    before = _time(req, 'changes-before') if req.at_least('2.66') \
        else None
    if since and before and since > before:
        raise errors.BadRequest(
            reason='The value of changes-since must be less than or equal '
                   'to changes-before.')

    def changed(action: dict[str, Any]) -> Any:
        value = action.get('updated_at') or action.get('start_time')
        # Compared naive, in UTC, as the database keeps them.
        return timeutils.normalize_time(value) if value else None
    if since is not None:
        actions = [a for a in actions if changed(a) and changed(a) >= since]
    if before is not None:
        actions = [a for a in actions
                   if changed(a) and changed(a) <= before]
    return common.page_after(req, actions, lambda a: a.get('request_id'),
                             'Marker {marker} could not be found.')


def _event(req: wsgi.ApiRequest, event: dict[str, Any],
           project_id: str | None, details: bool) -> dict[str, Any]:
    """One event: its traceback (and host, 2.62) only with ``details``."""
    view = _pick(event, EVENT_KEYS)
    if not details:
        view.pop('traceback')
    if req.at_least('2.62'):
        host = event.get('host')
        view['hostId'] = hashlib.sha224(
            ((project_id or '') + host).encode()).hexdigest() \
            if host else ''
        if details:
            view['host'] = host or ''
    if req.at_least('2.84'):
        view['details'] = event.get('details')
    return view


class InstanceActionsController:
    """Actions on ``/servers/{server_id}/os-instance-actions``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        """The server's actions, newest first."""
        context = req.context
        instance = self._server(req, server_id)
        policy.authorize(self.enforcer, context,
                         rules.INSTANCE_ACTIONS % 'list',
                         target={'project_id': instance.project_id})
        actions = self.compute_api.get_instance_actions(context,
                                                        instance.uuid)
        result: dict[str, Any] = {}
        if req.at_least('2.58'):
            actions = _page(req, actions)
            if 'limit' in req.GET and actions and \
                    len(actions) == int(req.GET['limit']):
                result['links'] = [{'rel': 'next', 'href': common.next_link(
                    req, f'servers/{server_id}/os-instance-actions',
                    actions[-1]['request_id'])}]
        result['instanceActions'] = [_pick(action, _action_keys(req))
                                     for action in actions]
        return wsgi.Result(result)

    def _server(self, req: wsgi.ApiRequest, server_id: str) -> Any:
        context = req.context
        if req.at_least('2.21'):
            # A deleted server's actions are shown too.
            context = context.from_dict(context.to_dict(),
                                        read_deleted='yes')
        return server_common.get_server(self.compute_api, context,
                                        server_id)

    def show(self, req: wsgi.ApiRequest, server_id: str,
             id: str) -> wsgi.Result:
        """One action, by request ID; its events for administrators."""
        context = req.context
        instance = self._server(req, server_id)
        target = {'project_id': instance.project_id}
        policy.authorize(self.enforcer, context,
                         rules.INSTANCE_ACTIONS % 'show', target=target)
        try:
            record = self.compute_api.get_instance_action(
                context, instance.uuid, id)
        except exception.NotFound:
            # The server exists: what is missing is the action.
            raise errors.ItemNotFound(reason=f'Action {id} not found') \
                from None
        action = _pick(record, _action_keys(req))
        details = policy.authorize(self.enforcer, context,
                                   rules.INSTANCE_ACTIONS % 'events',
                                   target=target, fatal=False)
        if details or req.at_least('2.51'):
            action['events'] = [
                _event(req, event, instance.project_id, details)
                for event in record.get('events') or []]
        return wsgi.Result({'instanceAction': action})

