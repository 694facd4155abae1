"""/os-simple-tenant-usage and /os-instance_usage_audit_log at 2.1."""

from __future__ import annotations

import datetime

import pytest

from nova.api import instance_usage_audit_log as audit
from nova.api import simple_tenant_usage as usage
from nova.tests.unit.api.conftest import ADMIN

T = datetime.datetime


def _row(uuid, project, launched, terminated=None, deleted=0, **kw):
    return dict({'uuid': uuid, 'display_name': 'vm-' + uuid,
                 'project_id': project, 'launched_at': launched,
                 'terminated_at': terminated, 'deleted': deleted,
                 'vm_state': 'active', 'memory_mb': 512, 'root_gb': 1,
                 'ephemeral_gb': 1, 'vcpus': 2,
                 'flavor': '{"name": "m1.tiny"}'}, **kw)


ROWS = [_row('a', 'p1', T(2024, 1, 1)),
        _row('b', 'p1', T(2024, 1, 1, 12), T(2024, 1, 1, 18), deleted=2,
             vm_state='deleted'),
        _row('c', 'p2', T(2023, 12, 1))]
START, STOP, NOW = T(2024, 1, 1, 6), T(2024, 1, 2), T(2024, 1, 3)


def test_tenant_usages_sum_hours_and_resources():
    [p1, p2] = usage.tenant_usages(ROWS, START, STOP, NOW, detailed=True)
    assert p1['tenant_id'] == 'p1'
    # a: 18 hours within the period; b: 6 hours.
    assert p1['total_hours'] == pytest.approx(24.0)
    assert p1['total_memory_mb_usage'] == pytest.approx(512 * 24)
    assert p1['total_vcpus_usage'] == pytest.approx(2 * 24)
    assert p1['total_local_gb_usage'] == pytest.approx(2 * 24)
    assert p1['start'] == '2024-01-01T06:00:00.000000'
    a, b = p1['server_usages']
    assert (a['hours'], a['state'], a['ended_at']) == (18.0, 'active', None)
    assert a['uptime'] == 2 * 86400
    assert (b['hours'], b['state'], b['uptime']) == (6.0, 'terminated',
                                                     6 * 3600)
    assert b['flavor'] == 'm1.tiny' and b['local_gb'] == 2
    assert p2['total_hours'] == pytest.approx(18.0)
    assert 'server_usages' not in usage.tenant_usages(
        ROWS, START, STOP, NOW, detailed=False)[0]


@pytest.fixture
def windowed(compute):
    seen = []

    def get_active_by_window(ctxt, begin, end, project_id=None):
        seen.append((begin, end, project_id))
        return [r for r in ROWS
                if project_id is None or r['project_id'] == project_id]
    compute.get_active_by_window = get_active_by_window
    return seen


def test_index_and_show(call, windowed):
    query = '?start=2024-01-01T06:00:00&end=2024-01-02T00:00:00'
    resp = call('GET', '/v2.1/os-simple-tenant-usage' + query, token=ADMIN)
    assert resp.status_int == 200
    assert [u['tenant_id'] for u in resp.json['tenant_usages']] == \
        ['p1', 'p2']
    assert 'server_usages' not in resp.json['tenant_usages'][0]
    detailed = call('GET', '/v2.1/os-simple-tenant-usage' + query +
                    '&detailed=1', token=ADMIN)
    assert len(detailed.json['tenant_usages'][0]['server_usages']) == 2
    assert windowed[0][:2] == (START, STOP)
    # A member sees their own project, not the listing nor others'.
    mine = call('GET', '/v2.1/os-simple-tenant-usage/p1' + query,
                token='alice:p1')
    assert mine.status_int == 200
    assert mine.json['tenant_usage']['tenant_id'] == 'p1'
    assert call('GET', '/v2.1/os-simple-tenant-usage/p2' + query,
                token='alice:p1').status_int == 403
    assert call('GET', '/v2.1/os-simple-tenant-usage',
                token='alice:p1').status_int == 403
    empty = call('GET', '/v2.1/os-simple-tenant-usage/p9' + query,
                 token=ADMIN)
    assert empty.json == {'tenant_usage': {}}


@pytest.mark.parametrize('query', [
    '?start=yesterday', '?end=2024-13-01T00:00:00',
    '?start=2024-01-02T00:00:00&end=2024-01-01T00:00:00'])
def test_bad_periods_are_400(call, windowed, query):
    resp = call('GET', '/v2.1/os-simple-tenant-usage' + query, token=ADMIN)
    assert resp.status_int == 400
    assert resp.json['badRequest']['code'] == 400
    assert windowed == []


class _Hosts:
    def service_get_all(self, ctxt, binary=None, host=None):
        return [{'host': 'api!cella@c1', 'disabled': False},
                {'host': 'api!cellb@c2', 'disabled': False},
                {'host': 'api!cellb@c3', 'disabled': True}]


def test_audit_log(call, compute):
    compute.host_api = _Hosts()
    resp = call('GET', '/v2.1/os-instance_usage_audit_log', token=ADMIN)
    assert resp.status_int == 200
    log = resp.json['instance_usage_audit_logs']
    assert log['hosts_not_run'] == ['api!cella@c1', 'api!cellb@c2']
    assert (log['num_hosts'], log['num_hosts_done'],
            log['num_hosts_not_run'], log['total_instances']) == (2, 0, 2, 0)
    assert log['overall_status'] == '0 of 2 hosts done. 0 errors.'
    resp = call('GET', '/v2.1/os-instance_usage_audit_log/'
                '2024-03-15%2010:00:00', token=ADMIN)
    one = resp.json['instance_usage_audit_log']
    assert (one['period_beginning'], one['period_ending']) == (
        '2024-02-01 00:00:00', '2024-03-01 00:00:00')
    bad = call('GET', '/v2.1/os-instance_usage_audit_log/soon', token=ADMIN)
    assert bad.status_int == 400
    assert call('GET', '/v2.1/os-instance_usage_audit_log').status_int == 403


def test_last_completed_month_in_january():
    assert audit.last_completed_month(T(2024, 1, 5)) == (T(2023, 12, 1),
                                                         T(2024, 1, 1))
