"""``POST /os-server-external-events``: events from the network (or
volume) service about servers, as Nova 2.1 takes them (administrators).

Each event names a server and what happened (``network-changed``,
``network-vif-plugged``, ``network-vif-unplugged``,
``network-vif-deleted``; from 2.82 ``accelerator-request-bound``,
which Cyborg sends when it has bound a server's accelerator request; no
server here waits for one, so it is accepted and logged like the rest).
An event for a server that does not exist
gets code 404, one for a server without a host 422; the others are
accepted (200).  When none is accepted the answer is 404; when some are
not, 207.  This deployment's nova-network tells the compute hosts
itself, so accepted events need no further delivery; they are logged.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from nova import exception
from nova.api import admin_policies as rules
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import policy
from nova.api import validation
from nova.api import wsgi

LOG = logging.getLogger(__name__)

EVENT_NAMES = ['network-changed', 'network-vif-plugged',
               'network-vif-unplugged', 'network-vif-deleted']
EVENT_NAMES_V282 = EVENT_NAMES + ['accelerator-request-bound']


def _create(names: list[str]) -> dict[str, Any]:
    return {
        'type': 'object',
        'properties': {'events': {
            'type': 'array', 'minItems': 1, 'maxItems': 1000,
            'items': {
                'type': 'object',
                'properties': {
                    'server_uuid': {'type': 'string', 'format': 'uuid'},
                    'name': {'type': 'string', 'enum': names},
                    'status': {'type': 'string', 'enum': [
                        'failed', 'completed', 'in-progress']},
                    'tag': {'type': 'string', 'maxLength': 255},
                },
                'required': ['server_uuid', 'name'],
                'additionalProperties': False,
            }}},
        'required': ['events'],
        'additionalProperties': False,
    }


create = _create(EVENT_NAMES)
create_v282 = _create(EVENT_NAMES_V282)


class ServerExternalEventsController:
    def __init__(self, deps: api_deps.ApiDeps) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _code(self, context: Any, uuid: str) -> int:
        try:
            instance = self.compute_api.get(context, uuid)
        except exception.InstanceNotFound:
            return 404
        return 200 if instance.host else 422

    def create(self, req: wsgi.ApiRequest, body: Any) -> wsgi.Result:
        policy.authorize(self.enforcer, req.context,
                         rules.EXTERNAL_EVENTS % 'create', target={})
        validation.validate_body(
            create_v282 if req.at_least('2.82') else create, body)
        context = req.context.elevated()
        answered = []
        for event in body['events']:
            result = dict(event, status=event.get('status', 'completed'))
            result['code'] = self._code(context, event['server_uuid'])
            if result['code'] != 200:
                result['status'] = 'failed'
            else:
                LOG.info('External event %s (%s) for server %s',
                         result['name'], result['status'],
                         result['server_uuid'])
            answered.append(result)
        if not any(r['code'] == 200 for r in answered):
            raise errors.ItemNotFound(
                reason='No instances found for any event')
        status = 200 if all(r['code'] == 200 for r in answered) else 207
        return wsgi.Result({'events': answered}, status=status)
