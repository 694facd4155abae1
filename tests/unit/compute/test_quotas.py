"""The quota engine over a real (SQLite) database."""

from __future__ import annotations

import uuid

import pytest

from nova import context as nova_context
from nova import exception
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
