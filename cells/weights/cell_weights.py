"""The weighers shipped: free RAM for the flavor, operator offset, mute
children."""

from __future__ import annotations

from typing import Any

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
