"""Listings on SQLite; ``tests/real/test_db_listing.py`` runs the same
checks on MariaDB."""

import sqlalchemy as sa

from nova.db import _instances
from nova.tests.unit.db import listing_checks


def test_pages_hold_text_timestamps_and_their_side_tables(db):
    listing_checks.check_listing_pages(db, listing_checks.fill(db))


def test_revision_pages_are_the_listings(db):
    listing_checks.check_revision_pages(db, listing_checks.fill(db))


def test_revisions_cut_short_are_read_row_by_row(db, monkeypatch):
    # An aggregate missing entries (MySQL cuts group_concat at
    # group_concat_max_len) must not lose servers: here every other one.
    entry = _instances._REVISION_ENTRY
    table = _instances._INSTANCES
    monkeypatch.setattr(_instances, '_REVISION_ENTRY', sa.case(
        (table.c.id % 2 == 0, entry.element), else_=None).label('e'))
    listing_checks.check_revision_pages(db, listing_checks.fill(db))
