"""The alembic revisions against the models, on a real MariaDB.

The SQLite twin is ``tests/unit/db/test_migrations.py``; MariaDB reflects
types, unique constraints and foreign keys its own way, so the agreement
is checked on both.
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic import command
import pytest
import sqlalchemy as sa

from nova import context
from nova.db import api as db_api
from nova.db import migration
from nova.db import models
from nova.tests.unit.db import migration_checks


@pytest.fixture
def engine(synced_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(synced_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def test_sync_upgrades_to_head(synced_url: str, engine: sa.Engine) -> None:
    assert migration.db_version(synced_url) == migration.head_revision()
    expected = set(models.Base.metadata.tables) | {migration.VERSION_TABLE}
    assert set(sa.inspect(engine).get_table_names()) == expected


def test_models_and_migrations_agree(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        migration_checks.assert_models_match(conn)


def test_comparison_detects_altered_models(engine: sa.Engine) -> None:
    # One database for all alterations: creating one per case is slow.
    missed = []
    with engine.connect() as conn:
        for name in sorted(migration_checks.ALTERATIONS):
            try:
                migration_checks.assert_alteration_detected(conn, name)
            except AssertionError as exc:
                missed.append(str(exc))
    assert not missed, '\n'.join(missed)


def test_tables_are_innodb_utf8mb4(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            'SELECT table_name, engine, table_collation '
            'FROM information_schema.tables WHERE table_schema = DATABASE() '
            'AND table_name <> :version'),
            {'version': migration.VERSION_TABLE}).all()
    assert {row[0] for row in rows} == set(models.Base.metadata.tables)
    for name, engine_name, collation in rows:
        assert engine_name == 'InnoDB', name
        assert collation.startswith('utf8mb4'), (name, collation)


def test_downgrade_to_base_and_back(synced_url: str,
                                    engine: sa.Engine) -> None:
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), 'base')
    assert set(sa.inspect(engine).get_table_names()) <= {
        migration.VERSION_TABLE}
    assert migration.db_version(synced_url) is None

    migration.db_sync(synced_url)
    with engine.connect() as conn:
        migration_checks.assert_models_match(conn)


def test_four_byte_text_round_trips(synced_url: str) -> None:
    db = db_api.Database(synced_url)
    try:
        ctxt = context.get_admin_context()
        db.cell_create(ctxt, {'name': 'cell-\U0001F600',
                              'transport_url': 'rabbit://u:p@h:5672/v'})
        assert [c['name'] for c in db.cell_get_all(ctxt)] == [
            'cell-\U0001F600']
    finally:
        db.dispose()
