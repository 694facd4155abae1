"""Helpers of the microversion tests (test_microversions*.py); the
``v`` and ``hosts`` fixtures are in conftest."""

from __future__ import annotations

from typing import Any

from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import MEMBER
from nova.tests.unit.api.conftest import at
from nova.tests.unit.api.conftest import request


def _server(app, version: str, token: str = MEMBER) -> dict[str, Any]:
    query = '?all_tenants=1' if token == ADMIN else ''
    return request(app, 'GET', '/v2.1/servers/detail' + query, token=token,
                   headers=at(version)).json['servers'][0]


def _bad(resp: Any, words: str = '') -> None:
    assert resp.status_int == 400, resp.body
    assert resp.json['badRequest']['code'] == 400
    assert words in resp.json['badRequest']['message']


def _action_of(compute, inst, **event: Any) -> None:
    compute.actions[inst.uuid] = [{
        'action': 'reboot', 'instance_uuid': inst.uuid,
        'request_id': 'req-1', 'user_id': 'alice', 'project_id': 'proj1',
        'start_time': compute.clock, 'updated_at': compute.clock,
        'message': None,
        'events': [dict({'event': 'compute_reboot_instance',
                         'start_time': compute.clock, 'finish_time': None,
                         'result': 'Success', 'traceback': 'tb',
                         'host': 'host1'}, **event)]}]
