"""The tree-wide ids of aggregates that the API cell keeps
(``aggregate_mappings``), on SQLite."""

import pytest
import sqlalchemy as sa

from nova import context as nova_context
from nova import exception

CTXT = nova_context.get_admin_context()
UUID1 = '11111111-1111-1111-1111-111111111111'
UUID2 = '22222222-2222-2222-2222-222222222222'
UUID3 = '33333333-3333-3333-3333-333333333333'


def test_ids_are_allocated_once_and_distinct_across_cells(top):
    found = [('api!cell1', 1, UUID1), ('api!cell2', 1, UUID2)]
    assert top.aggregate_mappings_for(CTXT, found) == {
        ('api!cell1', 1): 1, ('api!cell2', 1): 2}
    assert top.aggregate_mappings_for(CTXT, found[::-1]) == {
        ('api!cell1', 1): 1, ('api!cell2', 1): 2}
    assert top.aggregate_mapping_get(CTXT, 2) == {
        'id': 2, 'cell_path': 'api!cell2', 'cell_aggregate_id': 1,
        'aggregate_uuid': UUID2}
    assert top.aggregate_mappings_for(CTXT, []) == {}


def test_an_unknown_id_is_not_found(top):
    with pytest.raises(exception.AggregateNotFound):
        top.aggregate_mapping_get(CTXT, 1)


def test_a_deleted_mapping_frees_no_id(top):
    top.aggregate_mappings_for(CTXT, [('api!cell1', 1, UUID1),
                                      ('api!cell1', 2, UUID2)])
    top.aggregate_mapping_delete(CTXT, 'api!cell1', 2)
    top.aggregate_mapping_delete(CTXT, 'api!cell1', 2)    # no-op
    with pytest.raises(exception.AggregateNotFound):
        top.aggregate_mapping_get(CTXT, 2)
    # The cell may give its local id 2 again: a new tree-wide id.
    assert top.aggregate_mappings_for(CTXT, [('api!cell1', 2, UUID3)]) == {
        ('api!cell1', 2): 3}


def test_a_reused_local_id_gets_a_new_id(top):
    top.aggregate_mappings_for(CTXT, [('api!cell1', 1, UUID1)])
    # The cell lost aggregate 1 behind the API's back, then made another.
    assert top.aggregate_mappings_for(CTXT, [('api!cell1', 1, UUID2)]) == {
        ('api!cell1', 1): 2}
    with pytest.raises(exception.AggregateNotFound):
        top.aggregate_mapping_get(CTXT, 1)


def test_two_allocating_at_once_agree(top, monkeypatch):
    insert = top._insert_mapping
    raced = []

    def another_caller_first(*args):
        if not raced:
            raced.append(insert(*args))      # the other caller wins
        return insert(*args)                 # ours meets its row

    monkeypatch.setattr(top, '_insert_mapping', another_caller_first)
    assert top.aggregate_mappings_for(CTXT, [('api!cell1', 7, UUID1)]) == {
        ('api!cell1', 7): raced[0]['id']}
    with top.reader() as session:
        assert session.execute(sa.text(
            'SELECT count(*) FROM aggregate_mappings')).scalar() == 1
