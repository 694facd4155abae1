"""Server groups in the cell scheduler: which cells a member may go to.

Hard affinity keeps a group's members on one host, so in one cell: the
cell scheduler sends every member to the cell of the first.  The cell of
a member already placed decides; before any is placed, the first build
to be scheduled *pins* the group to the cell it chose, and builds racing
with it go where the pin says:

* at the top, the pin is the group's ``cell_name`` in the API cell's
  database, set by compare-and-set, so that concurrent builds (handled by
  any number of nova-cells workers) agree;
* in a cell between the top and the hosts, a pin of this process
  (the group is not in that cell's database).

A pin may move while no member is placed (the pinned cell failed the
first build, or has no room left), never once one is: a member that
cannot join the others fails with NoValidHost, as in Nova.

Anti-affinity needs nothing here: members in different cells are on
different hosts by construction, and a cell whose hosts all hold a
member fails the build back up, to the next cell.  Soft policies are a
weigher (:class:`nova.cells.weights.cell_weights.ServerGroupWeigher`).
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_log import log as logging

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import server_groups
from nova.cells import state as cells_state
from nova.db.api import Database

LOG = logging.getLogger(__name__)


def hop_toward(our_path: str, path: str | None) -> str | None:
    """The name of the cell, seen from ``our_path``, on the way to the
    cell at ``path``: our own name when it is us, None when ``path`` is
    not under us."""
    if not path:
        return None
    if path == our_path:
        return our_path.rsplit(cell_paths.PATH_CELL_SEP, 1)[-1]
    if cell_paths.is_below(path, our_path):
        return path[len(our_path) + 1:].split(cell_paths.PATH_CELL_SEP)[0]
    return None


def members_in(spec: dict[str, Any] | None, path: str) -> int:
    """How many members of the group are in the cell at ``path`` or
    below it."""
    if not spec:
        return 0
    return sum(1 for m in spec.get('members') or ()
               if m.get('cell_name') and (
                   m['cell_name'] == path
                   or cell_paths.is_below(m['cell_name'], path)))


class GroupCells:
    """The group part of a cell scheduler's choice."""

    def __init__(self, db: Database, state: cells_state.CellStateManager
                 ) -> None:
        self.db = db
        self.state = state
        self._pins: dict[str, str] = {}
        self._lock = threading.Lock()

    def refresh(self, props: dict[str, Any]) -> None:
        """At the top, read the build's group again: members placed and
        the pin may have changed since the build was sent."""
        spec = props.get(server_groups.FILTER_PROPERTY)
        if not spec or not self.state.is_top():
            return
        try:
            group = self.db.instance_group_get(
                nova_context.get_admin_context(), spec['uuid'])
        except exception.InstanceGroupNotFound:
            # Deleted meanwhile: the build goes on with what it carries.
            return
        fresh = server_groups.spec_of(group)
        fresh['cell_name'] = group.get('cell_name')
        spec.update(fresh)

    @staticmethod
    def _affinity(props: dict[str, Any]) -> dict[str, Any] | None:
        spec = props.get(server_groups.FILTER_PROPERTY)
        if spec and spec.get('policy') == server_groups.AFFINITY:
            return spec
        return None

    @staticmethod
    def _placed_hop(spec: dict[str, Any], props: dict[str, Any]
                    ) -> str | None:
        """Where the members in a cell (the build's own aside: one that
        failed in a cell is tried elsewhere) say the build goes."""
        our_path = props['our_path']
        own = set(props.get('build_uuids') or ())
        for member in spec.get('members') or ():
            if member['uuid'] in own:
                continue
            hop = hop_toward(our_path, member.get('cell_name'))
            if hop is not None:
                return hop
        return None

    def _pinned_hop(self, spec: dict[str, Any], our_path: str
                    ) -> str | None:
        if self.state.is_top():
            return hop_toward(our_path, spec.get('cell_name'))
        with self._lock:
            return self._pins.get(spec['uuid'])

    def restrict(self, cells: list[cells_state.CellState],
                 props: dict[str, Any]) -> list[cells_state.CellState]:
        """The candidates a member of a hard-affinity group may go to:
        the cell of its placed members only; the pinned cell while it is
        a candidate; any otherwise."""
        spec = self._affinity(props)
        if spec is None:
            return cells
        our_path = props['our_path']
        placed = self._placed_hop(spec, props)
        if placed is not None:
            return [c for c in cells if c.name == placed]
        pinned = self._pinned_hop(spec, our_path)
        same = [c for c in cells if c.name == pinned]
        return same or cells

    def chosen(self, cell: cells_state.CellState,
               candidates: list[cells_state.CellState],
               props: dict[str, Any]) -> cells_state.CellState:
        """Pin a hard-affinity group to ``cell`` unless another build
        pinned it first; returns the cell the build goes to."""
        spec = self._affinity(props)
        if spec is None or self._placed_hop(spec, props):
            return cell
        our_path = props['our_path']
        target = (our_path if cell.is_me
                  else cell_paths.path_join(our_path, cell.name))
        if self.state.is_top():
            held = spec.get('cell_name')
            if hop_toward(our_path, held) == cell.name:
                return cell
            winner = self.db.instance_group_pin_cell(
                nova_context.get_admin_context(), spec['uuid'], held,
                target)
            if winner is None:
                # The group was deleted meanwhile: nothing to keep.
                return cell
            spec['cell_name'] = winner
            hop = hop_toward(our_path, winner)
        else:
            with self._lock:
                held_hop = self._pins.get(spec['uuid'])
                if held_hop is None or held_hop not in [
                        c.name for c in candidates]:
                    self._pins[spec['uuid']] = cell.name
                hop = self._pins[spec['uuid']]
        if hop == cell.name:
            return cell
        LOG.debug('Server group %s is pinned to %s by another build',
                  spec['uuid'], hop)
        for other in candidates:
            if other.name == hop:
                return other
        raise exception.NoCellsAvailable()
