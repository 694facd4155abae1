"""GET /servers/{id}/os-instance-actions[/{request_id}]."""

from __future__ import annotations

import pytest

from nova import context as nova_context
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import OTHER

REQ = 'req-11111111-2222-3333-4444-555555555555'


@pytest.fixture
def inst(compute):
    inst = compute.add_instance()
    ctxt = nova_context.RequestContext('alice', 'proj1', request_id=REQ)
    compute.record_action(ctxt, inst.uuid, 'create')
    compute.record_action(
        nova_context.RequestContext('alice', 'proj1', request_id='req-2'),
        inst.uuid, 'reboot', result='Error', traceback='Traceback: boom')
    return inst


def _url(inst, request_id=None):
    url = f'/v2.1/servers/{inst.uuid}/os-instance-actions'
    return url if request_id is None else f'{url}/{request_id}'


def test_index(call, inst):
    resp = call('GET', _url(inst))
    assert resp.status_int == 200
    actions = resp.json['instanceActions']
    assert [a['action'] for a in actions] == ['reboot', 'create']
    assert actions[1] == {
        'action': 'create', 'instance_uuid': inst.uuid, 'request_id': REQ,
        'user_id': 'alice', 'project_id': 'proj1',
        'start_time': '2024-01-31T12:00:02.000000', 'message': None}


def test_index_of_server_without_actions(call, compute):
    inst = compute.add_instance()
    assert call('GET', _url(inst)).json == {'instanceActions': []}


def test_actions_of_api_calls_are_listed(call, compute):
    inst = compute.add_instance()
    resp = call('POST', f'/v2.1/servers/{inst.uuid}/action',
                {'pause': None})
    request_id = resp.headers['X-OpenStack-Request-ID']
    actions = call('GET', _url(inst)).json['instanceActions']
    assert [(a['action'], a['request_id']) for a in actions] == \
        [('pause', request_id)]
    shown = call('GET', _url(inst, request_id)).json['instanceAction']
    assert shown['action'] == 'pause'


def test_show_hides_events_from_members(call, inst):
    resp = call('GET', _url(inst, REQ))
    assert resp.status_int == 200
    action = resp.json['instanceAction']
    assert action['action'] == 'create'
    assert action['request_id'] == REQ
    assert 'events' not in action


def test_show_events_to_admin(call, inst):
    action = call('GET', _url(inst, 'req-2'),
                  token=ADMIN).json['instanceAction']
    assert action['events'] == [{
        'event': 'compute_reboot',
        'start_time': '2024-01-31T12:00:03.000000',
        'finish_time': '2024-01-31T12:00:03.000000',
        'result': 'Error', 'traceback': 'Traceback: boom'}]


def test_show_unknown_action_is_404(call, inst):
    resp = call('GET', _url(inst, 'req-nope'))
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'Action req-nope not found'


@pytest.mark.parametrize('request_id', [None, REQ])
def test_other_project_gets_404(call, inst, request_id):
    resp = call('GET', _url(inst, request_id), token=OTHER)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        f'Instance {inst.uuid} could not be found.'
