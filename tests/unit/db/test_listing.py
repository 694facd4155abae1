"""Listings on SQLite; ``tests/real/test_db_listing.py`` runs the same
checks on MariaDB."""

from nova.tests.unit.db import listing_checks


def test_pages_hold_text_timestamps_and_their_side_tables(db):
    listing_checks.check_listing_pages(db, listing_checks.fill(db))
