"""``nova-manage cell drain NAME``: empty a child cell of the API cell.

Run with the API cell's configuration.  The cell is disabled first
(``disabled`` in the API cell's ``cells`` table, through its nova-cells,
so the cell scheduler skips it at once: no new builds land there), then
each of its instances is moved to another cell (``--target``, or the cell
scheduler's choice) and the move confirmed, one instance at a time,
with a line per instance::

    cell1 disabled: no new builds; 3 instance(s) to move
    [1/3] 2b5e...: api!cell1 -> api!cell2
    [2/3] 9c01...: not moved: Cannot migrate to cell (any): no other cell
    has room for flavor 1
    [3/3] d2f4...: skipped (task_state resize_prep)

An instance that is not ACTIVE or STOPPED with no task is skipped; one
whose move fails stays where it was (see :mod:`nova.cells.moves`).  The
exit status is 1 when any instance is left in the cell.  Running the
command again moves what is left; ``nova-manage cell update
--cell_name NAME --enable`` takes builds again.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import time
from typing import Any

from oslo_config import cfg
import oslo_messaging

from nova import cell_paths
from nova import context
from nova import exception
from nova import rpc
from nova.cells import rpcapi as cells_rpcapi
from nova.compute import vm_states
from nova.db import api as db_api

_MOVABLE = (vm_states.ACTIVE, vm_states.STOPPED)


class DrainError(exception.NovaException):
    msg_fmt = '%(reason)s'


def add_parser(actions: Any) -> None:
    """Add ``drain`` to the ``cell`` actions of nova-manage."""
    drain = actions.add_parser(
        'drain', allow_abbrev=False,
        help='disable a child cell and move its instances to other cells')
    drain.add_argument('name', help='the child cell, as in cell list')
    drain.add_argument('--target', metavar='CELL_PATH',
                       help='the cell to move them to (its path, e.g. '
                            'api!cell2; default: the cell scheduler '
                            'chooses for each instance)')
    drain.add_argument('--timeout', type=float, default=300.0,
                       metavar='SECONDS',
                       help='how long one instance may take (default 300)')
    drain.set_defaults(func=cmd_cell_drain)


def _in_cell(cell_name: str | None, path: str) -> bool:
    return bool(cell_name) and (cell_paths.same_cell(cell_name, path)
                                or cell_paths.is_below(cell_name or '',
                                                       path))


def _wait_for_status(db: db_api.Database, ctxt: Any, migration_id: int,
                     wanted: tuple[str, ...], timeout: float,
                     sleep: Callable[[float], None]) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = db.migration_get(ctxt, migration_id)['status']
        if status in wanted:
            return str(status)
        if time.monotonic() > deadline:
            raise DrainError(reason='still %s after %d s' % (status,
                                                              timeout))
        sleep(0.2)


def move_one(db: db_api.Database, cells: Any, ctxt: Any, uuid: str,
             target: str | None, timeout: float,
             sleep: Callable[[float], None] = time.sleep) -> str:
    """Move one instance out of its cell and confirm; returns the path
    of its new cell."""
    migration = cells.migrate_to_cell(ctxt, uuid, target, None)
    status = _wait_for_status(db, ctxt, migration['id'],
                              ('finished', 'error'), timeout, sleep)
    if status == 'error':
        faults = db.instance_faults_get(ctxt, [uuid])[uuid]
        raise DrainError(reason=faults[0]['message'] if faults
                         else 'the move failed')
    cells.confirm_cell_move(ctxt, uuid)
    _wait_for_status(db, ctxt, migration['id'], ('confirmed',), timeout,
                     sleep)
    return str(migration['dest_cell'])


def drain(conf: cfg.ConfigOpts, db: db_api.Database, cells: Any,
          name: str, target: str | None = None, timeout: float = 300.0,
          say: Callable[[str], None] = print,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Disable child cell ``name`` and move its instances out; returns
    how many are left in it."""
    ctxt = context.get_admin_context()
    cells.cell_update(ctxt, name, {'disabled': True})
    path = cell_paths.path_join(conf.cells.name, name)
    rows = [row for row in db.instance_get_all_by_filters(
        ctxt, {'deleted': False}, sort_dir='asc')
        if _in_cell(row['cell_name'], path)]
    say('%s disabled: no new builds; %d instance(s) to move'
        % (name, len(rows)))
    left = 0
    for index, row in enumerate(rows, 1):
        head = '[%d/%d] %s:' % (index, len(rows), row['uuid'])
        current = db.instance_get_by_uuid(ctxt, row['uuid'])
        if current['vm_state'] not in _MOVABLE or current['task_state']:
            say('%s skipped (%s)' % (head, current['task_state'] and
                                     'task_state %s' % current['task_state']
                                     or 'vm_state %s' % current['vm_state']))
            left += 1
            continue
        try:
            moved_to = move_one(db, cells, ctxt, row['uuid'], target,
                                timeout, sleep)
        except exception.NovaException as error:
            say('%s not moved: %s' % (head, error.format_message()))
            left += 1
            continue
        say('%s %s -> %s' % (head, current['cell_name'], moved_to))
    say('%s: %d moved, %d left' % (name, len(rows) - left, left))
    return left


def cmd_cell_drain(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    db = db_api.Database(str(conf.database.connection))
    transport = rpc.get_transport(conf)
    try:
        left = drain(conf, db, cells_rpcapi.CellsAPI(conf, transport),
                     args.name, args.target, args.timeout)
    except oslo_messaging.MessagingException as exc:
        raise exception.ServiceUnavailable(
            reason='nova-cells of cell %s did not answer (%s); is it '
                   'running?' % (conf.cells.name, type(exc).__name__)
        ) from None
    finally:
        transport.cleanup()
        db.dispose()
    if left:
        raise DrainError(reason='%d instance(s) left in cell %s'
                         % (left, args.name))
