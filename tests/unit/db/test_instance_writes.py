"""The instance and action write paths on SQLite (MariaDB:
``tests/real/test_db_writes.py``)."""

from nova.tests.unit.db import write_checks


def test_what_a_write_returns_is_what_a_read_finds(db):
    write_checks.check_owner_writes(db)


def test_the_top_applies_a_childs_batch(top):
    write_checks.check_top_batches(top)


def test_an_events_start_and_finish_make_one_row(db):
    write_checks.check_events(db)


def test_a_nodes_row_is_written_once_and_updated(db):
    write_checks.check_node_upsert(db)


def test_every_write_of_a_view_draws_a_new_revision(top, db):
    write_checks.check_revisions(top, db)
