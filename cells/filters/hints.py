"""Filters driven by scheduler hints: ``target_cell`` and
``different_cell``, both for administrators only (a hint from anybody else
is ignored and logged)."""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

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
