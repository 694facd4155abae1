"""The weighers shipped: free RAM for the flavor, operator offset, mute
children, soft server group policies."""

from __future__ import annotations

from typing import Any

from nova import cell_paths
from nova import server_groups
from nova.cells import group_cells
from nova.cells import state as cells_state
from nova.cells import weights


def units_for(capacities: dict[str, Any], kind: str,
              size_mb: int) -> int | None:
    """Units of at least ``size_mb`` a cell reported, None if unknown."""
    units = (capacities.get(kind) or {}).get('units_by_mb')
    if not units:
        return None
    fitting = [int(s) for s in units if int(s) >= size_mb]
    if not fitting:
        return 0
    return int(units[str(min(fitting))])


class RamByInstanceTypeWeigher(weights.BaseCellWeigher):
    """More instances of the requested flavor still fit: heavier.

    The count is scaled by the cell's ``weight_scale``.
    """

    def multiplier(self) -> float:
        return float(self.conf.cells.ram_weight_multiplier)

    def weigh(self, cell: cells_state.CellState,
              filter_properties: dict[str, Any]) -> float:
        flavor = filter_properties['instance_type']
        units = units_for(cell.capacities, 'ram_free', flavor.memory_mb)
        return float(units or 0) * cell.weight_scale


class WeightOffsetWeigher(weights.BaseCellWeigher):
    """The operator's ``weight_offset`` of the cell, as is: a large offset
    makes a cell preferred (or, negative, avoided) whatever its room."""

    normalize = False

    def multiplier(self) -> float:
        return float(self.conf.cells.offset_weight_multiplier)

    def weigh(self, cell: cells_state.CellState,
              filter_properties: dict[str, Any]) -> float:
        return float(cell.weight_offset)


class MuteChildWeigher(weights.BaseCellWeigher):
    """A child not heard from for ``mute_child_interval``: 1, else 0."""

    normalize = False

    def multiplier(self) -> float:
        return float(self.conf.cells.mute_weight_multiplier)

    def weigh(self, cell: cells_state.CellState,
              filter_properties: dict[str, Any]) -> float:
        if cell.is_me:
            return 0.0
        return 1.0 if self.state.is_mute(cell) else 0.0


class ServerGroupWeigher(weights.BaseCellWeigher):
    """A member of a soft-affinity group: the more members a cell holds,
    the heavier; of a soft-anti-affinity group: the lighter.  0 for any
    other build."""

    def multiplier(self) -> float:
        return float(self.conf.cells.server_group_weight_multiplier)

    def weigh(self, cell: cells_state.CellState,
              filter_properties: dict[str, Any]) -> float:
        spec = filter_properties.get(server_groups.FILTER_PROPERTY)
        if not spec:
            return 0.0
        our_path = filter_properties['our_path']
        path = (our_path if cell.is_me
                else cell_paths.path_join(our_path, cell.name))
        count = float(group_cells.members_in(spec, path))
        if spec.get('policy') == server_groups.SOFT_AFFINITY:
            return count
        if spec.get('policy') == server_groups.SOFT_ANTI_AFFINITY:
            return -count
        return 0.0
