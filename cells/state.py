"""What this cell knows of itself and its neighbours.

Neighbours come from the ``cells`` table (or the JSON ``[cells]
cells_config`` file) and are reloaded every ``db_check_interval``, so
creating, changing or deleting a cell takes effect without a restart.
Children report their capabilities and capacities; a child not heard from
for ``mute_child_interval`` is *mute*.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import threading
import time
from typing import Any

from oslo_log import log as logging

from nova import aggregates
from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import servicegroup
from nova.conf import cells as cells_conf
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# Sizes for which a cell counts how many instances still fit
# (``units_by_mb``).  Children do not know the API cell's flavors, so they
# count for powers of two; the cell scheduler reads the smallest size at
# least as large as the flavor, which never overstates what fits.
UNIT_SIZES_MB = [2 ** n for n in range(6, 18)]      # 64 MiB .. 128 GiB
UNIT_SIZES_DISK_MB = [0] + [1024 * 2 ** n for n in range(0, 12)]


# What a cell's capacities hold, summed up the tree.
CAPACITY_KINDS = ('ram_free', 'disk_free')


class CellState:
    """One cell as seen from here (a neighbour, or this cell itself)."""

    def __init__(self, name: str, is_me: bool = False) -> None:
        self.name = name
        self.is_me = is_me
        self.is_parent = False
        self.transport_url: str | None = None
        self.weight_offset = 0.0
        self.weight_scale = 1.0
        # Skipped by the cell scheduler: no new builds nor moves in.
        self.disabled = False
        self.capabilities: dict[str, set[str]] = {}
        self.capacities: dict[str, Any] = {}
        self.last_seen: float | None = None

    def update_db_info(self, row: dict[str, Any]) -> None:
        self.is_parent = bool(row.get('is_parent'))
        self.transport_url = row['transport_url']
        self.weight_offset = float(row.get('weight_offset') or 0.0)
        self.weight_scale = float(row.get('weight_scale') or 1.0)
        self.disabled = bool(row.get('disabled'))

    def __repr__(self) -> str:
        return '<CellState %s%s>' % (self.name, ' (me)' if self.is_me else '')


def units_by_mb(free_per_host: list[int], sizes: list[int],
                reserve_percent: float) -> dict[str, int]:
    """How many instances of each size fit, host by host."""
    units: dict[str, int] = {}
    for size in sizes:
        count = 0
        for free in free_per_host:
            usable = free - free * reserve_percent / 100.0
            count += int(usable // size) if size else 1
        units[str(size)] = count
    return units


class CellStateManager:
    """Neighbours of this cell, reloaded from the DB or a JSON file."""

    def __init__(self, conf: Any, db: Database,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.conf = conf
        self.db = db
        self.clock = clock
        self._lock = threading.RLock()
        self.my_cell_state = CellState(conf.cells.name, is_me=True)
        self.my_cell_state.capabilities = cells_conf.parse_capabilities(
            conf.cells.capabilities)
        self.parent_cells: dict[str, CellState] = {}
        self.child_cells: dict[str, CellState] = {}
        self.on_change: list[Callable[[CellState, str], None]] = []
        self._own_capacities_at: float | None = None

    # -- neighbours -----------------------------------------------------

    def _read_rows(self) -> list[dict[str, Any]]:
        path = self.conf.cells.cells_config
        if path:
            return load_cells_config(path)
        return self.db.cell_get_all(nova_context.get_admin_context())

    def reload(self) -> None:
        """Read the neighbours again; keep what they reported."""
        rows = self._read_rows()
        with self._lock:
            old = {**self.parent_cells, **self.child_cells}
            parents: dict[str, CellState] = {}
            children: dict[str, CellState] = {}
            for row in rows:
                state = old.get(row['name']) or CellState(row['name'])
                previous_url = state.transport_url
                state.update_db_info(row)
                (parents if state.is_parent else children)[
                    state.name] = state
                if previous_url and previous_url != state.transport_url:
                    self._changed(state, 'changed')
            gone = set(old) - set(parents) - set(children)
            self.parent_cells, self.child_cells = parents, children
        for name in gone:
            LOG.info('Cell %s is no longer a neighbour', name)
            self._changed(old[name], 'deleted')

    def _changed(self, state: CellState, what: str) -> None:
        for callback in list(self.on_change):
            callback(state, what)

    def get_child_cells(self) -> list[CellState]:
        with self._lock:
            return list(self.child_cells.values())

    def get_parent_cells(self) -> list[CellState]:
        with self._lock:
            return list(self.parent_cells.values())

    def get_child_cell(self, name: str) -> CellState | None:
        with self._lock:
            return self.child_cells.get(name)

    def get_parent_cell(self, name: str) -> CellState | None:
        with self._lock:
            return self.parent_cells.get(name)

    def is_top(self) -> bool:
        with self._lock:
            return not self.parent_cells

    # -- what children report -------------------------------------------

    def update_cell_capabilities(self, name: str,
                                 capabilities: dict[str, list[str]]) -> None:
        with self._lock:
            cell = self.child_cells.get(name)
            if cell is None:
                LOG.warning('Capabilities from unknown child cell %s', name)
                return
            cell.capabilities = {k: set(v) for k, v in capabilities.items()}
            cell.last_seen = self.clock()

    def update_cell_capacities(self, name: str,
                               capacities: dict[str, Any]) -> None:
        with self._lock:
            cell = self.child_cells.get(name)
            if cell is None:
                LOG.warning('Capacities from unknown child cell %s', name)
                return
            cell.capacities = capacities
            cell.last_seen = self.clock()

    def is_known_mute(self, cell: CellState) -> bool:
        """Mute after having been heard from: a child never heard from
        (this worker just started, or another worker gets its reports)
        is not known to be anything yet."""
        return cell.last_seen is not None and self.is_mute(cell)

    def is_mute(self, cell: CellState) -> bool:
        if cell.last_seen is None:
            return True
        return (self.clock() - cell.last_seen
                > self.conf.cells.mute_child_interval)

    # -- what this cell reports -----------------------------------------

    def get_our_capabilities(self) -> dict[str, list[str]]:
        """Ours, merged with every child's (the whole subtree)."""
        merged = {k: set(v) for k, v in
                  self.my_cell_state.capabilities.items()}
        for cell in self.get_child_cells():
            for key, values in cell.capabilities.items():
                merged.setdefault(key, set()).update(values)
        return {k: sorted(v) for k, v in merged.items()}

    def _usable_nodes(self) -> list[dict[str, Any]]:
        """The compute nodes of this cell whose service is enabled and
        up."""
        ctxt = nova_context.get_admin_context()
        services = {s['host']: s for s in self.db.service_get_all(
            ctxt, binary='nova-compute')}
        usable = []
        for node in self.db.compute_node_get_all(ctxt):
            service = services.get(node['host'])
            if (service is not None and not service['disabled']
                    and servicegroup.service_is_up(
                        service, self.conf.service_down_time)):
                usable.append(node)
        return usable

    def _free(self, ram: list[int], disk: list[int]) -> dict[str, Any]:
        reserve = self.conf.cells.reserve_percent
        return {
            'ram_free': {'total_mb': sum(ram), 'units_by_mb': units_by_mb(
                ram, UNIT_SIZES_MB, reserve)},
            'disk_free': {'total_mb': sum(disk), 'units_by_mb': units_by_mb(
                disk, UNIT_SIZES_DISK_MB, reserve)},
        }

    def compute_own_capacities(self) -> dict[str, Any]:
        """Free RAM and disk of this cell's enabled, up compute nodes,
        in all and in each availability zone (``zones``: the zone's
        enabled ``hosts`` and its free RAM and disk)."""
        ctxt = nova_context.get_admin_context()
        services = {s['host']: s for s in self.db.service_get_all(
            ctxt, binary='nova-compute')}
        nodes = self.db.compute_node_get_all(ctxt)
        host_zones = aggregates.host_zones(self.conf, self.db, ctxt, nodes)
        ram: list[int] = []
        disk: list[int] = []
        by_zone: dict[str, tuple[set[str], list[int], list[int]]] = {}
        for node in nodes:
            service = services.get(node['host'])
            if service is None or service['disabled']:
                continue
            zone = by_zone.setdefault(host_zones[node['host']],
                                      (set(), [], []))
            zone[0].add(node['host'])
            if not servicegroup.service_is_up(service,
                                              self.conf.service_down_time):
                continue
            free_ram = max(0, node['memory_mb'] - node['memory_mb_used'])
            free_disk = max(0, (node['local_gb'] - node['local_gb_used'])
                            * 1024)
            for values, free in ((ram, free_ram), (disk, free_disk),
                                 (zone[1], free_ram), (zone[2], free_disk)):
                values.append(free)
        caps = self._free(ram, disk)
        caps['zones'] = {name: dict(self._free(zone_ram, zone_disk),
                                    hosts=sorted(hosts))
                         for name, (hosts, zone_ram, zone_disk)
                         in by_zone.items()}
        self.my_cell_state.capacities = caps
        self._own_capacities_at = self.clock()
        return caps

    def hosts_with_room(self, memory_mb: int, disk_gb: int
                        ) -> list[tuple[str, str]]:
        """(host, node) of this cell's enabled, up compute nodes with
        room for ``memory_mb`` and ``disk_gb``, the most free RAM first:
        where an instance moving in from another cell may go."""
        fits = []
        for node in self._usable_nodes():
            ram = node['memory_mb'] - node['memory_mb_used']
            disk = node['local_gb'] - node['local_gb_used']
            if ram >= memory_mb and disk >= disk_gb:
                fits.append((ram, node['host'], node['hypervisor_hostname']))
        return [(host, name) for _, host, name in
                sorted(fits, key=lambda f: -f[0])]

    def own_capacities(self, max_age: float) -> dict[str, Any]:
        """Our capacities, read again from the database when older than
        ``max_age`` seconds.  In between, the scheduler's ``consume``
        counts the builds it kept here, as it does for children between
        their reports; the database would not show them yet anyway."""
        if (self._own_capacities_at is None
                or self.clock() - self._own_capacities_at >= max_age):
            return self.compute_own_capacities()
        return self.my_cell_state.capacities

    def get_our_capacities(self) -> dict[str, Any]:
        """Ours plus every child's, summed, each cell counted once
        however many paths lead to it (a cell with two parents reports
        to both).

        Besides the sums (``ram_free``, ``disk_free``) it holds ``cells``,
        the capacities of each cell of the subtree by cell name (which
        the parent merges with its other children's), and ``mute``, the
        children known to be mute, counted as they last reported.
        """
        by_cell: dict[str, dict[str, Any]] = {
            self.my_cell_state.name: dict(json.loads(json.dumps(
                self.compute_own_capacities())), path=self.my_cell_state.name)}
        mute = []
        for cell in self.get_child_cells():
            if self.is_known_mute(cell):
                # Counted as last reported, and named.
                mute.append(cell.name)
            reported = cell.capacities or {}
            below = reported.get('cells') or {cell.name: reported}
            for name, caps in below.items():
                if name in by_cell:
                    continue
                by_cell[name] = {k: caps[k] for k in (*CAPACITY_KINDS,
                                                      'zones') if k in caps}
                # Its path from here, by the first way we heard of it.
                by_cell[name]['path'] = cell_paths.path_join(
                    self.my_cell_state.name, caps.get('path', name))
        total: dict[str, Any] = {kind: {'total_mb': 0, 'units_by_mb': {}}
                                 for kind in CAPACITY_KINDS}
        for caps in by_cell.values():
            for kind in CAPACITY_KINDS:
                part = caps.get(kind)
                if not part:
                    continue
                total[kind]['total_mb'] += part.get('total_mb', 0)
                units = total[kind]['units_by_mb']
                for size, count in part.get('units_by_mb', {}).items():
                    units[size] = units.get(size, 0) + count
        total['cells'] = by_cell
        total['mute'] = sorted(mute)
        return total


def load_cells_config(path: str) -> list[dict[str, Any]]:
    """Neighbour rows from a JSON ``cells_config`` file."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise exception.InvalidCellConfig(
            reason='cannot read %s: %s' % (path, exc)) from exc
    if not isinstance(data, dict):
        raise exception.InvalidCellConfig(
            reason='%s must map cell names to objects' % path)
    rows = []
    for name, entry in data.items():
        if not isinstance(entry, dict) or 'transport_url' not in entry:
            raise exception.InvalidCellConfig(
                reason='cell %s in %s needs a transport_url' % (name, path))
        rows.append(dict(entry, name=entry.get('name', name)))
    return rows
