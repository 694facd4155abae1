"""The API cell's side of a move between cells (nova.cells.moves.
CellMover), against its database and stand-ins for the two cells."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.cells import moves
from nova.cells import state as cells_state
from nova.conf import new_conf
from nova.tools.polling import wait_for

UUID = '11111111-2222-3333-4444-555555555555'
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


def _ctxt() -> nova_context.RequestContext:
    return nova_context.RequestContext('admin', 'p', is_admin=True)


class _Response:
    def __init__(self, value: Any = None, error: Exception | None = None
                 ) -> None:
        self.value, self.error = value, error

    def value_or_raise(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class FakeCells:
    """The two child cells as the mover's runner reaches them: each
    step recorded; ``down`` cells do not answer."""

    def __init__(self, top: Any) -> None:
        self.top = top
        self.steps: list[tuple[str, str]] = []
        self.down: set[str] = set()
        self.fail: dict[str, Exception] = {}

    def targeted(self, ctxt: Any, cell: str, method: str,
                 kwargs: dict[str, Any], direction: str = 'down',
                 need_response: bool = False, timeout: float | None = None
                 ) -> _Response:
        if cell in self.down:
            return _Response(error=exception.CellTimeout())
        self.steps.append((cell, method))
        if method in self.fail:
            return _Response(error=self.fail[method])
        if method == 'move_out':
            return _Response(objects.Instance.from_db(
                self.top.instance_get_by_uuid(ctxt, kwargs['instance_uuid'])))
        if method == 'move_in':
            return _Response({'host': 'cell2-compute1',
                              'node': 'cell2-compute1'})
        if method == 'move_confirm':
            row = self.top.instance_get_by_uuid(ctxt,
                                                kwargs['instance_uuid'])
            row.update(vm_state='active', host='cell2-compute1',
                       sync_version=2)
            return _Response(objects.Instance.from_db(row))
        return _Response(None)


class FakeScheduler:
    def __init__(self, room: bool = True) -> None:
        self.room = room

    def has_room(self, cell: Any, flavor: Any) -> bool:
        return self.room

    def select(self, props: dict[str, Any]) -> Any:
        excluded = props['cell_excluded'][props['our_path']]
        if not self.room or 'cell2' in excluded:
            raise exception.NoCellsAvailable()
        return cells_state.CellState('cell2')


@pytest.fixture
def mover(top):
    conf = new_conf()
    conf(args=[], default_config_files=[])
    conf.set_override('name', 'api', 'cells')
    conf.set_override('heal_interval', 10, 'cells')
    state = cells_state.CellStateManager(conf, top)
    for name in ('cell1', 'cell2'):
        child = cells_state.CellState(name)
        child.capacities = {'cells': {name: {}}}
        state.child_cells[name] = child
    cells = FakeCells(top)
    resent: list[str] = []
    mover = moves.CellMover(conf, top, state, cells,  # type: ignore
                            FakeScheduler(),  # type: ignore
                            lambda ctxt, uuid: resent.append(uuid))
    mover.cells, mover.resent = cells, resent  # type: ignore
    top.instance_apply_from_child(_ctxt(), {
        'uuid': UUID, 'vm_state': 'active', 'task_state': None,
        'host': 'cell1-compute1', 'node': 'cell1-compute1',
        'cell_name': 'api!cell1', 'sync_version': 1,
        'flavor': json.dumps(FLAVOR),
        'instance_type_id': 1, 'memory_mb': 512, 'system_metadata': {}})
    return mover


def _status(mover: Any) -> str:
    return mover.db.migration_get_all(_ctxt(), {})[0]['status']


def _wait_status(mover: Any, status: str) -> None:
    wait_for(lambda: _status(mover) == status and not mover._busy, 10,
             what='status %s' % status)


@pytest.mark.parametrize('target, reason', [
    ('api!nowhere', 'no such cell'),
    ('other!cell2', 'no such cell'),
    ('api!cell2!gc9', 'no such cell'),
    ('api!cell1', 'the server is in it already'),
])
def test_a_cell_it_cannot_go_to_changes_nothing(mover, target, reason):
    with pytest.raises(exception.CannotMigrateToCell, match=reason):
        mover.start(_ctxt(), UUID, target)
    assert mover.db.migration_get_all(_ctxt(), {}) == []
    assert mover.db.instance_get_by_uuid(_ctxt(), UUID)['task_state'] is None
    assert mover.db.actions_get(_ctxt(), UUID) == []
    assert mover.cells.steps == []


def test_a_disabled_or_full_cell_is_refused(mover):
    mover.state.child_cells['cell2'].disabled = True
    with pytest.raises(exception.CannotMigrateToCell, match='disabled'):
        mover.start(_ctxt(), UUID, 'api!cell2')
    mover.state.child_cells['cell2'].disabled = False
    mover.scheduler.room = False
    with pytest.raises(exception.CannotMigrateToCell, match='no room'):
        mover.start(_ctxt(), UUID, 'api!cell2')
    with pytest.raises(exception.CannotMigrateToCell, match='no other'):
        mover.start(_ctxt(), UUID, None)
    assert mover.db.migration_get_all(_ctxt(), {}) == []


def test_a_busy_instance_is_refused(mover):
    mover.db.instance_update(_ctxt(), UUID, {'task_state': 'rebooting'})
    with pytest.raises(exception.InstanceInvalidState):
        mover.start(_ctxt(), UUID, 'api!cell2')


def test_move_then_confirm_hands_the_instance_over(mover):
    migration = mover.start(_ctxt(), UUID, None)
    assert (migration['source_cell'], migration['dest_cell']) == (
        'api!cell1', 'api!cell2')
    assert migration['source_compute'] == 'api!cell1@cell1-compute1'
    assert mover.db.instance_get_by_uuid(_ctxt(), UUID)['task_state'] == \
        'resize_prep'
    assert [a['action'] for a in mover.db.actions_get(_ctxt(), UUID)] == [
        'migrate']
    _wait_status(mover, 'finished')
    assert mover.cells.steps == [('api!cell1', 'move_out'),
                                 ('api!cell2', 'move_in'),
                                 ('api!cell1', 'move_finish')]
    assert mover.finished_move(_ctxt(), UUID)['dest_compute'] == \
        'api!cell2@cell2-compute1'

    mover.confirm(_ctxt(), UUID)
    _wait_status(mover, 'confirmed')
    assert mover.cells.steps[3:] == [('api!cell2', 'move_confirm'),
                                     ('api!cell1', 'move_drop')]
    row = mover.db.instance_get_by_uuid(_ctxt(), UUID)
    assert (row['cell_name'], row['host']) == ('api!cell2', 'cell2-compute1')
    assert mover.resent == [UUID]


def test_revert_drops_the_target_and_runs_the_source_again(mover):
    mover.start(_ctxt(), UUID, 'api!cell2')
    _wait_status(mover, 'finished')
    mover.revert(_ctxt(), UUID)
    _wait_status(mover, 'reverted')
    assert mover.cells.steps[3:] == [('api!cell2', 'move_drop'),
                                     ('api!cell1', 'move_back')]
    assert mover.db.instance_get_by_uuid(_ctxt(), UUID)['cell_name'] == \
        'api!cell1'
    with pytest.raises(exception.MigrationNotFoundByStatus):
        mover.confirm(_ctxt(), UUID)


def test_a_failed_step_is_undone_with_a_fault(mover):
    mover.cells.fail['move_in'] = exception.NoValidHost(reason='full')
    mover.start(_ctxt(), UUID, 'api!cell2')
    _wait_status(mover, 'error')
    assert mover.cells.steps == [('api!cell1', 'move_out'),
                                 ('api!cell2', 'move_in'),
                                 ('api!cell2', 'move_drop'),
                                 ('api!cell1', 'move_back')]
    [fault] = mover.db.instance_faults_get(_ctxt(), [UUID])[UUID]
    assert fault['message'].startswith('Migration to cell api!cell2 '
                                       'failed: No valid host')


def test_the_keeper_finishes_what_a_silent_cell_left(mover):
    mover.cells.down.add('api!cell1')
    mover.start(_ctxt(), UUID, 'api!cell2')
    # move_out got no answer, nor did the undo's move_back.
    wait_for(lambda: not mover._busy, 10, what='the move given up')
    assert _status(mover) == 'pre-migrating'
    assert mover.run_once() == 0        # not stale yet
    mover.cells.down.clear()
    later = datetime.datetime(2100, 1, 1)
    assert mover.run_once(now=later) == 1
    _wait_status(mover, 'error')
    assert mover.cells.steps[-2:] == [('api!cell2', 'move_drop'),
                                      ('api!cell1', 'move_back')]
    assert mover.run_once(now=later) == 0


def test_a_leftover_copy_is_dropped_unless_a_move_needs_it(mover):
    mover.start(_ctxt(), UUID, 'api!cell2')
    _wait_status(mover, 'finished')
    assert not mover.foreign_copy(_ctxt(), 'api!cell2', UUID)
    mover.confirm(_ctxt(), UUID)
    _wait_status(mover, 'confirmed')
    assert mover.foreign_copy(_ctxt(), 'api!cell1', UUID)
    assert mover.cells.steps[-1] == ('api!cell1', 'move_drop')
