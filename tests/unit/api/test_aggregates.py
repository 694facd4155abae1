"""``/os-aggregates`` over the aggregates of one cell (a deployment
without cells), and the ``zone:host`` form of a boot."""

from __future__ import annotations

import pytest

from nova import context as nova_context
from nova.compute import aggregate_api
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import MEMBER

CTXT = nova_context.get_admin_context()
V241 = {'OpenStack-API-Version': 'compute 2.41'}


@pytest.fixture
def aggregates(conf, compute, db):
    for host in ('h1', 'h2'):
        db.service_report(CTXT, host, 'nova-compute', 'compute')
    compute.aggregate_api = aggregate_api.AggregateAPI(conf, db)
    return db


def _admin(call, method, path, body=None, **kwargs):
    return call(method, '/v2.1' + path, body, token=ADMIN, **kwargs)


def test_views_and_codes(call, aggregates):
    resp = _admin(call, 'POST', '/os-aggregates',
                  {'aggregate': {'name': 'agg1', 'availability_zone': 'az1'}})
    assert resp.status_int == 200
    created = resp.json['aggregate']
    assert set(created) == {'availability_zone', 'created_at', 'deleted',
                            'deleted_at', 'id', 'name', 'updated_at'}
    assert (created['id'], created['deleted']) == (1, False)
    resp = _admin(call, 'POST', '/os-aggregates/1/action',
                  {'add_host': {'host': 'h1'}})
    assert resp.status_int == 200
    assert resp.json['aggregate']['hosts'] == ['h1']
    assert 'uuid' not in resp.json['aggregate']
    at_240 = _admin(call, 'GET', '/os-aggregates/1', headers={
        'OpenStack-API-Version': 'compute 2.40'}).json
    assert 'uuid' not in at_240['aggregate']
    shown = _admin(call, 'GET', '/os-aggregates/1', headers=V241).json
    assert shown['aggregate']['uuid'] == aggregates.aggregate_get(
        CTXT, 1)['uuid']
    listed = _admin(call, 'GET', '/os-aggregates').json['aggregates']
    assert [(a['name'], a['hosts'], a['metadata']) for a in listed] == [
        ('agg1', ['h1'], {'availability_zone': 'az1'})]
    resp = _admin(call, 'POST', '/os-aggregates/1/action',
                  {'set_metadata': {'metadata': {'k': 'v'}}})
    assert resp.json['aggregate']['metadata'] == {'availability_zone': 'az1',
                                                  'k': 'v'}
    resp = _admin(call, 'PUT', '/os-aggregates/1',
                  {'aggregate': {'name': 'agg2'}})
    assert resp.json['aggregate']['name'] == 'agg2'
    resp = _admin(call, 'POST', '/os-aggregates/1/action',
                  {'remove_host': {'host': 'h1'}})
    assert resp.json['aggregate']['hosts'] == []
    resp = _admin(call, 'DELETE', '/os-aggregates/1')
    assert resp.status_int == 200
    assert aggregates.aggregate_get_all(CTXT) == []


@pytest.mark.parametrize('method, path, body, status', [
    ('GET', '/os-aggregates/9', None, 404),
    ('GET', '/os-aggregates/x', None, 400),
    # As Nova: an integer no aggregate has is a 404 (tempest's -1).
    ('GET', '/os-aggregates/-1', None, 404),
    ('GET', '/os-aggregates/99999999999999999999', None, 404),
    ('DELETE', '/os-aggregates/-1', None, 404),
    ('PUT', '/os-aggregates/-1', {'aggregate': {'name': 'n'}}, 404),
    ('PUT', '/os-aggregates/1', {'aggregate': {}}, 400),
    ('PUT', '/os-aggregates/1', {'aggregate': {'name': 'other'}}, 409),
    ('POST', '/os-aggregates', {'aggregate': {'name': ''}}, 400),
    ('POST', '/os-aggregates', {'aggregate': {'name': 'agg1'}}, 409),
    ('POST', '/os-aggregates', {'aggregate': {
        'name': 'n', 'availability_zone': ''}}, 400),
    ('POST', '/os-aggregates', {'name': 'n'}, 400),
    ('POST', '/os-aggregates/1/action', {'add_host': {'host': 'h9'}}, 404),
    ('POST', '/os-aggregates/1/action', {'add_host': {'host': 'h1'}}, 409),
    ('POST', '/os-aggregates/1/action', {'add_host': {}}, 400),
    ('POST', '/os-aggregates/1/action', {'remove_host': {'host': 'h2'}},
     404),
    ('POST', '/os-aggregates/9/action', {'add_host': {'host': 'h2'}}, 404),
    ('POST', '/os-aggregates/1/action', {'set_metadata': {
        'metadata': {'availability_zone': None}}}, 400),
    ('POST', '/os-aggregates/1/action', {'set_metadata': {
        'metadata': {'bad/key': 'v'}}}, 400),
    ('POST', '/os-aggregates/1/action', {'set_metadata': {}}, 400),
    ('POST', '/os-aggregates/1/action', {'nope': {}}, 400),
    ('POST', '/os-aggregates/1/action',
     {'add_host': {'host': 'h2'}, 'remove_host': {'host': 'h2'}}, 400),
    ('DELETE', '/os-aggregates/1', None, 400),
])
def test_bad_requests_change_nothing(call, aggregates, method, path, body,
                                     status):
    _admin(call, 'POST', '/os-aggregates',
           {'aggregate': {'name': 'agg1', 'availability_zone': 'az1'}})
    _admin(call, 'POST', '/os-aggregates', {'aggregate': {'name': 'other'}})
    _admin(call, 'POST', '/os-aggregates/1/action',
           {'add_host': {'host': 'h1'}})
    before = aggregates.aggregate_get_all(CTXT)
    resp = _admin(call, method, path, body)
    assert resp.status_int == status, resp.json
    assert list(resp.json) == [{400: 'badRequest', 404: 'itemNotFound',
                                409: 'conflictingRequest'}[status]]
    assert aggregates.aggregate_get_all(CTXT) == before


def test_administrators_only(call, aggregates):
    for method, path, body in (
            ('GET', '/os-aggregates', None),
            ('POST', '/os-aggregates', {'aggregate': {'name': 'a'}}),
            ('GET', '/os-aggregates/1', None),
            ('PUT', '/os-aggregates/1', {'aggregate': {'name': 'b'}}),
            ('DELETE', '/os-aggregates/1', None),
            ('POST', '/os-aggregates/1/action',
             {'add_host': {'host': 'h1'}})):
        resp = call(method, '/v2.1' + path, body, token=MEMBER)
        assert resp.status_int == 403, (method, path)
    assert aggregates.aggregate_get_all(CTXT) == []


def _boot(call, zone, token=ADMIN):
    return call('POST', '/v2.1/servers', {'server': {
        'name': 'vm', 'imageRef': fakes.IMAGE,
        'flavorRef': '1', 'availability_zone': zone}}, token=token)


def test_zone_and_host_of_a_boot(call, compute):
    assert _boot(call, 'az1', token=MEMBER).status_int == 202
    assert (compute.last_call('create')['availability_zone'],
            compute.last_call('create')['forced_host']) == ('az1', None)
    assert _boot(call, 'az1:api!cell1@h1').status_int == 202
    assert (compute.last_call('create')['availability_zone'],
            compute.last_call('create')['forced_host']) == (
        'az1', 'api!cell1@h1')
    assert _boot(call, ':h1').status_int == 202
    assert (compute.last_call('create')['availability_zone'],
            compute.last_call('create')['forced_host']) == (None, 'h1')
    calls = len(compute.calls)
    resp = _boot(call, 'az1:h1', token=MEMBER)
    assert resp.status_int == 403
    resp = _boot(call, 'az1:h1:node1')
    assert resp.status_int == 400
    assert 'Unable to parse availability_zone' in \
        resp.json['badRequest']['message']
    assert len(compute.calls) == calls
