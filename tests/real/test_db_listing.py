"""Listings on MariaDB: the timestamps DATE_FORMAT renders, the side
tables joined on the page and the revisions read as one aggregate (the
SQLite twin is ``tests/unit/db/test_listing.py``)."""

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
        uuids = listing_checks.fill(db)
        listing_checks.check_listing_pages(db, uuids)
        listing_checks.check_revision_pages(db, uuids)
    finally:
        db.dispose()
