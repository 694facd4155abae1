"""The ``/servers/{id}/os-instance-actions`` controller.

Lists what was done to a server and shows one action. As in Nova 2.1, an
action's events (with their tracebacks) appear only for callers the
``os-instance-actions:events`` rule allows, administrators by default;
others see the action without an ``events`` key.
"""

from __future__ import annotations

import datetime
from typing import Any

from nova import exception
from nova.api import common
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import resource_policies as rules
from nova.api import server_common
from nova.api import wsgi

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


class InstanceActionsController:
    """Actions on ``/servers/{server_id}/os-instance-actions``."""

    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def index(self, req: wsgi.ApiRequest, server_id: str) -> wsgi.Result:
        """The server's actions, newest first."""
        context = req.context
        instance = server_common.get_server(self.compute_api, context,
                                            server_id)
        policy.authorize(self.enforcer, context,
                         rules.INSTANCE_ACTIONS % 'list',
                         target={'project_id': instance.project_id})
        actions = self.compute_api.get_instance_actions(context,
                                                        instance.uuid)
        return wsgi.Result({'instanceActions': [
            _pick(action, ACTION_KEYS) for action in actions]})

    def show(self, req: wsgi.ApiRequest, server_id: str,
             id: str) -> wsgi.Result:
        """One action, by request ID; its events for administrators."""
        context = req.context
        instance = server_common.get_server(self.compute_api, context,
                                            server_id)
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
        action = _pick(record, ACTION_KEYS)
        if policy.authorize(self.enforcer, context,
                            rules.INSTANCE_ACTIONS % 'events',
                            target=target, fatal=False):
            action['events'] = [_pick(event, EVENT_KEYS)
                                for event in record.get('events') or []]
        return wsgi.Result({'instanceAction': action})
