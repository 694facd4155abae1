"""The aggregates of one cell with Nova's rules (nova.aggregates), on
SQLite, and the zone each host is in."""

import pytest

from nova import aggregates
from nova import context as nova_context
from nova import exception

CTXT = nova_context.get_admin_context()


@pytest.fixture
def cell(conf, db):
    for host in ('h1', 'h2', 'h3'):
        db.service_report(CTXT, host, 'nova-compute', 'compute')
        db.compute_node_upsert(CTXT, host, host, {
            'vcpus': 4, 'memory_mb': 4096, 'local_gb': 40,
            'vcpus_used': 0, 'memory_mb_used': 0, 'local_gb_used': 0})
    db.service_report(CTXT, 'sched', 'nova-scheduler', 'scheduler')
    changes = []
    agg = aggregates.CellAggregates(conf, db, lambda: changes.append(1))
    agg.changes = changes
    return agg


def test_create_show_list_and_names_unique(cell):
    made = cell.create(CTXT, 'agg1', 'az1')
    assert (made['id'], made['name'], made['availability_zone'],
            made['hosts'], made['metadata']) == (
        1, 'agg1', 'az1', [], {'availability_zone': 'az1'})
    assert made['created_at'] and made['deleted'] is False
    assert cell.get(CTXT, 1) == made
    plain = cell.create(CTXT, 'agg2')
    assert plain['availability_zone'] is None and plain['metadata'] == {}
    assert [a['name'] for a in cell.get_all(CTXT)] == ['agg1', 'agg2']
    with pytest.raises(exception.AggregateNameExists):
        cell.create(CTXT, 'agg1')
    with pytest.raises(exception.AggregateNameExists):
        cell.update(CTXT, 2, {'name': 'agg1'})
    with pytest.raises(exception.AggregateNotFound):
        cell.get(CTXT, 9)
    assert len(cell.changes) == 2


def test_only_compute_hosts_of_the_cell_join(cell):
    cell.create(CTXT, 'agg1')
    assert cell.add_host(CTXT, 1, 'h1')['hosts'] == ['h1']
    for host in ('nowhere', 'sched'):
        with pytest.raises(exception.ComputeHostNotFound):
            cell.add_host(CTXT, 1, host)
    with pytest.raises(exception.AggregateHostExists):
        cell.add_host(CTXT, 1, 'h1')
    with pytest.raises(exception.AggregateHostNotFound):
        cell.remove_host(CTXT, 1, 'h2')
    with pytest.raises(exception.AggregateNotFound):
        cell.add_host(CTXT, 7, 'h1')
    with pytest.raises(exception.InvalidAggregateActionDelete):
        cell.delete(CTXT, 1)
    assert cell.remove_host(CTXT, 1, 'h1')['hosts'] == []
    cell.delete(CTXT, 1)
    assert cell.get_all(CTXT) == []


def test_a_host_lies_in_one_zone(cell, conf, db):
    cell.create(CTXT, 'a1', 'az1')
    cell.add_host(CTXT, 1, 'h1')
    cell.create(CTXT, 'a2', 'az2')
    with pytest.raises(exception.InvalidAggregateActionAdd) as error:
        cell.add_host(CTXT, 2, 'h1')
    assert error.value.format_message() == (
        "Cannot add host to aggregate 2. Reason: One or more hosts already "
        "in availability zone(s) ['az1'].")
    # An aggregate of the same zone, or of none, may take it.
    cell.create(CTXT, 'a3', 'az1')
    cell.add_host(CTXT, 3, 'h1')
    cell.create(CTXT, 'plain')
    cell.add_host(CTXT, 4, 'h1')
    with pytest.raises(exception.InvalidAggregateActionUpdateMeta):
        cell.set_metadata(CTXT, 4, {'availability_zone': 'az2'})
    with pytest.raises(exception.InvalidAggregateActionUpdate):
        cell.update(CTXT, 4, {'availability_zone': 'az2'})
    for call in (lambda: cell.update(CTXT, 2, {'availability_zone': None}),
                 lambda: cell.set_metadata(CTXT, 2,
                                           {'availability_zone': ''})):
        with pytest.raises(exception.InvalidAggregateAction) as error:
            call()
        assert 'empty named availability zone' in str(error.value)
    assert cell.get(CTXT, 4)['metadata'] == {}
    assert cell.get(CTXT, 2)['metadata'] == {'availability_zone': 'az2'}
    assert aggregates.host_zones(conf, db, CTXT) == {
        'h1': 'az1', 'h2': 'nova', 'h3': 'nova'}


def test_a_zone_is_not_renamed_under_running_instances(cell, db):
    cell.create(CTXT, 'a1', 'az1')
    cell.add_host(CTXT, 1, 'h1')
    db.instance_create(CTXT, {'uuid': 'u1', 'host': 'h1', 'vm_state':
                              'active', 'availability_zone': 'az1'})
    with pytest.raises(exception.InvalidAggregateActionUpdate) as error:
        cell.update(CTXT, 1, {'availability_zone': 'az9'})
    assert 'contain instances' in error.value.format_message()
    # The same name, or another key, is fine.
    cell.update(CTXT, 1, {'availability_zone': 'az1', 'name': 'b1'})
    cell.set_metadata(CTXT, 1, {'ssd': 'true'})
    assert cell.get(CTXT, 1)['metadata'] == {'availability_zone': 'az1',
                                             'ssd': 'true'}


def test_host_metadata_gathers_every_aggregate(cell, db):
    cell.create(CTXT, 'a1')
    cell.set_metadata(CTXT, 1, {'ssd': 'true', 'gpu': 'a'})
    cell.create(CTXT, 'a2')
    cell.set_metadata(CTXT, 2, {'gpu': 'b'})
    cell.create(CTXT, 'a3')
    for agg_id in (1, 2):
        cell.add_host(CTXT, agg_id, 'h1')
    cell.add_host(CTXT, 3, 'h2')
    assert db.aggregate_host_metadata(CTXT) == {
        'h1': {'ssd': {'true'}, 'gpu': {'a', 'b'}}, 'h2': {}}


def test_errors_name_what_the_caller_named():
    with pytest.raises(exception.AggregateHostNotFound) as error:
        with aggregates.shown_as({'aggregate_id': 'api!c1@3',
                                  'host': 'api!c1@h1'},
                                 {'aggregate_id': 3, 'host': 'h1'}):
            raise exception.AggregateHostNotFound(aggregate_id=3, host='h1')
    assert error.value.format_message() == \
        'Aggregate api!c1@3 has no host api!c1@h1.'
    with pytest.raises(exception.ComputeHostNotFound) as other:
        with aggregates.shown_as({'aggregate_id': 'x@3'},
                                 {'aggregate_id': 3}):
            raise exception.ComputeHostNotFound(host='h9')
    assert other.value.format_message() == \
        'Compute host h9 could not be found.'


def test_the_zone_of_one_host(cell, conf, db):
    conf.set_override('availability_zone', 'own')
    assert aggregates.host_zone(conf, db, CTXT, 'h1') == 'own'
    conf.clear_override('availability_zone')
    assert aggregates.host_zone(conf, db, CTXT, 'h1') == 'nova'
    cell.create(CTXT, 'a1', 'az1')
    cell.add_host(CTXT, 1, 'h1')
    assert aggregates.host_zone(conf, db, CTXT, 'h1') == 'az1'
    assert aggregates.host_zone(conf, db, CTXT, 'h2') == 'nova'
    assert db.aggregate_host_metadata(CTXT, host='h2') == {}
