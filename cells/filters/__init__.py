"""Cell filters: which cells may take a build.

A filter gets every candidate cell and the filter properties of the build
(``context``, ``scheduler_hints``, ``request_spec``, ``instance_type``,
``our_path``: the routing path of the scheduling cell) and returns the
ones that pass.
"""

from __future__ import annotations

from typing import Any

from nova.cells import state as cells_state


class BaseCellFilter:
    def cell_passes(self, cell: cells_state.CellState,
                    filter_properties: dict[str, Any]) -> bool:
        raise NotImplementedError

    def filter_all(self, cells: list[cells_state.CellState],
                   filter_properties: dict[str, Any]
                   ) -> list[cells_state.CellState]:
        return [c for c in cells if self.cell_passes(c, filter_properties)]


def cell_path(cell: cells_state.CellState,
              filter_properties: dict[str, Any]) -> str:
    """The full routing path of a candidate cell."""
    our_path = filter_properties['our_path']
    return our_path if cell.is_me else '%s!%s' % (our_path, cell.name)


def all_filters() -> list[type[BaseCellFilter]]:
    from nova.cells.filters import hints
    from nova.cells.filters import image_properties
    return [hints.TargetCellFilter, hints.DifferentCellFilter,
            image_properties.ImagePropertiesFilter]
