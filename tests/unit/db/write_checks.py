"""Checks of the write paths (instances, actions, nodes), shared by the SQLite
tests (``test_instance_writes.py``) and the MariaDB ones
(``tests/real/test_db_writes.py``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova import context as nova_context
from nova.db import models

UUID_A = '00000000-0000-4000-8000-00000000a001'
UUID_B = '00000000-0000-4000-8000-00000000a002'
# Columns compared between what a write returns and a fresh read: the
# timestamps are left out, as MariaDB keeps whole seconds only.
_TIMESTAMPS = frozenset(['created_at', 'updated_at', 'deleted_at',
                         'launched_at', 'terminated_at'])


def ctxt() -> Any:
    return nova_context.RequestContext('u1', 'p1', request_id='req-w1')


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in _TIMESTAMPS}


def _live_rows(db: Any, model: Any, uuid: str) -> list[tuple[str, Any]]:
    with db.reader() as session:
        return sorted(session.execute(sa.select(model.key, model.value).where(
            model.instance_uuid == uuid, model.deleted == 0)).all())


def _dead_rows(db: Any, model: Any, uuid: str) -> int:
    with db.reader() as session:
        return len(session.execute(sa.select(model.id).where(
            model.instance_uuid == uuid, model.deleted != 0)).all())


def check_owner_writes(db: Any) -> None:
    """A cell that runs its instances: what create and update return is
    what a read finds, and side tables change row by row."""
    created = db.instance_create(ctxt(), {
        'uuid': UUID_A, 'project_id': 'p1', 'user_id': 'u1',
        'vm_state': 'building', 'task_state': 'scheduling',
        'metadata': {'role': 'web'},
        'system_metadata': {'image_a': '1', 'image_b': 2},
        'network_info': [{'address': '10.0.0.5'}]})
    assert created['sync_version'] == 1
    assert created['system_metadata'] == {'image_a': '1', 'image_b': '2'}
    fresh = db.instance_get_by_uuid(ctxt(), UUID_A)
    assert _comparable(created) == _comparable(fresh)

    updated = db.instance_update(ctxt(), UUID_A, {
        'task_state': 'spawning',
        'system_metadata': {'image_b': '3', 'image_c': '4'},
        'network_info': [{'address': '10.0.0.6'}]},
        expected_task_state='scheduling')
    assert updated['sync_version'] == 2
    assert updated['metadata'] == {'role': 'web'}
    assert updated['system_metadata'] == {'image_b': '3', 'image_c': '4'}
    assert updated['network_info'] == [{'address': '10.0.0.6'}]
    assert _comparable(updated) == _comparable(
        db.instance_get_by_uuid(ctxt(), UUID_A))
    # image_a was soft-deleted, image_b changed in place.
    assert _live_rows(db, models.InstanceSystemMetadata, UUID_A) == [
        ('image_b', '3'), ('image_c', '4')]
    assert _dead_rows(db, models.InstanceSystemMetadata, UUID_A) == 1
    # Only the listing by address sees the new one.
    found = db.instance_get_all_by_filters(ctxt(), {'ip': '10.0.0.6'})
    assert [r['uuid'] for r in found] == [UUID_A]
    assert db.instance_get_all_by_filters(ctxt(), {'ip': '10.0.0.5'}) == []


def check_update_returns(db: Any) -> None:
    """Whatever an update writes (columns, side tables, tags, nothing),
    it returns what a read finds afterwards, tags and side tables it left
    alone included; so does the API cell's change applied below."""
    db.instance_create(ctxt(), {
        'uuid': UUID_B, 'project_id': 'p1', 'vm_state': 'building',
        'tags': ['b', 'a'], 'metadata': {'k': 'v'},
        'system_metadata': {'image_a': '1'},
        'network_info': [{'address': '10.0.0.8'}]})
    for values in ({'vm_state': 'active'}, {'tags': ['c', 'a']},
                   {'metadata': {'k': 'w'}, 'tags': []},
                   {'tags': ['z', 'y'], 'system_metadata': {}},
                   {'network_info': []}, {}):
        updated = db.instance_update(ctxt(), UUID_B, values)
        fresh = db.instance_get_by_uuid(ctxt(), UUID_B)
        assert _comparable(updated) == _comparable(fresh), values
    assert (fresh['tags'], fresh['metadata'], fresh['system_metadata'],
            fresh['network_info']) == (['y', 'z'], {'k': 'w'}, {}, [])
    assert db.instance_apply_from_api(
        ctxt(), UUID_B, {'tags': ['x', 'y'], 'metadata': {}}, 1) \
        == 'updated'
    fresh = db.instance_get_by_uuid(ctxt(), UUID_B)
    assert (fresh['tags'], fresh['metadata']) == (['x', 'y'], {})


def _child(uuid: str, version: int, **values: Any) -> dict[str, Any]:
    base = {'uuid': uuid, 'project_id': 'p1', 'user_id': 'u1',
            'display_name': 'child-name', 'vm_state': 'building',
            'task_state': None, 'sync_version': version, 'api_version': 0,
            'metadata': {'from': 'child'},
            'system_metadata': {'image_a': str(version)},
            'network_info': []}
    base.update(values)
    return base


def check_top_batches(top: Any) -> None:
    """The top applies a child's batch: new and known instances, the
    same instance twice, stale copies, and the fields the top owns."""
    assert top.instances_apply_from_child(ctxt(), [
        _child(UUID_A, 1)]) == [('created', 0)]
    top.instance_update(ctxt(), UUID_A, {
        'display_name': 'renamed', 'metadata': {'m': 'top'},
        'system_metadata': {'image_a': '1', 'locked_reason': 'why'}},
        bump_api_version=True)
    results = top.instances_apply_from_child(ctxt(), [
        _child(UUID_B, 1, vm_state='building'),
        _child(UUID_A, 3, vm_state='active',
               network_info=[{'address': '10.0.0.9'}]),
        _child(UUID_B, 2, vm_state='active'),
        _child(UUID_A, 2, vm_state='building'),
    ])
    assert results == [('created', 0), ('updated', 1), ('updated', 0),
                       ('stale', 1)]
    a = top.instance_get_by_uuid(ctxt(), UUID_A)
    assert (a['vm_state'], a['sync_version'], a['display_name'],
            a['metadata']) == ('active', 3, 'renamed', {'m': 'top'})
    assert a['system_metadata'] == {'image_a': '3', 'locked_reason': 'why'}
    assert a['network_info'] == [{'address': '10.0.0.9'}]
    b = top.instance_get_by_uuid(ctxt(), UUID_B)
    assert (b['vm_state'], b['sync_version'], b['metadata']) == (
        'active', 2, {'from': 'child'})
    assert top.instances_apply_from_child(ctxt(), [
        _child(UUID_B, 2), _child(UUID_A, 3)]) == [('same', 0), ('same', 1)]


def check_events(db: Any) -> None:
    """An event's start and finish make one row, under the action."""
    db.action_start(ctxt(), {'action': 'create', 'instance_uuid': UUID_A,
                             'request_id': 'req-w1', 'user_id': 'u1',
                             'project_id': 'p1'})
    start = db.action_event_record(ctxt(), {
        'instance_uuid': UUID_A, 'event': 'build', 'host': 'h1',
        'start_time': models.utcnow()})
    finish = db.action_event_record(ctxt(), {
        'instance_uuid': UUID_A, 'event': 'build', 'result': 'Success',
        'finish_time': models.utcnow()})
    assert finish['id'] == start['id']
    assert (finish['host'], finish['result'], finish['action']) == (
        'h1', 'Success', 'create')
    action = db.action_get_by_request_id(ctxt(), UUID_A, 'req-w1')
    events = db.action_events_get(ctxt(), action['id'])
    assert [(e['event'], e['host'], e['result']) for e in events] == [
        ('build', 'h1', 'Success')]


def check_node_upsert(db: Any) -> None:
    """A node's row is created once, then updated, also with the same
    figures (an update that changes nothing is not a missing row)."""
    figures = {'vcpus': 8, 'memory_mb': 4096, 'local_gb': 100,
               'vcpus_used': 1, 'running_vms': 1}
    for used in (1, 2, 2):
        db.compute_node_upsert(ctxt(), 'host1', 'node1',
                               dict(figures, vcpus_used=used))
    db.compute_node_upsert(ctxt(), 'host1', 'node2', figures)
    nodes = db.compute_node_get_all(ctxt())
    assert [(n['hypervisor_hostname'], n['vcpus_used']) for n in nodes] == [
        ('node1', 2), ('node2', 1)]


def _nodes(db: Any) -> list[tuple[int, str, int]]:
    return [(n['id'], n['hypervisor_hostname'], n['vcpus_used'])
            for n in db.compute_node_get_all(ctxt())]


def check_node_upsert_by_id(db: Any) -> None:
    """The id a node's write returns updates its row next time, also
    with the same figures; an id that is not the node's live row (another
    node's, a deleted row's) is never written through."""
    figures = {'vcpus': 8, 'memory_mb': 4096, 'local_gb': 100,
               'vcpus_used': 1, 'running_vms': 1}
    one = db.compute_node_upsert(ctxt(), 'host1', 'node1', figures)
    two = db.compute_node_upsert(ctxt(), 'host1', 'node2', figures)
    assert one != two
    for used in (2, 2):
        assert db.compute_node_upsert(ctxt(), 'host1', 'node1', dict(
            figures, vcpus_used=used), node_id=one) == one
    assert db.compute_node_upsert(ctxt(), 'host1', 'node1', dict(
        figures, vcpus_used=3), node_id=two) == one
    assert _nodes(db) == [(one, 'node1', 3), (two, 'node2', 1)]
    with db.writer() as session:
        session.execute(sa.update(models.ComputeNode).where(
            models.ComputeNode.id == one).values(deleted=one))
    three = db.compute_node_upsert(ctxt(), 'host1', 'node1', figures,
                                   node_id=one)
    assert three not in (one, two)
    assert _nodes(db) == [(two, 'node2', 1), (three, 'node1', 1)]


def _revision(db: Any, uuid: str) -> int:
    with db.reader() as session:
        return session.execute(sa.select(models.Instance.revision).where(
            models.Instance.uuid == uuid)).scalar_one()


def check_revisions(top: Any, owner: Any) -> None:
    """Every write of what a server's view shows draws a new revision
    (the API keeps rendered views while it stays), and what a write
    returns carries the one it drew."""
    seen: list[int] = []

    def moved(db: Any, uuid: str) -> int:
        revision = _revision(db, uuid)
        assert revision not in seen, 'a write kept the revision'
        seen.append(revision)
        return revision

    # The top: a child's copy, created then updated, side tables alone.
    top.instances_apply_from_child(ctxt(), [_child(UUID_A, 1)])
    moved(top, UUID_A)
    top.instances_apply_from_child(ctxt(), [
        _child(UUID_A, 2, vm_state='active')])
    moved(top, UUID_A)
    top.instances_apply_from_child(ctxt(), [
        _child(UUID_A, 3, network_info=[{'address': '10.0.0.7'}])],
        update_fields=frozenset(['network_info']))
    moved(top, UUID_A)
    # A copy the top holds already writes nothing, and keeps it.
    held = _revision(top, UUID_A)
    top.instances_apply_from_child(ctxt(), [_child(UUID_A, 3)], resent=True)
    assert _revision(top, UUID_A) == held
    # The API's own changes, metadata alone included.
    updated = top.instance_update(ctxt(), UUID_A, {'metadata': {'k': 'v'}},
                                  bump_api_version=True)
    assert updated['revision'] == moved(top, UUID_A)
    top.instance_fault_create(ctxt(), {
        'instance_uuid': UUID_A, 'code': 500, 'message': 'boom',
        'details': ''})
    moved(top, UUID_A)
    top.instances_destroy_from_child(ctxt(), [UUID_A])
    moved(top, UUID_A)

    # The cell that runs it: create, update, the API's change, destroy.
    created = owner.instance_create(ctxt(), {
        'uuid': UUID_B, 'project_id': 'p1', 'metadata': {'a': '1'}})
    assert created['revision'] == moved(owner, UUID_B)
    owner.instance_update(ctxt(), UUID_B, {'metadata': {'a': '2'}})
    moved(owner, UUID_B)
    assert owner.instance_apply_from_api(
        ctxt(), UUID_B, {'display_name': 'renamed'}, 1) == 'updated'
    moved(owner, UUID_B)
    owner.instance_destroy(ctxt(), UUID_B)
    moved(owner, UUID_B)
