"""The instance and action write paths on SQLite (MariaDB:
``tests/real/test_db_writes.py``)."""

from nova.tests.unit.db import statements
from nova.tests.unit.db import write_checks


def test_what_a_write_returns_is_what_a_read_finds(db):
    write_checks.check_owner_writes(db)


def test_an_update_returns_what_a_read_finds(db):
    write_checks.check_update_returns(db)


def test_an_update_reads_its_side_tables_and_tags_in_one_query(db):
    db.instance_create(write_checks.ctxt(), {
        'uuid': write_checks.UUID_A, 'project_id': 'p1', 'tags': ['a'],
        'metadata': {'k': 'v'}})
    sent = statements.recorded(db)
    # The locked row, the change, what hangs off the instance.
    db.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                       {'vm_state': 'active'})
    assert sent == ['SELECT', 'UPDATE', 'SELECT']
    del sent[:]
    # Tags written: the tags read with the side tables say what goes.
    updated = db.instance_update(write_checks.ctxt(), write_checks.UUID_A,
                                 {'tags': ['b']})
    assert sent == ['SELECT', 'UPDATE', 'SELECT', 'DELETE', 'INSERT']
    assert (updated['tags'], updated['metadata']) == (['b'], {'k': 'v'})


def test_the_top_applies_a_childs_batch(top):
    write_checks.check_top_batches(top)


def test_an_events_start_and_finish_make_one_row(db):
    write_checks.check_events(db)


def test_a_nodes_row_is_written_once_and_updated(db):
    write_checks.check_node_upsert(db)


def test_a_nodes_row_is_updated_by_the_id_its_write_returned(db):
    write_checks.check_node_upsert_by_id(db)
    sent = statements.recorded(db)
    [node] = [n for n in db.compute_node_get_all(write_checks.ctxt())
              if n['hypervisor_hostname'] == 'node1']
    del sent[:]
    db.compute_node_upsert(write_checks.ctxt(), 'host1', 'node1',
                           {'vcpus_used': 4}, node_id=node['id'])
    assert sent == ['UPDATE']


def test_every_write_of_a_view_draws_a_new_revision(top, db):
    write_checks.check_revisions(top, db)
