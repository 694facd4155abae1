"""What the host scheduler reads for a build and what it sends each
compute host: one snapshot of the hosts, the chosen host's zone, and a
retry record of each host's own."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from nova import context as nova_context
from nova import instance_changes
from nova import objects
from nova.compute import task_states
from nova.compute import vm_states
from nova.tests.unit.scheduler import helpers

CTXT = nova_context.get_admin_context()
TINY = objects.Flavor(id=1, flavorid='1', name='m1.tiny', memory_mb=512,
                      vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
                      rxtx_factor=1.0, is_public=True, disabled=False,
                      extra_specs={})
NODE = {'vcpus': 16, 'memory_mb': 32768, 'local_gb': 100, 'vcpus_used': 0,
        'memory_mb_used': 0, 'local_gb_used': 0, 'running_vms': 0,
        'hypervisor_type': 'fake', 'availability_zone': 'nova'}


def _hosts(db, zones):
    """Compute hosts ``zones`` names, each with its node and heartbeat,
    in an aggregate giving it that zone (None: no aggregate)."""
    for host, zone in zones.items():
        db.service_report(CTXT, host, 'nova-compute', 'compute')
        db.compute_node_upsert(CTXT, host, host, NODE)
        if zone is not None:
            aggregate = db.aggregate_create(
                CTXT, 'agg-' + host, {'availability_zone': zone})
            db.aggregate_host_add(CTXT, aggregate['id'], host)


def _instance(db, n, zone=None):
    uuid = '00000000-0000-4000-8000-%012d' % n
    row = db.instance_create(CTXT, {
        'uuid': uuid, 'vm_state': vm_states.BUILDING,
        'task_state': task_states.SCHEDULING, 'availability_zone': zone,
        **instance_changes.flavor_values(TINY)})
    return objects.Instance.from_db(row)


@pytest.fixture
def scheduler(db, monkeypatch):
    with helpers.scheduler_on(db) as manager:
        manager.sent = []

        def cast(ctxt, host, instance, node, request_spec, props):
            manager.sent.append((host, instance, props))
        monkeypatch.setattr(manager.compute_rpcapi,
                            'build_and_run_instance', cast)
        yield manager


def test_the_hosts_are_read_in_one_snapshot(scheduler, db):
    _hosts(db, {'h1': 'az1', 'h2': None})
    checkouts = []
    event.listen(db.engine, 'checkout', lambda *args: checkouts.append(1))

    states = {s.host: s for s in
              scheduler.host_manager.get_host_states(CTXT)}

    assert len(checkouts) == 1
    assert states['h1'].availability_zone == 'az1'
    assert states['h2'].availability_zone == 'nova'
    assert states['h1'].service_up and states['h1'].free_ram_mb == 32768
    assert states['h1'].aggregate_metadata == {'availability_zone': {'az1'}}
    # Outside a snapshot, each read takes a connection of its own again.
    db.service_get_all(CTXT)
    db.compute_node_get_all(CTXT)
    assert len(checkouts) == 3


def test_a_snapshot_inside_a_snapshot_is_the_same_one(db):
    checkouts = []
    event.listen(db.engine, 'checkout', lambda *args: checkouts.append(1))
    with db.snapshot():
        with db.snapshot():
            db.service_get_all(CTXT)
        db.compute_node_get_all(CTXT)
    assert len(checkouts) == 1


def test_an_instance_takes_the_zone_of_the_host_chosen(scheduler, db):
    _hosts(db, {'h1': 'az1'})
    instance = _instance(db, 1)

    scheduler.build_instances(CTXT, [instance], {}, {})

    [(host, sent, _props)] = scheduler.sent
    assert (host, sent.availability_zone) == ('h1', 'az1')


def test_a_zone_asked_for_is_kept(scheduler, db):
    _hosts(db, {'h1': None})
    instance = _instance(db, 1, zone='nova')

    scheduler.build_instances(CTXT, [instance],
                              {'availability_zone': 'nova'}, {})

    [(_host, sent, _props)] = scheduler.sent
    assert sent.availability_zone == 'nova'


def test_each_host_gets_a_retry_record_of_its_own(scheduler, db):
    _hosts(db, {'h1': None, 'h2': None})
    instances = [_instance(db, 1), _instance(db, 2)]
    props = {'scheduler_hints': {'a': 'b'},
             'retry': {'num_attempts': 1, 'hosts': ['h0']}}

    scheduler.build_instances(CTXT, instances, {}, props)

    records = [sent_props['retry'] for _h, _i, sent_props in scheduler.sent]
    assert records == [{'num_attempts': 2, 'hosts': ['h0']}] * 2
    # A host that fails adds itself to its own record only.
    records[0]['hosts'].append('h1')
    assert records[1]['hosts'] == ['h0']
    assert props['retry'] == {'num_attempts': 1, 'hosts': ['h0']}
    assert scheduler.sent[0][2]['scheduler_hints'] == {'a': 'b'}
