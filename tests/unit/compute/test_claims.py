"""Claims of one host through builds and resizes, and the same claims
rebuilt from the database."""

import json

import pytest

from nova import context as nova_context
from nova import objects
from nova.compute import claims
from nova.virt import fake

UUID = '00000000-0000-4000-8000-00000000000a'
TINY = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
        'vcpus': 1, 'root_gb': 1}
SMALL = {'id': 2, 'flavorid': '2', 'name': 'm1.small', 'memory_mb': 2048,
         'vcpus': 1, 'root_gb': 20}
CTXT = nova_context.get_admin_context()


def _tracker(conf, db, host):
    tracker = claims.ResourceTracker(conf, host, fake.FakeDriver(conf, host),
                                     db)
    tracker.update_available_resource(CTXT)
    return tracker


def _instance(flavor=TINY):
    return objects.Instance.from_db({'uuid': UUID,
                                     'flavor': json.dumps(flavor)})


def _used(db, host):
    [row] = [n for n in db.compute_node_get_all(CTXT) if n['host'] == host]
    return row['memory_mb_used'], row['vcpus_used'], row['local_gb_used']


def test_build_claim_and_release(conf, db):
    tracker = _tracker(conf, db, 'host1')
    tracker.claim(CTXT, _instance(), 'host1')
    assert _used(db, 'host1') == (512, 1, 1)
    tracker.release(CTXT, _instance())
    assert _used(db, 'host1') == (0, 0, 0)


def test_a_claim_past_the_limits_is_refused_and_changes_nothing(conf, db):
    tracker = _tracker(conf, db, 'host1')
    huge = dict(TINY, memory_mb=10 ** 6)
    with pytest.raises(claims.ComputeResourcesUnavailable) as info:
        tracker.claim(CTXT, _instance(huge), 'host1')
    assert 'memory_mb' in str(info.value)
    assert _used(db, 'host1') == (0, 0, 0)


def test_same_host_resize_holds_both_flavors_until_confirmed(conf, db):
    tracker = _tracker(conf, db, 'host1')
    tracker.claim(CTXT, _instance(), 'host1')
    tracker.resize_claim(CTXT, _instance(), objects.Flavor.from_db(SMALL),
                         'host1')
    assert _used(db, 'host1') == (2560, 2, 21)
    tracker.retag(CTXT, UUID, claims.INSTANCE, claims.SOURCE)
    tracker.retag(CTXT, UUID, claims.DEST, claims.INSTANCE)
    assert _used(db, 'host1') == (2560, 2, 21)
    tracker.drop(CTXT, UUID, claims.SOURCE)           # confirm
    assert _used(db, 'host1') == (2048, 1, 20)


def test_same_host_revert_keeps_the_old_flavor(conf, db):
    tracker = _tracker(conf, db, 'host1')
    tracker.claim(CTXT, _instance(), 'host1')
    tracker.resize_claim(CTXT, _instance(), objects.Flavor.from_db(SMALL),
                         'host1')
    tracker.retag(CTXT, UUID, claims.INSTANCE, claims.SOURCE)
    tracker.retag(CTXT, UUID, claims.DEST, claims.INSTANCE)
    tracker.drop(CTXT, UUID, claims.INSTANCE)          # revert_resize
    tracker.retag(CTXT, UUID, claims.SOURCE, claims.INSTANCE)
    assert _used(db, 'host1') == (512, 1, 1)
    assert tracker._claims['host1'] == {
        (UUID, claims.INSTANCE): claims.usage_of(TINY)}


@pytest.mark.parametrize('status, on_source, on_dest, where', [
    ('pre-migrating', claims.INSTANCE, claims.DEST, 'host1'),
    ('migrating', claims.SOURCE, claims.DEST, 'host1'),
    ('post-migrating', claims.SOURCE, claims.DEST, 'host1'),
    ('finished', claims.SOURCE, claims.INSTANCE, 'host2'),
    ('reverting', claims.SOURCE, claims.INSTANCE, 'host2'),
    ('confirmed', None, claims.INSTANCE, 'host2'),
    ('reverted', claims.INSTANCE, None, 'host1'),
])
def test_claims_rebuilt_from_the_database(conf, db, status, on_source,
                                          on_dest, where):
    flavor = TINY if where == 'host1' else SMALL
    db.instance_create(CTXT, {
        'uuid': UUID, 'host': where, 'node': where, 'vm_state': 'active',
        'memory_mb': flavor['memory_mb'], 'vcpus': flavor['vcpus'],
        'root_gb': flavor['root_gb'], 'ephemeral_gb': 0,
        'flavor': json.dumps(flavor)})
    db.migration_create(CTXT, {
        'instance_uuid': UUID, 'source_compute': 'host1',
        'source_node': 'host1', 'dest_compute': 'host2',
        'dest_node': 'host2', 'old_flavor': json.dumps(TINY),
        'new_flavor': json.dumps(SMALL), 'status': status})
    expected_usage = {claims.INSTANCE: None, claims.SOURCE: TINY,
                      claims.DEST: SMALL}
    for host, tag in (('host1', on_source), ('host2', on_dest)):
        tracker = _tracker(conf, db, host)
        if tag is None:
            assert tracker._claims[host] == {}
            continue
        usage = claims.usage_of(expected_usage[tag] or flavor)
        assert tracker._claims[host] == {(UUID, tag): usage}, host


def test_a_release_during_a_rebuild_is_not_undone(conf, db, monkeypatch):
    # The instance runs here as far as the database knows when the
    # rebuild reads it; its deletion (and release) lands before the
    # rebuild takes the lock.
    tracker = _tracker(conf, db, 'host1')
    instance = _instance()
    db.instance_create(CTXT, {'uuid': UUID, 'host': 'host1',
                              'node': 'host1', 'memory_mb': 512,
                              'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
                              'flavor': json.dumps(TINY)})
    tracker.claim(CTXT, instance, 'host1')
    read = tracker._claims_from_db
    reads = []

    def read_then_delete():
        claims_read = read()
        if not reads:
            db.instance_destroy(CTXT, UUID)
            tracker.release(CTXT, instance)
        reads.append(claims_read)
        return claims_read

    monkeypatch.setattr(tracker, '_claims_from_db', read_then_delete)
    tracker.update_available_resource(CTXT)
    assert len(reads) == 2
    assert _used(db, 'host1') == (0, 0, 0)
