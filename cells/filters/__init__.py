"""Cell filters: which cells may take a build.

A filter gets every candidate cell and the filter properties of the build
(``context``, ``scheduler_hints``, ``request_spec``, ``instance_type``,
``our_path``: the routing path of the scheduling cell) and returns the
ones that pass.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from nova import cell_paths
from nova.cells import state as cells_state

LOG = logging.getLogger(__name__)


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


def cells_towards(cells: list[cells_state.CellState], target: str,
                  our_path: str) -> list[cells_state.CellState]:
    """The one cell on the way from ``our_path`` to the cell at
    ``target`` (ourselves when we are it); none when ``target`` is not
    in our subtree."""
    if target == our_path:
        return [c for c in cells if c.is_me]
    prefix = our_path + cell_paths.PATH_CELL_SEP
    if not target.startswith(prefix):
        LOG.warning('Cell %s is not below %s', target, our_path)
        return []
    child = target[len(prefix):].split(cell_paths.PATH_CELL_SEP)[0]
    return [c for c in cells if not c.is_me and c.name == child]


def all_filters() -> list[type[BaseCellFilter]]:
    from nova.cells.filters import availability_zone
    from nova.cells.filters import hints
    from nova.cells.filters import image_properties
    return [hints.TargetCellFilter, hints.DifferentCellFilter,
            hints.SameHostCellFilter,
            image_properties.ImagePropertiesFilter,
            availability_zone.AvailabilityZoneFilter]
