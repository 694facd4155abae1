"""The availability zone (or the host) a build asks for, against the
zones each cell reports with its capacities."""

from __future__ import annotations

from typing import Any

from nova.cells import filters
from nova.cells import state as cells_state
from nova.cells.weights import cell_weights


def subtree_zones(cell: cells_state.CellState) -> dict[str, dict[str, Any]]:
    """The zones of the cell and the cells below it, as last reported:
    each with its ``hosts`` and its free RAM and disk summed."""
    caps = cell.capacities or {}
    parts = (caps.get('cells') or {cell.name: caps}).values()
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        for name, zone in (part.get('zones') or {}).items():
            into = merged.setdefault(name, {'hosts': set()})
            into['hosts'].update(zone.get('hosts') or [])
            for kind in cells_state.CAPACITY_KINDS:
                units = into.setdefault(kind, {'units_by_mb': {}})[
                    'units_by_mb']
                for size, count in ((zone.get(kind) or {}).get(
                        'units_by_mb') or {}).items():
                    units[size] = units.get(size, 0) + count
    return merged


def _room(zone: dict[str, Any], flavor: Any) -> bool:
    disk_mb = ((flavor.root_gb or 0) + (flavor.ephemeral_gb or 0)) * 1024
    return (cell_weights.units_for(zone, 'ram_free', flavor.memory_mb) != 0
            and cell_weights.units_for(zone, 'disk_free', disk_mb) != 0)


class AvailabilityZoneFilter(filters.BaseCellFilter):
    """Only the cells with hosts in the requested zone, and room there.

    An administrator's ``zone:host`` (``force_hosts``, and ``force_cell``
    when the host was named with its cell's path) leaves only the cell on
    the way to that host, whatever its zone, as Nova lets a named host
    bypass the filters.
    """

    def filter_all(self, cells: list[cells_state.CellState],
                   filter_properties: dict[str, Any]
                   ) -> list[cells_state.CellState]:
        force_cell = filter_properties.get('force_cell')
        if force_cell:
            return filters.cells_towards(cells, str(force_cell),
                                         filter_properties['our_path'])
        return super().filter_all(cells, filter_properties)

    def cell_passes(self, cell: cells_state.CellState,
                    filter_properties: dict[str, Any]) -> bool:
        forced = filter_properties.get('force_hosts') or []
        wanted = (filter_properties.get('request_spec') or {}).get(
            'availability_zone')
        if not forced and not wanted:
            # Most builds name neither: no need to merge the zones.
            return True
        zones = subtree_zones(cell)
        if forced:
            return any(host in zone['hosts'] for zone in zones.values()
                       for host in forced)
        zone = zones.get(str(wanted))
        return zone is not None and _room(zone,
                                          filter_properties['instance_type'])
