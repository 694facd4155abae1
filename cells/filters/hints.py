"""Filters driven by scheduler hints: ``target_cell`` and
``different_cell``, both for administrators only (a hint from anybody else
is ignored and logged), and ``same_host``, for everybody."""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from nova import cell_paths
from nova.cells import filters
from nova.cells import state as cells_state

LOG = logging.getLogger(__name__)


def _admin_hint(filter_properties: dict[str, Any], name: str) -> Any:
    hints = filter_properties.get('scheduler_hints') or {}
    value = hints.get(name)
    if value is None:
        return None
    context = filter_properties.get('context')
    if context is None or not context.is_admin:
        LOG.info('Ignoring scheduler hint %s from a non-admin', name)
        return None
    return value


class TargetCellFilter(filters.BaseCellFilter):
    """Only the cell on the way to the hinted path (``api!cell1!gc1``).

    A hinted path outside this cell's subtree leaves no cell at all.
    """

    def filter_all(self, cells: list[cells_state.CellState],
                   filter_properties: dict[str, Any]
                   ) -> list[cells_state.CellState]:
        target = _admin_hint(filter_properties, 'target_cell')
        if target is None:
            return cells
        return filters.cells_towards(cells, str(target),
                                     filter_properties['our_path'])


class DifferentCellFilter(filters.BaseCellFilter):
    """Cells outside the hinted path(s), e.g. to spread a service."""

    def filter_all(self, cells: list[cells_state.CellState],
                   filter_properties: dict[str, Any]
                   ) -> list[cells_state.CellState]:
        avoid = _admin_hint(filter_properties, 'different_cell')
        if avoid is None:
            return cells
        if isinstance(avoid, str):
            avoid = [avoid]
        avoid = [str(a) for a in avoid]

        def outside(cell: cells_state.CellState) -> bool:
            path = filters.cell_path(cell, filter_properties)
            return not any(path == a or path.startswith(a + '!')
                           for a in avoid)
        return [c for c in cells if outside(c)]


# Filter property: the cell paths of the servers a ``same_host`` hint
# names, read at the top (the API cell knows each server's cell) and
# carried down with the build; absent without the hint.
SAME_HOST_CELLS = 'same_host_cells'


class SameHostCellFilter(filters.BaseCellFilter):
    """With ``same_host``: only the cells on the way to a cell holding one
    of the named servers (none when none of them is in a cell).

    ``different_host`` needs no cell filter: a host of another cell is
    a different host, and the host scheduler of a cell holding some of
    the named servers keeps off their hosts.
    """

    def filter_all(self, cells: list[cells_state.CellState],
                   filter_properties: dict[str, Any]
                   ) -> list[cells_state.CellState]:
        paths = filter_properties.get(SAME_HOST_CELLS)
        if paths is None:
            return cells
        our_path = filter_properties['our_path']
        return [c for c in cells if any(
            _holds(filters.cell_path(c, filter_properties), path, our_path)
            for path in paths)]


def _holds(candidate: str, path: str, our_path: str) -> bool:
    """Whether the cell at ``path`` is the candidate cell at
    ``candidate`` or below it (ourselves only for our own hosts)."""
    if candidate == our_path:
        return path == our_path
    return path == candidate or cell_paths.is_below(path, candidate)
