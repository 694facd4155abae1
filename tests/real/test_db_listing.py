"""Listings on MariaDB: the timestamps DATE_FORMAT renders and the side
tables joined on the page (the SQLite twin is
``tests/unit/db/test_listing.py``)."""

from __future__ import annotations

from collections.abc import Callable

from nova.db import api as db_api
from nova.db import migration
from nova.tests.unit.db import listing_checks


def test_pages_hold_text_timestamps_and_their_side_tables(
        mariadb_url_factory: Callable[..., str]) -> None:
    url = mariadb_url_factory('nova_listing')
    migration.db_sync(url)
    db = db_api.Database(url)
    try:
        listing_checks.check_listing_pages(db, listing_checks.fill(db))
    finally:
        db.dispose()
