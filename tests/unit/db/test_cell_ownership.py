"""The API cell takes the copies of an instance that moved between
cells from the cell that owns it only: the move hands it over once
(instance_move_to_cell)."""

from __future__ import annotations

from nova import context as nova_context

UUID = '5d0b4a1e-8f41-4c7e-9d3c-1b2a3c4d5e6f'


def _ctxt():
    return nova_context.get_admin_context()


def _copy(version, cell, **values):
    base = {'uuid': UUID, 'display_name': 'vm', 'vm_state': 'active',
            'task_state': None, 'host': cell + '-compute1',
            'sync_version': version, 'cell_name': cell,
            'system_metadata': {}}
    base.update(values)
    return base


def _moving(top, status='finished'):
    top.migration_create(_ctxt(), {
        'instance_uuid': UUID, 'source_cell': 'api!cell1',
        'dest_cell': 'api!cell2', 'status': status,
        'migration_type': 'migration'})


def test_another_cells_copy_changes_nothing(top):
    ctxt = _ctxt()
    assert top.instance_apply_from_child(
        ctxt, _copy(3, 'api!cell1'))[0] == 'created'
    _moving(top)
    assert top.instance_apply_from_child(
        ctxt, _copy(9, 'api!cell2', vm_state='resized'))[0] == 'foreign'
    row = top.instance_get_by_uuid(ctxt, UUID)
    assert (row['cell_name'], row['vm_state'], row['sync_version']) == (
        'api!cell1', 'active', 3)
    # Nor may that cell delete it.
    assert top.instances_destroy_from_child(ctxt, [UUID],
                                            'api!cell2') == []
    assert top.instance_get_by_uuid(ctxt, UUID)['deleted'] == 0


def test_a_build_may_change_cells(top):
    ctxt = _ctxt()
    top.instance_apply_from_child(ctxt, _copy(1, 'api!cell1',
                                              vm_state='building'))
    assert top.instance_apply_from_child(
        ctxt, _copy(2, 'api!cell2', vm_state='building'))[0] == 'updated'
    assert top.instance_get_by_uuid(ctxt, UUID)['cell_name'] == 'api!cell2'


def test_an_instance_that_never_moved_follows_its_cell_as_before(top):
    ctxt = _ctxt()
    top.instance_apply_from_child(ctxt, _copy(1, 'api!cell1'))
    assert top.instance_apply_from_child(
        ctxt, _copy(2, 'api!cell2', vm_state='error'))[0] == 'updated'
    assert top.instance_get_by_uuid(ctxt, UUID)['cell_name'] == 'api!cell2'


def test_the_move_hands_the_instance_over_whatever_the_versions(top):
    ctxt = _ctxt()
    top.instance_apply_from_child(ctxt, _copy(7, 'api!cell1'))
    _moving(top, 'confirming')
    # The target's record counts from where the source was when the
    # move started: lower than the source's last update.
    assert top.instance_move_to_cell(
        ctxt, _copy(5, 'api!cell2', host='cell2-compute2')) == 'updated'
    row = top.instance_get_by_uuid(ctxt, UUID)
    assert (row['cell_name'], row['host'], row['sync_version']) == (
        'api!cell2', 'cell2-compute2', 5)
    # From now on the new cell's updates count, the old cell's do not.
    assert top.instance_apply_from_child(
        ctxt, _copy(6, 'api!cell2', vm_state='stopped'))[0] == 'updated'
    assert top.instance_apply_from_child(
        ctxt, _copy(8, 'api!cell1', vm_state='error'))[0] == 'foreign'
    assert top.instances_destroy_from_child(ctxt, [UUID],
                                            'api!cell1') == []
    assert top.instance_get_by_uuid(ctxt, UUID)['vm_state'] == 'stopped'
    assert top.instances_destroy_from_child(ctxt, [UUID],
                                            'api!cell2') == [UUID]


def test_a_tombstone_is_not_moved(top):
    ctxt = _ctxt()
    top.instance_apply_from_child(ctxt, _copy(1, 'api!cell1'))
    top.instance_destroy_from_child(ctxt, UUID, 'api!cell1')
    assert top.instance_move_to_cell(ctxt, _copy(2, 'api!cell2')) == \
        'deleted'
