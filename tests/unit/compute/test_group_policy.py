"""The compute's late check of a server group's policy: a build that would
break it is not taken and goes back to the scheduler, this host
excluded; one that keeps it is built."""

from __future__ import annotations

import pytest

from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova import server_groups
from nova.compute import group_policy
from nova.compute import manager as compute_manager
from nova.compute import task_states
from nova.compute import vm_states

CTXT = nova_context.get_admin_context()
GROUP = '6f1e0c32-5f7e-4b55-9b53-0a8f3a1c2d01'
TINY = objects.Flavor(id=1, flavorid='1', name='m1.tiny', memory_mb=512,
                      vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
                      rxtx_factor=1.0, is_public=True, disabled=False,
                      extra_specs={})


def _member(db, uuid, host=None, group=GROUP, vm_state=vm_states.BUILDING):
    return objects.Instance.from_db(db.instance_create(CTXT, {
        'uuid': uuid, 'vm_state': vm_state,
        'task_state': task_states.SCHEDULING if host is None else None,
        'host': host, **instance_changes.flavor_values(TINY),
        'system_metadata': server_groups.system_metadata(
            {'uuid': group, 'policy': 'anti-affinity'})}))


def _spec(policy, **rules):
    return {'uuid': GROUP, 'policy': policy, 'rules': rules, 'members': []}


@pytest.fixture
def manager(conf, db, transport, monkeypatch):
    manager = compute_manager.ComputeManager(conf, 'host1', db, transport)
    manager.tracker.update_available_resource(CTXT)
    manager.rescheduled = []
    monkeypatch.setattr(
        manager.scheduler_rpcapi, 'build_instances',
        lambda ctxt, instances, spec, props: manager.rescheduled.append(
            (instances, props)))
    for method in ('allocate_for_instance', 'deallocate_for_instance'):
        monkeypatch.setattr(manager.network_rpcapi, method,
                            lambda *args, **kwargs: [])
    return manager


def _uuid(n):
    return '00000000-0000-4000-8000-%012d' % n


def test_anti_affinity_refuses_a_second_member_on_the_host(manager, db):
    _member(db, _uuid(1), host='host1', vm_state=vm_states.ACTIVE)
    second = _member(db, _uuid(2))
    props = {server_groups.FILTER_PROPERTY: _spec('anti-affinity')}

    manager.build_and_run_instance(CTXT, second, 'host1', {}, props)

    row = db.instance_get_by_uuid(CTXT, second.uuid)
    assert (row['host'], row['vm_state'], row['task_state']) == (
        None, vm_states.BUILDING, task_states.SCHEDULING)
    [(instances, retry_props)] = manager.rescheduled
    assert [i.uuid for i in instances] == [second.uuid]
    assert retry_props['retry']['hosts'] == ['host1']
    assert retry_props['retry']['exc_reason'] == (
        'Build of instance %s was re-scheduled: Anti-affinity instance '
        'group policy was violated.' % second.uuid)
    assert manager.driver.list_instances() == []


def test_anti_affinity_builds_on_a_host_without_members(manager, db):
    _member(db, _uuid(1), host='host2', vm_state=vm_states.ACTIVE)
    # A member of another group, and a failed member, do not count.
    _member(db, _uuid(3), host='host1', vm_state=vm_states.ACTIVE,
            group='11111111-2222-4333-8444-555555555555')
    _member(db, _uuid(4), host='host1', vm_state=vm_states.ERROR)
    second = _member(db, _uuid(2))
    props = {server_groups.FILTER_PROPERTY: _spec('anti-affinity')}

    manager.build_and_run_instance(CTXT, second, 'host1', {}, props)

    row = db.instance_get_by_uuid(CTXT, second.uuid)
    assert (row['host'], row['vm_state']) == ('host1', vm_states.ACTIVE)
    assert manager.rescheduled == []


def test_max_server_per_host_allows_that_many(manager, db):
    _member(db, _uuid(1), host='host1', vm_state=vm_states.ACTIVE)
    spec = _spec('anti-affinity', max_server_per_host=2)
    second, third = _member(db, _uuid(2)), _member(db, _uuid(3))

    manager.build_and_run_instance(
        CTXT, second, 'host1', {}, {server_groups.FILTER_PROPERTY: spec})
    manager.build_and_run_instance(
        CTXT, third, 'host1', {}, {server_groups.FILTER_PROPERTY: spec})

    assert db.instance_get_by_uuid(CTXT, second.uuid)['host'] == 'host1'
    assert db.instance_get_by_uuid(CTXT, third.uuid)['host'] is None
    assert len(manager.rescheduled) == 1


def test_affinity_refuses_a_host_other_than_the_members(manager, db):
    _member(db, _uuid(1), host='host2', vm_state=vm_states.ACTIVE)
    second = _member(db, _uuid(2))
    props = {server_groups.FILTER_PROPERTY: _spec('affinity')}

    manager.build_and_run_instance(CTXT, second, 'host1', {}, props)

    assert db.instance_get_by_uuid(CTXT, second.uuid)['host'] is None
    assert manager.rescheduled[0][1]['retry']['exc_reason'].endswith(
        'Affinity instance group policy was violated.')


def test_soft_policies_are_not_checked(db):
    _member(db, _uuid(1), host='host1', vm_state=vm_states.ACTIVE)
    second = _member(db, _uuid(2))
    check = group_policy.LateCheck(db, 'host1')
    with check.taking(CTXT, second, _spec('soft-anti-affinity')):
        pass
    with pytest.raises(exception.GroupPolicyViolation):
        with check.taking(CTXT, second, _spec('anti-affinity')):
            pass


def test_a_build_sent_again_keeps_its_group(conf, db, transport):
    from nova.compute import api as compute_api
    api = compute_api.API(conf, db, transport)
    spec = _spec('anti-affinity', max_server_per_host=2)
    instance = objects.Instance.from_db(db.instance_create(CTXT, {
        'uuid': _uuid(7), 'vm_state': vm_states.BUILDING,
        'task_state': task_states.SCHEDULING,
        **instance_changes.flavor_values(TINY),
        'system_metadata': server_groups.system_metadata(spec)}))

    # A child cell has no group table rows: the member's system metadata
    # says what the group is, and the cell reads its members itself.
    request = api.build_request(CTXT, instance)

    assert request['filter_properties'][server_groups.FILTER_PROPERTY] == {
        'uuid': GROUP, 'policy': 'anti-affinity',
        'rules': {'max_server_per_host': 2}, 'members': []}
    plain = objects.Instance.from_db(db.instance_create(CTXT, {
        'uuid': _uuid(8), 'vm_state': vm_states.BUILDING,
        **instance_changes.flavor_values(TINY)}))
    assert server_groups.FILTER_PROPERTY not in api.build_request(
        CTXT, plain)['filter_properties']
