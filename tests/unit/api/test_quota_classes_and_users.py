"""``/os-quota-class-sets`` and the per-user ``/os-quota-sets``, over the
real quota engine and database: answers, policy, and bad input that
writes nothing."""

from __future__ import annotations

import pytest

from nova.compute import quotas
from nova.db import api as db_api
from nova.db import migration
from nova.tests.unit.api.conftest import ADMIN
from nova.tests.unit.api.conftest import MEMBER

CLASS = '/v2.1/os-quota-class-sets/default'
PROJECT = '/v2.1/os-quota-sets/proj1'


@pytest.fixture
def engine(tmp_path, conf, compute):
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    migration.db_sync(url)
    db = db_api.Database(url, owns_instances=False)
    compute.quotas = quotas.QuotaEngine(conf, db)
    yield compute.quotas
    db.dispose()


def _error(resp, code):
    assert resp.status_int == code, resp.body
    [(_kind, body)] = resp.json.items()
    assert body['code'] == code
    return body['message']


# -- quota class sets ---------------------------------------------------

def test_show_and_update_the_default_class(call, engine):
    resp = call('GET', CLASS, token=ADMIN)
    assert resp.status_int == 200
    shown = resp.json['quota_class_set']
    assert (shown['id'], shown['instances'], shown['cores']) == (
        'default', 10, 20)
    resp = call('PUT', CLASS, {'quota_class_set': {'instances': 4,
                                                   'ram': '-1'}},
                token=ADMIN)
    assert resp.status_int == 200
    updated = resp.json['quota_class_set']
    assert 'id' not in updated
    assert (updated['instances'], updated['ram']) == (4, -1)
    # Every project's defaults follow the default class.
    defaults = call('GET', PROJECT + '/defaults').json['quota_set']
    assert defaults['instances'] == 4
    assert call('GET', PROJECT).json['quota_set']['ram'] == -1


def test_another_class_keeps_to_itself(call, engine):
    call('PUT', '/v2.1/os-quota-class-sets/gold',
         {'quota_class_set': {'cores': 64}}, token=ADMIN)
    gold = call('GET', '/v2.1/os-quota-class-sets/gold',
                token=ADMIN).json['quota_class_set']
    assert (gold['id'], gold['cores'], gold['instances']) == ('gold', 64,
                                                              10)
    assert call('GET', PROJECT).json['quota_set']['cores'] == 20


@pytest.mark.parametrize('method', ['GET', 'PUT'])
def test_quota_classes_are_for_administrators(call, engine, method):
    body = {'quota_class_set': {'instances': 1}} if method == 'PUT' else None
    resp = call(method, CLASS, body, token=MEMBER)
    assert 'os-quota-class-sets' in _error(resp, 403)
    assert engine.db.quota_class_get_all_by_name(None, 'default') == {}


@pytest.mark.parametrize('body', [
    {'quota_class_set': {'instances': -2}},
    {'quota_class_set': {'instances': 'many'}},
    {'quota_class_set': {'instances': quotas.MAX_LIMIT + 1}},
    {'quota_class_set': {'bogus': 1}},
    {'quota_class_set': {'force': True}},
    {'quota_class_set': {'instances': 1}, 'extra': 1},
    {'quota_set': {'instances': 1}},
    {'quota_class_set': []},
])
def test_bad_class_updates_are_400_and_write_nothing(call, engine, body):
    _error(call('PUT', CLASS, body, token=ADMIN), 400)
    assert engine.db.quota_class_get_all_by_name(None, 'default') == {}


def test_a_class_name_too_long_is_400(call, engine):
    path = '/v2.1/os-quota-class-sets/' + 'x' * 256
    _error(call('GET', path, token=ADMIN), 400)
    _error(call('PUT', path, {'quota_class_set': {'instances': 1}},
                token=ADMIN), 400)
    assert engine.db.quota_class_get_all_by_name(None, 'x' * 256) == {}


def test_quota_class_sets_take_no_other_method(call, engine):
    assert call('DELETE', CLASS, token=ADMIN).status_int == 405
    assert call('GET', '/v2.1/os-quota-class-sets',
                token=ADMIN).status_int == 404


# -- per-user quota sets ------------------------------------------------

def test_a_users_quota_set(call, engine):
    user = PROJECT + '?user_id=u1'
    resp = call('PUT', PROJECT, {'quota_set': {'instances': 5}},
                token=ADMIN)
    assert resp.status_int == 200
    resp = call('PUT', user, {'quota_set': {'instances': 2}}, token=ADMIN)
    assert resp.status_int == 200
    assert resp.json['quota_set']['instances'] == 2
    assert 'id' not in resp.json['quota_set']
    shown = call('GET', user).json['quota_set']
    assert (shown['id'], shown['instances'], shown['cores']) == (
        'proj1', 2, 20)
    detail = call('GET', PROJECT + '/detail?user_id=u1').json['quota_set']
    assert detail['instances'] == {'limit': 2, 'in_use': 0, 'reserved': 0}
    assert call('GET', PROJECT).json['quota_set']['instances'] == 5
    assert call('DELETE', user, token=ADMIN).status_int == 202
    assert call('GET', user).json['quota_set']['instances'] == 5


def test_a_user_limit_above_the_projects_is_400_and_writes_nothing(
        call, engine):
    call('PUT', PROJECT, {'quota_set': {'instances': 5}}, token=ADMIN)
    resp = call('PUT', PROJECT + '?user_id=u1',
                {'quota_set': {'instances': 6, 'cores': 1}}, token=ADMIN)
    assert _error(resp, 400) == ('Quota limit 6 for instances must be '
                                 'less than or equal to 5.')
    assert engine.db.quota_state(None, 'proj1', 'u1')['user'] == {}
    # Forced, as in Nova.
    resp = call('PUT', PROJECT + '?user_id=u1',
                {'quota_set': {'instances': 6, 'force': True}},
                token=ADMIN)
    assert resp.status_int == 200


@pytest.mark.parametrize('query', ['?user_id=', '?user_id=a&user_id=b',
                                   '?user_id=' + 'u' * 256])
def test_bad_user_ids_are_400(call, engine, query):
    _error(call('GET', PROJECT + query), 400)
    _error(call('PUT', PROJECT + query, {'quota_set': {'instances': 1}},
                token=ADMIN), 400)
    _error(call('DELETE', PROJECT + query, token=ADMIN), 400)
    assert engine.db.quota_state(None, 'proj1')['allocated'] == {}


def test_members_read_but_do_not_change_user_quotas(call, engine):
    assert call('GET', PROJECT + '?user_id=u1').status_int == 200
    _error(call('PUT', PROJECT + '?user_id=u1',
                {'quota_set': {'instances': 1}}), 403)
    _error(call('DELETE', PROJECT + '?user_id=u1'), 403)
    _error(call('GET', '/v2.1/os-quota-sets/proj2?user_id=u1'), 403)
    assert engine.db.quota_state(None, 'proj1', 'u1')['user'] == {}
