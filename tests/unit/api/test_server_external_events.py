"""POST /os-server-external-events at 2.1."""

from __future__ import annotations

import uuid

import pytest

from nova.tests.unit.api.conftest import ADMIN

PATH = '/v2.1/os-server-external-events'


def _event(server, name='network-changed', **kw):
    return dict({'server_uuid': server, 'name': name}, **kw)


def test_all_accepted_is_200(call, compute):
    inst = compute.add_instance()
    resp = call('POST', PATH, {'events': [
        _event(inst.uuid), _event(inst.uuid, 'network-vif-plugged',
                                  status='failed', tag='port-1')]},
        token=ADMIN)
    assert resp.status_int == 200
    assert resp.json == {'events': [
        {'server_uuid': inst.uuid, 'name': 'network-changed',
         'status': 'completed', 'code': 200},
        {'server_uuid': inst.uuid, 'name': 'network-vif-plugged',
         'status': 'failed', 'tag': 'port-1', 'code': 200}]}


def test_some_unknown_is_207(call, compute):
    inst = compute.add_instance()
    unbuilt = compute.add_instance(host=None)
    missing = str(uuid.uuid4())
    resp = call('POST', PATH, {'events': [
        _event(inst.uuid), _event(missing), _event(unbuilt.uuid)]},
        token=ADMIN)
    assert resp.status_int == 207
    assert [(e['code'], e['status']) for e in resp.json['events']] == [
        (200, 'completed'), (404, 'failed'), (422, 'failed')]


def test_none_known_is_404(call):
    resp = call('POST', PATH, {'events': [_event(str(uuid.uuid4()))]},
                token=ADMIN)
    assert resp.status_int == 404
    assert resp.json['itemNotFound']['message'] == \
        'No instances found for any event'


@pytest.mark.parametrize('body', [
    {}, {'events': []}, {'events': [{'name': 'network-changed'}]},
    {'events': [_event('not-a-uuid')]},
    {'events': [_event(str(uuid.uuid4()), 'reboot')]},
    {'events': [_event(str(uuid.uuid4()), status='done')]},
    {'events': [dict(_event(str(uuid.uuid4())), extra=1)]},
    {'events': {}}, [],
])
def test_bad_bodies_are_400(call, body):
    assert call('POST', PATH, body, token=ADMIN).status_int == 400


def test_is_for_admins(call, compute):
    inst = compute.add_instance()
    assert call('POST', PATH, {'events': [_event(inst.uuid)]}
                ).status_int == 403
