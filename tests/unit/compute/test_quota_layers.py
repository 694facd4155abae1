"""Quota layers over a real (SQLite) database: the ``default`` quota
class over the options, a project over its class, a user of the project
within the project; and soft-deleted servers, which count for none."""

from __future__ import annotations

import uuid

import pytest

from nova import context as nova_context
from nova import exception
from nova.compute import quotas
from nova.compute import vm_states
from nova.tests.unit.api import fakes

PROJECT = 'proj1'
TINY = fakes.make_flavor('1', 'm1.tiny', 512, 1, 1)
CTXT = nova_context.get_admin_context()


@pytest.fixture
def engine(conf, db):
    return quotas.QuotaEngine(conf, db)


def add(db, user='u1', count=1, vm_state=vm_states.ACTIVE):
    for _ in range(count):
        db.instance_create(CTXT, {
            'uuid': str(uuid.uuid4()), 'project_id': PROJECT,
            'user_id': user, 'vcpus': 1, 'memory_mb': 512,
            'vm_state': vm_state})


def values_for(user):
    def values(index, count):
        return {'uuid': str(uuid.uuid4()), 'project_id': PROJECT,
                'user_id': user, 'vcpus': 1, 'memory_mb': 512,
                'vm_state': 'building'}
    return values


# -- quota classes ------------------------------------------------------

def test_the_default_class_sets_every_projects_defaults(engine, conf):
    conf.set_override('instances', 7, 'quota')
    assert engine.get_class(CTXT, 'default')['instances'] == 7
    shown = engine.update_class(CTXT, 'default', {'instances': 3,
                                                  'cores': -1})
    assert (shown['instances'], shown['cores'], shown['ram']) == (
        3, -1, 51200)
    assert engine.defaults()['instances'] == 3
    assert engine.get_limits(CTXT, PROJECT)['instances'] == 3
    # A project's own limit still wins.
    engine.update_limits(CTXT, PROJECT, {'instances': 5})
    assert engine.get_limits(CTXT, PROJECT)['instances'] == 5
    assert engine.get_limits(CTXT, 'other')['instances'] == 3
    # Other classes do not change the defaults; what they do not set is
    # the options' value.
    other = engine.update_class(CTXT, 'gold', {'ram': 1})
    assert (other['ram'], other['instances']) == (1, 7)
    assert engine.defaults()['ram'] == 51200


def test_the_default_class_limits_boots(engine):
    engine.update_class(CTXT, 'default', {'instances': 1})
    engine.create_boot(CTXT, PROJECT, TINY, 1, 1, values_for('u1'))
    with pytest.raises(exception.TooManyInstances):
        engine.create_boot(CTXT, PROJECT, TINY, 1, 1, values_for('u1'))


def test_bad_class_limits_write_nothing(engine):
    for bad in ({'instances': -2}, {'bogus': 1},
                {'cores': quotas.MAX_LIMIT + 1}):
        with pytest.raises(exception.InvalidInput):
            engine.update_class(CTXT, 'default', bad)
    assert engine.db.quota_class_get_all_by_name(CTXT, 'default') == {}


# -- users of a project -------------------------------------------------

def test_a_user_takes_the_projects_limits_unless_given_own(engine):
    engine.update_limits(CTXT, PROJECT, {'instances': 6})
    assert engine.get_limits(CTXT, PROJECT, 'u1')['instances'] == 6
    shown = engine.update_limits(CTXT, PROJECT, {'instances': 2},
                                 user_id='u1')
    assert shown['instances'] == 2 and shown['cores'] == 20
    assert engine.get_limits(CTXT, PROJECT, 'u2')['instances'] == 6
    assert engine.get_limits(CTXT, PROJECT)['instances'] == 6
    engine.reset(CTXT, PROJECT, 'u1')
    assert engine.get_limits(CTXT, PROJECT, 'u1')['instances'] == 6


def test_a_user_limit_stays_within_what_the_project_leaves(engine, db):
    engine.update_limits(CTXT, PROJECT, {'instances': 5})
    engine.update_limits(CTXT, PROJECT, {'instances': 3}, user_id='u1')
    with pytest.raises(exception.QuotaValueTooHigh) as raised:
        engine.update_limits(CTXT, PROJECT, {'instances': 3},
                             user_id='u2')
    assert raised.value.code == 400
    assert raised.value.format_message() == (
        'Quota limit 3 for instances must be less than or equal to 2.')
    # u1 may change its own limit up to all the project leaves it.
    engine.update_limits(CTXT, PROJECT, {'instances': 5}, user_id='u1')
    # Nothing was written for u2.
    assert engine.get_limits(CTXT, PROJECT, 'u2')['instances'] == 5
    assert engine.db.quota_state(CTXT, PROJECT, 'u2')['user'] == {}
    # The project cannot go below what its users were given...
    with pytest.raises(exception.InvalidQuotaValue):
        engine.update_limits(CTXT, PROJECT, {'instances': 4})
    # ...nor a user below what they use, unless forced.
    add(db, 'u2', count=2)
    engine.update_limits(CTXT, PROJECT, {'instances': 10})
    with pytest.raises(exception.InvalidQuotaValue):
        engine.update_limits(CTXT, PROJECT, {'instances': 1},
                             user_id='u2')
    engine.update_limits(CTXT, PROJECT, {'instances': 1}, user_id='u2',
                         force=True)
    assert engine.get_limits(CTXT, PROJECT, 'u2')['instances'] == 1


def test_an_unlimited_project_leaves_its_users_any_limit(engine):
    engine.update_limits(CTXT, PROJECT, {'instances': -1})
    assert engine.update_limits(CTXT, PROJECT, {'instances': 1000},
                                user_id='u1')['instances'] == 1000


def test_boots_fit_both_the_users_and_the_projects_limits(engine, db):
    engine.update_limits(CTXT, PROJECT, {'instances': 4})
    engine.update_limits(CTXT, PROJECT, {'instances': 2}, user_id='u1')
    add(db, 'u1')
    rows = engine.create_boot(CTXT, PROJECT, TINY, 1, 3, values_for('u1'),
                              user_id='u1')
    assert len(rows) == 1
    with pytest.raises(exception.TooManyInstances) as raised:
        engine.create_boot(CTXT, PROJECT, TINY, 1, 1, values_for('u1'),
                           user_id='u1')
    assert raised.value.format_message() == (
        'Quota exceeded for instances: Requested 1, but already used 2 of '
        '2 instances')
    # Another user of the project has the project's room left.
    assert len(engine.create_boot(CTXT, PROJECT, TINY, 1, 5,
                                  values_for('u2'), user_id='u2')) == 2
    assert engine.get_usage(CTXT, PROJECT)['instances'] == 4
    assert engine.get_usage(CTXT, PROJECT, 'u2')['instances'] == 2
    detail = engine.get_detail(CTXT, PROJECT, 'u1')
    assert detail['instances'] == {'limit': 2, 'in_use': 2, 'reserved': 0}


def test_resetting_a_project_resets_its_users(engine):
    engine.update_limits(CTXT, PROJECT, {'instances': 1}, user_id='u1')
    engine.reset(CTXT, PROJECT)
    assert engine.get_limits(CTXT, PROJECT, 'u1')['instances'] == 10


def test_soft_deleted_servers_count_for_no_quota(engine, db):
    add(db, 'u1', count=2)
    add(db, 'u1', count=3, vm_state=vm_states.SOFT_DELETED)
    assert engine.get_usage(CTXT, PROJECT)['instances'] == 2
    assert engine.get_usage(CTXT, PROJECT, 'u1')['cores'] == 2
