"""Server groups in the host scheduler: the hard filters, the soft
weighers, and the members it counts per host (its database, the build's
spec and the builds it sent that no compute has taken yet)."""

from __future__ import annotations

from collections import Counter
import threading

import pytest

from nova import context as nova_context
from nova import instance_changes
from nova import objects
from nova import server_groups
from nova.compute import task_states
from nova.compute import vm_states
from nova.scheduler import group_placements
from nova.scheduler import host_manager
from nova.scheduler import weights
from nova.scheduler.filters import affinity
from nova.tests.unit.scheduler import helpers

CTXT = nova_context.get_admin_context()
GROUP = '6f1e0c32-5f7e-4b55-9b53-0a8f3a1c2d01'
TINY = objects.Flavor(id=1, flavorid='1', name='m1.tiny', memory_mb=512,
                      vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
                      rxtx_factor=1.0, is_public=True, disabled=False,
                      extra_specs={})


def _host(name, free_ram_mb=4096):
    return host_manager.HostState(host=name, nodename=name,
                                  free_ram_mb=free_ram_mb)


def _spec(policy, hosts=(), **rules):
    return {server_groups.FILTER_PROPERTY: {
        'uuid': GROUP, 'policy': policy, 'rules': rules, 'members': []},
        'group_hosts': Counter(hosts)}


def test_affinity_filter_keeps_to_the_members_host():
    flt = affinity.ServerGroupAffinityFilter()
    assert flt.host_passes(_host('h1'), _spec('affinity'))
    assert flt.host_passes(_host('h1'), _spec('affinity', ['h1']))
    assert not flt.host_passes(_host('h2'), _spec('affinity', ['h1']))
    # Other policies and builds without a group pass.
    assert flt.host_passes(_host('h2'), _spec('anti-affinity', ['h1']))
    assert flt.host_passes(_host('h2'), {})


def test_anti_affinity_filter_and_max_server_per_host():
    flt = affinity.ServerGroupAntiAffinityFilter()
    assert not flt.host_passes(_host('h1'), _spec('anti-affinity', ['h1']))
    assert flt.host_passes(_host('h2'), _spec('anti-affinity', ['h1']))
    two = _spec('anti-affinity', ['h1'], max_server_per_host=2)
    assert flt.host_passes(_host('h1'), two)
    assert not flt.host_passes(
        _host('h1'), _spec('anti-affinity', ['h1', 'h1'],
                           max_server_per_host=2))
    assert flt.host_passes(_host('h1'), _spec('soft-anti-affinity',
                                              ['h1']))


def test_soft_weighers_outweigh_free_ram_at_their_multiplier():
    hosts = [_host('h1', 1024), _host('h2', 4096)]
    weighers = [weights.RAMWeigher(),
                weights.ServerGroupSoftAffinityWeigher(2.0),
                weights.ServerGroupSoftAntiAffinityWeigher(2.0)]
    # No group: the host with more RAM.
    totals = weights.weigh_all(weighers, hosts, {})
    assert totals.index(max(totals)) == 1
    # Soft affinity: the host with the members, less RAM notwithstanding.
    totals = weights.weigh_all(weighers, hosts,
                               _spec('soft-affinity', ['h1', 'h1']))
    assert totals.index(max(totals)) == 0
    # Soft anti-affinity: away from them.
    hosts = [_host('h1', 4096), _host('h2', 1024)]
    totals = weights.weigh_all(weighers, hosts,
                               _spec('soft-anti-affinity', ['h1']))
    assert totals.index(max(totals)) == 1


def _member(db, n, host=None, vm_state=vm_states.BUILDING, group=GROUP):
    uuid = '00000000-0000-4000-8000-%012d' % n
    db.instance_create(CTXT, {
        'uuid': uuid, 'vm_state': vm_state, 'host': host,
        'task_state': task_states.SCHEDULING if host is None else None,
        **instance_changes.flavor_values(TINY),
        'system_metadata': server_groups.system_metadata(
            {'uuid': group, 'policy': 'anti-affinity'})})
    return uuid


def test_members_counted_from_database_spec_and_choices_in_flight(db):
    now = [1000.0]
    placements = group_placements.GroupPlacements(db, clock=lambda: now[0])
    placed = _member(db, 1, host='h1', vm_state=vm_states.ACTIVE)
    _member(db, 2, host='h2', vm_state=vm_states.ERROR)
    in_flight = _member(db, 3)
    building = _member(db, 4)
    spec = {'uuid': GROUP, 'policy': 'anti-affinity', 'rules': {},
            'cell_path': 'api!cell1',
            'members': [
                {'uuid': 'other-cell', 'host': 'h9',
                 'cell_name': 'api!cell2'},
                {'uuid': 'seen-at-top', 'host': 'h5',
                 'cell_name': 'api!cell1'}]}
    placements.sent(spec, in_flight, 'h3')

    assert placements.member_hosts(CTXT, spec, [building]) == Counter(
        {'h1': 1, 'h3': 1, 'h5': 1})
    # The build being placed does not count its own earlier choice.
    assert placements.member_hosts(CTXT, spec, [in_flight]) == Counter(
        {'h1': 1, 'h5': 1})
    # A choice is forgotten after SENT_TTL, or once the build failed.
    now[0] += group_placements.SENT_TTL
    assert 'h3' not in placements.member_hosts(CTXT, spec, [])
    placements.sent(spec, in_flight, 'h3')
    placements.forget([in_flight])
    assert 'h3' not in placements.member_hosts(CTXT, spec, [])
    assert placed


@pytest.fixture
def scheduler(db, monkeypatch):
    with helpers.scheduler_on(db) as manager:
        yield _placing_on_four_hosts(manager, monkeypatch)


def _placing_on_four_hosts(manager, monkeypatch):
    hosts = ['h%d' % i for i in range(1, 5)]
    monkeypatch.setattr(manager.host_manager, 'get_host_states',
                        lambda ctxt: [host_manager.HostState(
                            host=h, nodename=h, total_usable_ram_mb=32768,
                            free_ram_mb=32768, total_usable_disk_gb=100,
                            free_disk_gb=100, vcpus_total=16)
                            for h in hosts])
    manager.sent = []
    manager.failed = []
    lock = threading.Lock()

    def cast(ctxt, host, instance, node, request_spec, props):
        with lock:
            manager.sent.append((instance.uuid, host))
    monkeypatch.setattr(manager.compute_rpcapi, 'build_and_run_instance',
                        cast)
    manager.on_build_failure = (
        lambda ctxt, instances, spec, props, error: manager.failed.extend(
            i.uuid for i in instances))
    return manager


def _build(scheduler, db, uuids, policy):
    spec = {'uuid': GROUP, 'policy': policy, 'rules': {}, 'members': []}
    threads = [threading.Thread(target=scheduler.build_instances, args=(
        CTXT, [objects.Instance.from_db(db.instance_get_by_uuid(CTXT, u))],
        {}, {server_groups.FILTER_PROPERTY: spec})) for u in uuids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_anti_affinity_builds_get_distinct_hosts(scheduler, db):
    uuids = [_member(db, n) for n in range(1, 7)]

    _build(scheduler, db, uuids, 'anti-affinity')

    # Four hosts: four builds placed apart (no compute has taken any
    # yet), two sent back for another cell.
    hosts = [host for _, host in scheduler.sent]
    assert len(hosts) == 4 and len(set(hosts)) == 4
    assert len(scheduler.failed) == 2


def test_concurrent_affinity_builds_get_one_host(scheduler, db):
    uuids = [_member(db, n) for n in range(1, 7)]

    _build(scheduler, db, uuids, 'affinity')

    assert len(scheduler.sent) == 6
    assert len({host for _, host in scheduler.sent}) == 1


def test_a_member_moves_where_its_group_allows(scheduler, db):
    from nova import server_groups as groups
    first = _member(db, 1, host='h1', vm_state=vm_states.ACTIVE)
    second = _member(db, 2, host='h2', vm_state=vm_states.ACTIVE)
    instance = objects.Instance.from_db(db.instance_get_by_uuid(CTXT,
                                                                second))
    assert groups.spec_from_system_metadata(instance.system_metadata)
    # Anti-affinity: not onto the first member's host, whatever its room.
    chosen = scheduler._pick(CTXT, instance, 'cold_migrate', TINY, {},
                             {'ignore_hosts': ['h2', 'h3', 'h4']})
    assert chosen is None
    chosen = scheduler._pick(CTXT, instance, 'cold_migrate', TINY, {},
                             {'ignore_hosts': ['h2']})
    assert chosen is not None and chosen.host in ('h3', 'h4')
    assert first
