"""Cell weighers: the cell scheduler builds in the heaviest cell.

Each weigher gives every candidate a raw weight; raw weights are
normalised to 0..1 across the candidates (unless the weigher says not to)
and multiplied by the weigher's multiplier option, then summed.
"""

from __future__ import annotations

from typing import Any

from nova.cells import state as cells_state


class BaseCellWeigher:
    normalize = True

    def __init__(self, conf: Any, state: Any) -> None:
        self.conf = conf
        self.state = state

    def multiplier(self) -> float:
        raise NotImplementedError

    def weigh(self, cell: cells_state.CellState,
              filter_properties: dict[str, Any]) -> float:
        raise NotImplementedError


def normalized(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high == low:
        return [0.0 if high == 0 else 1.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def all_weighers() -> list[type[BaseCellWeigher]]:
    from nova.cells.weights import cell_weights
    return [cell_weights.RamByInstanceTypeWeigher,
            cell_weights.WeightOffsetWeigher, cell_weights.MuteChildWeigher,
            cell_weights.ServerGroupWeigher]
