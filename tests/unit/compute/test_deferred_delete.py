"""Soft delete: the compute API's checks, the host's work and the
reclaim of what is old enough."""

from __future__ import annotations

import datetime

import pytest

from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova.compute import api as compute_api
from nova.compute import deferred_delete
from nova.compute import manager as compute_manager
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova.tests.unit.api import fakes

CTXT = nova_context.get_admin_context()
TINY = fakes.make_flavor('1', 'm1.tiny', 512, 1, 1, id=1)
LAUNCHED = datetime.datetime(2026, 12, 1)


def _uuid(n: int) -> str:
    return '00000000-0000-4000-8000-%012d' % n


@pytest.fixture
def manager(conf, db, transport, monkeypatch):
    conf.set_override('reclaim_instance_interval', 600)
    mgr = compute_manager.ComputeManager(conf, 'host1', db, transport)
    mgr.tracker.update_available_resource(CTXT)
    monkeypatch.setattr(mgr.network_rpcapi, 'deallocate_for_instance',
                        lambda ctxt, uuid: None)
    return mgr


def _running(mgr, n: int, **values) -> objects.Instance:
    row = mgr.db.instance_create(CTXT, dict({
        'uuid': _uuid(n), 'project_id': 'p1', 'user_id': 'u1',
        'vm_state': vm_states.ACTIVE, 'host': 'host1', 'node': 'host1',
        'launched_at': LAUNCHED, 'memory_mb': 512, 'vcpus': 1,
        'root_gb': 1, 'ephemeral_gb': 0}, **values))
    instance = objects.Instance.from_db(row)
    mgr.driver.spawn(CTXT, instance, 'host1', [])
    return instance


def _row(db, uuid):
    return db.instance_get_by_uuid(
        nova_context.get_admin_context(read_deleted='yes'), uuid)


def test_the_host_powers_off_then_on(manager):
    instance = _running(manager, 1, task_state=task_states.SOFT_DELETING)
    manager.soft_delete_instance(CTXT, instance)
    row = _row(manager.db, instance.uuid)
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        vm_states.SOFT_DELETED, None, power_state.SHUTDOWN)
    assert manager.driver.get_power_state(instance) == power_state.SHUTDOWN

    manager.db.instance_update(CTXT, instance.uuid,
                               {'task_state': task_states.RESTORING})
    manager.restore_instance(CTXT, instance)
    row = _row(manager.db, instance.uuid)
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        vm_states.ACTIVE, None, power_state.RUNNING)
    events = manager.db.action_events_get(CTXT, manager.db.actions_get(
        CTXT, instance.uuid)[0]['id'])
    assert {e['event'] for e in events} >= {'compute_restore_instance'}


def test_a_soft_delete_whose_task_moved_on_changes_nothing(manager):
    # A forceDelete won meanwhile: the host leaves the instance alone.
    instance = _running(manager, 2, task_state=task_states.DELETING)
    manager.soft_delete_instance(CTXT, instance)
    row = _row(manager.db, instance.uuid)
    assert (row['vm_state'], row['task_state']) == (vm_states.ACTIVE,
                                                    task_states.DELETING)
    assert manager.driver.get_power_state(instance) == power_state.RUNNING


def test_reclaim_deletes_only_what_is_old_enough(manager):
    now = datetime.datetime(2026, 12, 7, 12, 0)
    old = _running(manager, 3, vm_state=vm_states.SOFT_DELETED,
                   deleted_at=now - datetime.timedelta(seconds=601))
    young = _running(manager, 4, vm_state=vm_states.SOFT_DELETED,
                     deleted_at=now - datetime.timedelta(seconds=599))
    busy = _running(manager, 5, vm_state=vm_states.SOFT_DELETED,
                    task_state=task_states.RESTORING,
                    deleted_at=now - datetime.timedelta(days=1))
    active = _running(manager, 6)
    assert deferred_delete.reclaim_queued_deletes(manager, now=now) == 1
    assert _row(manager.db, old.uuid)['deleted'] != 0
    assert manager.driver.get_power_state(old) == power_state.NOSTATE
    for kept in (young, busy, active):
        assert _row(manager.db, kept.uuid)['deleted'] == 0
    assert set(manager.driver.list_instances()) == {
        young.uuid, busy.uuid, active.uuid}


def test_reclaim_is_off_without_an_interval(manager, conf):
    conf.set_override('reclaim_instance_interval', 0)
    old = _running(manager, 7, vm_state=vm_states.SOFT_DELETED,
                   deleted_at=datetime.datetime(2000, 1, 1))
    assert deferred_delete.reclaim_queued_deletes(manager) == 0
    assert _row(manager.db, old.uuid)['deleted'] == 0
    assert all(func.__name__ != 'reclaim_queued_deletes'
               for func, _ in manager.periodic_tasks())


# -- the compute API ---------------------------------------------------

@pytest.fixture
def api(conf, db, transport, monkeypatch):
    api = compute_api.API(conf, db, transport)
    cast = []
    for method in ('soft_delete_instance', 'restore_instance',
                   'terminate_instance'):
        monkeypatch.setattr(
            api.compute_rpcapi, method,
            lambda ctxt, inst, _m=method: cast.append((_m, inst.uuid)))
    api.cast = cast
    return api


def _instance(db, n: int, **values) -> objects.Instance:
    return objects.Instance.from_db(db.instance_create(CTXT, dict({
        'uuid': _uuid(n), 'project_id': 'p1', 'user_id': 'u1',
        'vm_state': vm_states.ACTIVE, 'host': 'host1',
        'launched_at': LAUNCHED, **instance_changes.flavor_values(TINY)},
        **values)))


def test_soft_delete_marks_and_casts(api, db):
    instance = _instance(db, 10)
    api.soft_delete(CTXT, instance)
    row = _row(db, instance.uuid)
    assert row['task_state'] == task_states.SOFT_DELETING
    assert row['deleted_at'] is not None and row['deleted'] == 0
    assert api.cast == [('soft_delete_instance', instance.uuid)]
    assert db.actions_get(CTXT, instance.uuid)[0]['action'] == 'delete'


@pytest.mark.parametrize('values', [
    {'launched_at': None, 'vm_state': vm_states.ERROR},
    {'vm_state': vm_states.SOFT_DELETED},
    {'vm_state': vm_states.RESIZED},
    {'task_state': task_states.DELETING},
])
def test_soft_delete_refuses_what_it_cannot_keep(api, db, values):
    instance = _instance(db, 11, **values)
    with pytest.raises(exception.InstanceInvalidState):
        api.soft_delete(CTXT, instance)
    assert api.cast == []
    assert db.actions_get(CTXT, instance.uuid) == []


def test_soft_delete_of_a_locked_server_by_its_owner_is_refused(api, db):
    instance = _instance(db, 12, locked=True)
    with pytest.raises(exception.InstanceIsLocked):
        api.soft_delete(nova_context.RequestContext('u1', 'p1'), instance)
    assert api.cast == []


def test_restore_checks_state_and_quota(api, db, conf):
    active = _instance(db, 13)
    with pytest.raises(exception.InstanceInvalidState):
        api.restore(CTXT, active)
    kept = _instance(db, 14, vm_state=vm_states.SOFT_DELETED,
                     deleted_at=LAUNCHED)
    # The active one fills the project's quota; the kept one no longer
    # counts, so bringing it back does not fit.
    conf.set_override('instances', 1, 'quota')
    with pytest.raises(exception.TooManyInstances):
        api.restore(CTXT, kept)
    assert api.cast == []
    assert _row(db, kept.uuid)['task_state'] is None
    conf.set_override('instances', 2, 'quota')
    api.restore(CTXT, kept)
    row = _row(db, kept.uuid)
    assert (row['task_state'], row['deleted_at']) == (task_states.RESTORING,
                                                      None)
    assert api.cast == [('restore_instance', kept.uuid)]
    assert db.actions_get(CTXT, kept.uuid)[0]['action'] == 'restore'
