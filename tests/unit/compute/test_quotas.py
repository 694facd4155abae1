"""The quota engine over a real (SQLite) database."""

from __future__ import annotations

import threading
import uuid

import pytest

from nova import context as nova_context
from nova import exception
from nova import notifications
from nova.compute import quotas
from nova.db import api as db_api
from nova.db import migration
from nova.tests.unit.api import fakes
from nova.tests.unit.compute.quota_race import run_posters
from nova.tests.unit.compute.quota_race import values_for

PROJECT = 'proj1'


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    migration.db_sync(url)
    database = db_api.Database(url, owns_instances=False)
    yield database
    database.dispose()


@pytest.fixture
def engine(conf, db):
    return quotas.QuotaEngine(conf, db)


@pytest.fixture
def ctxt():
    return nova_context.get_admin_context()


TINY = fakes.make_flavor('1', 'm1.tiny', 512, 1, 1)
MEDIUM = fakes.make_flavor('3', 'm1.medium', 4096, 2, 40)


def add(db, ctxt, flavor, project=PROJECT, count=1):
    uuids = []
    for _ in range(count):
        row = db.instance_create(ctxt, {
            'uuid': str(uuid.uuid4()),
            'project_id': project, 'vcpus': flavor.vcpus,
            'memory_mb': flavor.memory_mb, 'vm_state': 'active'})
        uuids.append(row['uuid'])
    return uuids


def test_defaults_come_from_the_config(conf, engine):
    conf.set_override('instances', 3, 'quota')
    defaults = engine.defaults()
    assert defaults['instances'] == 3
    assert (defaults['cores'], defaults['ram']) == (20, 51200)
    assert defaults['injected_file_path_bytes'] == 255
    assert defaults['floating_ips'] == -1
    assert list(defaults) == list(quotas.RESOURCES)


def test_usage_counts_live_instances_of_the_project(db, engine, ctxt):
    add(db, ctxt, MEDIUM, count=2)
    add(db, ctxt, TINY, project='other')
    deleted = add(db, ctxt, TINY)
    db.instance_destroy(ctxt, deleted[0])
    usage = engine.get_usage(ctxt, PROJECT)
    assert (usage['instances'], usage['cores'], usage['ram']) == (2, 4, 8192)
    assert usage['key_pairs'] == 0


def test_project_limits_override_and_reset(engine, ctxt):
    limits = engine.update_limits(ctxt, PROJECT, {'instances': 4,
                                                  'ram': -1})
    assert (limits['instances'], limits['ram'], limits['cores']) == \
        (4, -1, 20)
    assert engine.get_limits(ctxt, 'other')['instances'] == 10
    engine.reset(ctxt, PROJECT)
    assert engine.get_limits(ctxt, PROJECT)['instances'] == 10


def test_limits_below_usage_need_force(db, engine, ctxt):
    add(db, ctxt, TINY, count=3)
    with pytest.raises(exception.InvalidQuotaValue) as raised:
        engine.update_limits(ctxt, PROJECT, {'instances': 2})
    assert raised.value.code == 400
    assert engine.update_limits(ctxt, PROJECT, {'instances': 2},
                                force=True)['instances'] == 2
    for bad in ({'instances': -5}, {'nonsense': 1},
                {'cores': quotas.MAX_LIMIT + 1}):
        with pytest.raises(exception.InvalidInput):
            engine.update_limits(ctxt, PROJECT, bad)


def test_check_boot(db, engine, ctxt):
    engine.update_limits(ctxt, PROJECT, {'instances': 5, 'cores': 6})
    add(db, ctxt, MEDIUM)                              # 1 instance, 2 cores
    assert engine.check_boot(ctxt, PROJECT, TINY, 1, 3) == 3
    # Cores leave room for two mediums only.
    assert engine.check_boot(ctxt, PROJECT, MEDIUM, 1, 4) == 2
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.check_boot(ctxt, PROJECT, MEDIUM, 3, 3)
    assert raised.value.format_message() == (
        'Quota exceeded for cores: Requested 6, but already used 2 of 6 '
        'cores')
    assert raised.value.code == 403
    engine.update_limits(ctxt, PROJECT, {'instances': 1})
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.check_boot(ctxt, PROJECT, MEDIUM, 1, 2)
    assert raised.value.format_message() == (
        'Quota exceeded for instances: Requested 1-2, but already used 1 of '
        '1 instances')
    engine.update_limits(ctxt, PROJECT, {'cores': 3})
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.check_boot(ctxt, PROJECT, MEDIUM, 1, 2)
    assert raised.value.format_message() == (
        'Quota exceeded for cores, instances: Requested 4, 1-2, but already '
        'used 2, 1 of 3, 1 cores, instances')


def test_unlimited_and_zero(db, engine, ctxt):
    engine.update_limits(ctxt, PROJECT, {'instances': -1, 'cores': -1,
                                         'ram': -1})
    add(db, ctxt, MEDIUM, count=30)
    assert engine.check_boot(ctxt, PROJECT, MEDIUM, 1, 100) == 100
    engine.update_limits(ctxt, PROJECT, {'instances': 0}, force=True)
    with pytest.raises(exception.TooManyInstances):
        engine.check_boot(ctxt, PROJECT, TINY, 1, 1)


def test_create_boot_creates_what_fits_and_refuses_with_what_it_counted(
        db, engine, ctxt):
    engine.update_limits(ctxt, PROJECT, {'instances': 3})
    add(db, ctxt, TINY)
    rows = engine.create_boot(ctxt, PROJECT, TINY, 1, 5,
                              values_for(PROJECT, TINY))
    assert len(rows) == 2
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.create_boot(ctxt, PROJECT, TINY, 1, 1,
                           values_for(PROJECT, TINY))
    assert raised.value.format_message() == (
        'Quota exceeded for instances: Requested 1, but already used 3 of '
        '3 instances')
    assert engine.get_usage(ctxt, PROJECT)['instances'] == 3


@pytest.mark.parametrize('posters,limit', [(6, 4), (12, 10), (5, 10)])
def test_concurrent_posters_create_exactly_what_fits(db, engine, ctxt,
                                                     posters, limit):
    engine.update_limits(ctxt, PROJECT, {'instances': limit})
    created, refused = run_posters(engine, ctxt, posters, PROJECT, TINY)
    assert len(created) == min(posters, limit)
    assert engine.get_usage(ctxt, PROJECT)['instances'] == min(posters,
                                                               limit)
    # Every refusal tells the usage it counted: the limit, reached.
    assert refused == [
        'Quota exceeded for instances: Requested 1, but already used '
        '%d of %d instances' % (limit, limit)] * max(0, posters - limit)


def test_check_resize_counts_only_growth(db, engine, ctxt):
    engine.update_limits(ctxt, PROJECT, {'cores': 2, 'ram': -1})
    add(db, ctxt, MEDIUM)
    engine.check_resize(ctxt, PROJECT, MEDIUM, TINY)   # shrinking
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.check_resize(ctxt, PROJECT, TINY, MEDIUM)
    assert raised.value.format_message() == (
        'Quota exceeded for cores: Requested 1, but already used 2 of 2 '
        'cores')
    engine.update_limits(ctxt, PROJECT, {'cores': -1, 'ram': 6000})
    large = fakes.make_flavor('9', 'big', 9000, 2, 1)
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.check_resize(ctxt, PROJECT, MEDIUM, large)
    assert raised.value.format_message().startswith(
        'Quota exceeded for ram: Requested 4904, but already used 4096 of '
        '6000 ram')


# -- server groups ---------------------------------------------------------

def _new_group(db, ctxt, engine, project=PROJECT, policy='anti-affinity'):
    """A group created as the compute API creates one (quota-checked)."""
    from nova.compute import api_groups

    class Groups(api_groups.ServerGroupsMixin):
        pass
    groups = Groups()
    groups.db, groups.quotas, groups.conf = db, engine, engine.conf
    groups.notifier = notifications.Notifier(engine.conf, None, 'nova-api',
                                             'api')
    return groups.server_group_create(
        nova_context.RequestContext('u', project), 'g', policy)


def test_server_groups_are_counted_and_limited(engine, db, ctxt):
    db.quota_set(ctxt, PROJECT, {'server_groups': 2})
    _new_group(db, ctxt, engine)
    _new_group(db, ctxt, engine)
    with pytest.raises(exception.ServerGroupQuotaExceeded) as error:
        _new_group(db, ctxt, engine)
    assert str(error.value) == 'Quota exceeded, too many server groups.'
    assert engine.get_usage(ctxt, PROJECT)['server_groups'] == 2
    assert engine.get_usage(ctxt, 'other')['server_groups'] == 0
    # A limit below the groups held needs force.
    with pytest.raises(exception.InvalidQuotaValue):
        engine.update_limits(ctxt, PROJECT, {'server_groups': 1})


def test_members_of_a_group_within_its_member_limit(engine, db, ctxt):
    db.quota_set(ctxt, PROJECT, {'server_group_members': 3})
    group = db.instance_group_get(ctxt, _new_group(db, ctxt, engine)['uuid'])

    rows = engine.create_boot(ctxt, PROJECT, TINY, 1, 5,
                              values_for(PROJECT, TINY), group=group)
    assert len(rows) == 3
    assert db.instance_group_get(ctxt, group['uuid'])['members'] == [
        r['uuid'] for r in rows]
    with pytest.raises(exception.ServerGroupQuotaExceeded) as error:
        engine.create_boot(ctxt, PROJECT, TINY, 1, 1,
                           values_for(PROJECT, TINY), group=group)
    assert str(error.value) == 'Quota exceeded, too many servers in group'
    # A deleted member leaves room.
    db.instance_destroy(ctxt, rows[0]['uuid'])
    assert len(engine.create_boot(ctxt, PROJECT, TINY, 1, 1,
                                  values_for(PROJECT, TINY),
                                  group=group)) == 1


def test_concurrent_boots_into_a_group_fill_it_exactly(engine, db, ctxt):
    db.quota_set(ctxt, PROJECT, {'server_group_members': 4,
                                 'instances': 50, 'cores': 50})
    group = db.instance_group_get(ctxt, _new_group(db, ctxt, engine)['uuid'])
    barrier = threading.Barrier(8)
    refused = []

    def post():
        barrier.wait()
        try:
            engine.create_boot(ctxt, PROJECT, TINY, 1, 1,
                               values_for(PROJECT, TINY), group=group)
        except exception.ServerGroupQuotaExceeded as error:
            refused.append(str(error))
    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(db.instance_group_get(ctxt, group['uuid'])['members']) == 4
    assert len(refused) == 4


def test_deleting_a_group_frees_its_place_and_keeps_members(engine, db,
                                                             ctxt):
    db.quota_set(ctxt, PROJECT, {'server_groups': 1})
    group = _new_group(db, ctxt, engine)
    [row] = engine.create_boot(
        ctxt, PROJECT, TINY, 1, 1, values_for(PROJECT, TINY),
        group=db.instance_group_get(ctxt, group['uuid']))
    assert db.instance_group_uuids_of(ctxt, row['uuid']) == [group['uuid']]
    db.instance_group_delete(ctxt, group['uuid'])
    assert db.instance_group_uuids_of(ctxt, row['uuid']) == []
    assert db.instance_get_by_uuid(ctxt, row['uuid'])['uuid'] == row['uuid']
    _new_group(db, ctxt, engine)
    with pytest.raises(exception.InstanceGroupNotFound):
        db.instance_group_delete(ctxt, group['uuid'])


def test_a_project_sees_only_its_own_groups(engine, db, ctxt):
    group = _new_group(db, ctxt, engine)
    other = nova_context.RequestContext('x', 'other')
    with pytest.raises(exception.InstanceGroupNotFound):
        db.instance_group_get(other, group['uuid'])
    with pytest.raises(exception.InstanceGroupNotFound):
        db.instance_group_delete(other, group['uuid'])
    assert db.instance_group_get_all(other, 'other') == []
    assert [g['uuid'] for g in db.instance_group_get_all(ctxt)] == [
        group['uuid']]
