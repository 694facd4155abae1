"""The cell scheduler's part in server groups: a hard-affinity group goes
where its placed members are, else where its pin says (set once, by
compare-and-set, at the top); anti-affinity is not restricted; the soft
policies weigh."""

from __future__ import annotations

from typing import Any

import pytest

from nova import context as nova_context
from nova import exception
from nova import server_groups
from nova.cells import group_cells
from nova.cells import state as cells_state
from nova.cells.weights import cell_weights

CTXT = nova_context.get_admin_context()


class FakeState:
    def __init__(self, top: bool = True) -> None:
        self.top = top

    def is_top(self) -> bool:
        return self.top


def _cells(*names: str) -> list[cells_state.CellState]:
    return [cells_state.CellState(name) for name in names]


def _group(db: Any, policy: str = 'affinity') -> dict[str, Any]:
    ctxt = nova_context.RequestContext('u', 'p')
    uuid = db.instance_group_create(ctxt, {
        'uuid': '6f1e0c32-5f7e-4b55-9b53-0a8f3a1c2d01', 'name': 'g',
        'project_id': 'p', 'user_id': 'u', 'policy': policy},
        lambda state: None)
    return server_groups.spec_of(db.instance_group_get(CTXT, uuid))


def _props(spec: dict[str, Any], our_path: str = 'api',
           build: tuple[str, ...] = ('new',)) -> dict[str, Any]:
    return {server_groups.FILTER_PROPERTY: spec, 'our_path': our_path,
            'build_uuids': list(build)}


def test_hop_toward() -> None:
    assert group_cells.hop_toward('api', 'api!cell1!gc1') == 'cell1'
    assert group_cells.hop_toward('api!cell1', 'api!cell1!gc1') == 'gc1'
    assert group_cells.hop_toward('api!cell1', 'api!cell1') == 'cell1'
    assert group_cells.hop_toward('api!cell1', 'api!cell2') is None
    assert group_cells.hop_toward('api', None) is None


def test_a_placed_member_decides(top: Any) -> None:
    groups = group_cells.GroupCells(top, FakeState())
    spec = _group(top)
    spec['members'] = [{'uuid': 'm1', 'host': 'h1',
                        'cell_name': 'api!cell2'}]
    cells = _cells('cell1', 'cell2')
    assert [c.name for c in groups.restrict(cells, _props(spec))] == [
        'cell2']
    # The cell of the members failed the build: nowhere else to go.
    assert groups.restrict(cells[:1], _props(spec)) == []
    # The build's own earlier attempt is no member to follow.
    props = _props(spec, build=('m1',))
    assert len(groups.restrict(cells, props)) == 2


def test_the_first_build_pins_and_the_others_follow(top: Any) -> None:
    groups = group_cells.GroupCells(top, FakeState())
    spec = _group(top)
    cells = _cells('cell1', 'cell2')
    first = _props(dict(spec))
    assert groups.restrict(cells, first) == cells
    assert groups.chosen(cells[1], cells, first).name == 'cell2'
    assert top.instance_group_get(CTXT, spec['uuid'])['cell_name'] == \
        'api!cell2'

    # A racing build that read the group before the pin chose cell1: it
    # goes to cell2 all the same.
    racing = _props(dict(spec), build=('other',))
    assert groups.chosen(cells[0], cells, racing).name == 'cell2'
    # One that reads it after is restricted at once.
    later = _props(dict(spec))
    groups.refresh(later)
    assert [c.name for c in groups.restrict(cells, later)] == ['cell2']


def test_a_pin_moves_while_no_member_is_placed(top: Any) -> None:
    groups = group_cells.GroupCells(top, FakeState())
    spec = _group(top)
    cells = _cells('cell1', 'cell2')
    props = _props(dict(spec))
    groups.chosen(cells[1], cells, props)
    # cell2 failed the first build: it is no candidate any more.
    retry = _props(dict(spec))
    groups.refresh(retry)
    assert groups.restrict(cells[:1], retry) == cells[:1]
    assert groups.chosen(cells[0], cells[:1], retry).name == 'cell1'
    assert top.instance_group_get(CTXT, spec['uuid'])['cell_name'] == \
        'api!cell1'


def test_a_pin_another_build_moved_meanwhile_is_followed(top: Any) -> None:
    groups = group_cells.GroupCells(top, FakeState())
    spec = _group(top)
    top.instance_group_pin_cell(CTXT, spec['uuid'], None, 'api!cell1')
    stale = _props(dict(spec, cell_name=None))
    cells = _cells('cell1', 'cell2')
    assert groups.chosen(cells[1], cells, stale).name == 'cell1'
    # Pinned to a cell that is no candidate: no cell for the build.
    with pytest.raises(exception.NoCellsAvailable):
        groups.chosen(cells[1], cells[1:], _props(dict(spec,
                                                       cell_name=None)))


def test_a_cell_between_pins_in_its_process(top: Any) -> None:
    groups = group_cells.GroupCells(top, FakeState(top=False))
    spec = _group(top)
    cells = _cells('gc1', 'gc2')
    props = _props(dict(spec), our_path='api!cell1')
    assert groups.chosen(cells[0], cells, props).name == 'gc1'
    other = _props(dict(spec), our_path='api!cell1', build=('x',))
    assert [c.name for c in groups.restrict(cells, other)] == ['gc1']
    assert groups.chosen(cells[1], cells, other).name == 'gc1'


def test_anti_affinity_is_not_restricted(top: Any) -> None:
    groups = group_cells.GroupCells(top, FakeState())
    spec = _group(top, 'anti-affinity')
    spec['members'] = [{'uuid': 'm1', 'host': 'h1',
                        'cell_name': 'api!cell2'}]
    cells = _cells('cell1', 'cell2')
    assert groups.restrict(cells, _props(spec)) == cells
    assert groups.chosen(cells[0], cells, _props(spec)) is cells[0]


def test_soft_policies_weigh_cells_by_their_members() -> None:
    class Conf:
        class cells:  # noqa: N801
            server_group_weight_multiplier = 100.0

    weigher = cell_weights.ServerGroupWeigher(Conf, None)
    members = [{'uuid': 'a', 'cell_name': 'api!cell1'},
               {'uuid': 'b', 'cell_name': 'api!cell1!gc1'},
               {'uuid': 'c', 'cell_name': 'api!cell2'}]
    cell1, cell2 = _cells('cell1', 'cell2')
    soft = {'uuid': 'g', 'policy': 'soft-affinity', 'members': members}
    props = {server_groups.FILTER_PROPERTY: soft, 'our_path': 'api'}
    assert (weigher.weigh(cell1, props), weigher.weigh(cell2, props)) == (
        2.0, 1.0)
    soft['policy'] = 'soft-anti-affinity'
    assert (weigher.weigh(cell1, props), weigher.weigh(cell2, props)) == (
        -2.0, -1.0)
    assert weigher.weigh(cell1, {'our_path': 'api'}) == 0.0
