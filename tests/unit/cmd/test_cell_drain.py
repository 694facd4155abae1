"""nova-manage cell drain: the cell disabled, its instances moved one by
one through nova-cells, a line each, what is left counted."""

from __future__ import annotations

from typing import Any

from nova import context as nova_context
from nova.cmd import cell_drain
from nova.conf import new_conf

ADMIN = nova_context.get_admin_context()


class FakeCells:
    """nova-cells of the API cell: moves succeed unless the instance's
    name says ``fail``."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.updates: list[tuple[str, dict[str, Any]]] = []

    def cell_update(self, ctxt: Any, name: str, values: dict[str, Any]
                    ) -> None:
        self.updates.append((name, values))

    def migrate_to_cell(self, ctxt: Any, uuid: str, target: Any,
                        host: Any) -> dict[str, Any]:
        name = self.db.instance_get_by_uuid(ctxt, uuid)['display_name']
        failing = name == 'fail'
        if failing:
            self.db.instance_fault_create(ctxt, {
                'instance_uuid': uuid, 'code': 500,
                'message': 'Migration to cell api!cell2 failed: no room'})
        return self.db.migration_create(ctxt, {
            'instance_uuid': uuid, 'source_cell': 'api!cell1',
            'dest_cell': target or 'api!cell2',
            'status': 'error' if failing else 'finished'})

    def confirm_cell_move(self, ctxt: Any, uuid: str) -> None:
        migration = self.db.migration_get_by_instance_and_status(
            ctxt, uuid, 'finished')
        self.db.migration_update(ctxt, migration['id'],
                                 {'status': 'confirmed'})


def _instance(db: Any, uuid: str, name: str, cell: str,
              **values: Any) -> None:
    db.instance_apply_from_child(ADMIN, dict({
        'uuid': uuid, 'display_name': name, 'vm_state': 'active',
        'task_state': None, 'cell_name': cell, 'sync_version': 1},
        **values))


def test_drain_moves_what_it_can_and_counts_the_rest(top):
    conf = new_conf()
    conf(args=[], default_config_files=[])
    conf.set_override('name', 'api', 'cells')
    _instance(top, '00000000-0000-0000-0000-000000000001', 'ok', 'api!cell1')
    _instance(top, '00000000-0000-0000-0000-000000000002', 'fail',
              'api!cell1')
    _instance(top, '00000000-0000-0000-0000-000000000003', 'busy',
              'api!cell1', task_state='rebooting')
    _instance(top, '00000000-0000-0000-0000-000000000004', 'other',
              'api!cell2')
    cells = FakeCells(top)
    lines: list[str] = []
    left = cell_drain.drain(conf, top, cells, 'cell1', say=lines.append,
                            sleep=lambda s: None)
    assert left == 2
    assert cells.updates == [('cell1', {'disabled': True})]
    assert lines == [
        'cell1 disabled: no new builds; 3 instance(s) to move',
        '[1/3] 00000000-0000-0000-0000-000000000001: api!cell1 -> '
        'api!cell2',
        '[2/3] 00000000-0000-0000-0000-000000000002: not moved: Migration '
        'to cell api!cell2 failed: no room',
        '[3/3] 00000000-0000-0000-0000-000000000003: skipped (task_state '
        'rebooting)',
        'cell1: 1 moved, 2 left']
