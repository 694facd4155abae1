"""The alembic revisions against the models, on SQLite.

The same agreement check runs on MariaDB in
``tests/real/test_db_migrations.py``.
"""

from __future__ import annotations

import os

from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
import pytest
import sqlalchemy as sa

from nova import context
from nova.db import api as db_api
from nova.db import migration
from nova.db import models
from nova.tests.unit.db import migration_checks


@pytest.fixture
def db_url(tmp_path: object) -> str:
    return f"sqlite:///{os.path.join(str(tmp_path), 'cell.sqlite')}"


@pytest.fixture
def synced_url(db_url: str) -> str:
    migration.db_sync(db_url)
    return db_url


def _table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(migration.alembic_config())
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[0].revision == migration.head_revision()
    for revision in revisions:
        assert callable(getattr(revision.module, 'downgrade', None)), (
            f'revision {revision.revision} has no downgrade')


def test_version_is_none_before_sync(db_url: str) -> None:
    assert migration.db_version(db_url) is None


def test_sync_upgrades_to_head(synced_url: str) -> None:
    assert migration.db_version(synced_url) == migration.head_revision()
    expected = set(models.Base.metadata.tables) | {migration.VERSION_TABLE}
    assert _table_names(synced_url) == expected


def test_models_and_migrations_agree(synced_url: str) -> None:
    engine = sa.create_engine(synced_url)
    with engine.connect() as conn:
        migration_checks.assert_models_match(conn)
    engine.dispose()


@pytest.mark.parametrize('alteration', sorted(migration_checks.ALTERATIONS))
def test_comparison_detects_altered_models(synced_url: str,
                                           alteration: str) -> None:
    engine = sa.create_engine(synced_url)
    with engine.connect() as conn:
        migration_checks.assert_alteration_detected(conn, alteration)
    engine.dispose()


def test_downgrade_to_base_leaves_no_tables(synced_url: str) -> None:
    engine = sa.create_engine(synced_url)
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), 'base')
    engine.dispose()
    assert _table_names(synced_url) <= {migration.VERSION_TABLE}
    assert migration.db_version(synced_url) is None

    # And the way back up still builds the models' schema.
    migration.db_sync(synced_url)
    engine = sa.create_engine(synced_url)
    with engine.connect() as conn:
        migration_checks.assert_models_match(conn)
    engine.dispose()


def test_0017_aggregate_mappings_down_and_up(synced_url: str) -> None:
    engine = sa.create_engine(synced_url)
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), '0016')
    assert 'aggregate_mappings' not in _table_names(synced_url)
    assert 'aggregates' in _table_names(synced_url)
    with engine.begin() as conn:
        command.upgrade(migration.alembic_config(conn), 'head')
    with engine.connect() as conn:
        migration_checks.assert_models_match(conn)
    engine.dispose()
    db = db_api.Database(synced_url)
    ctxt = context.get_admin_context()
    assert db.aggregate_mappings_for(ctxt, [('api!cell1', 4, 'u')]) == {
        ('api!cell1', 4): 1}
    db.dispose()


def test_sync_twice_is_harmless(synced_url: str) -> None:
    migration.db_sync(synced_url)
    assert migration.db_version(synced_url) == migration.head_revision()


def test_sync_to_explicit_version(db_url: str) -> None:
    migration.db_sync(db_url, version=migration.head_revision())
    assert migration.db_version(db_url) == migration.head_revision()


def test_sync_to_unknown_version_creates_nothing(db_url: str) -> None:
    with pytest.raises(CommandError):
        migration.db_sync(db_url, version='no-such-revision')
    assert _table_names(db_url) <= {migration.VERSION_TABLE}
    assert migration.db_version(db_url) is None


def test_sync_in_memory_engine() -> None:
    # An in-memory database lives only inside its engine: db_sync must
    # migrate that engine rather than open a new (empty) one.
    engine = sa.create_engine('sqlite://', poolclass=sa.pool.StaticPool)
    migration.db_sync('sqlite://', engine=engine)
    assert migration.db_version('sqlite://', engine=engine) == (
        migration.head_revision())
    assert 'cells' in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_sync_does_not_depend_on_cwd(db_url: str, tmp_path: object,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(str(tmp_path))
    migration.db_sync(db_url)
    assert migration.db_version(db_url) == migration.head_revision()


def test_migrated_database_serves_queries(synced_url: str) -> None:
    db = db_api.Database(synced_url)
    ctxt = context.get_admin_context()
    db.cell_create(ctxt, {'name': 'cell1', 'transport_url': 'fake://',
                          'is_parent': False})
    assert [c['name'] for c in db.cell_get_all(ctxt)] == ['cell1']
    db.dispose()


def test_mysql_tables_are_innodb_utf8mb4(
        capsys: pytest.CaptureFixture[str]) -> None:
    # Offline mode renders the MySQL DDL without a server.
    config = migration.alembic_config()
    config.set_main_option('sqlalchemy.url', 'mysql+pymysql://')
    command.upgrade(config, 'head', sql=True)
    ddl = capsys.readouterr().out
    creates = [s for s in ddl.split(';') if 'CREATE TABLE' in s
               and 'alembic_version' not in s]
    assert len(creates) == len(models.Base.metadata.tables)
    for statement in creates:
        assert 'ENGINE=InnoDB' in statement, statement
        assert 'CHARSET=utf8mb4' in statement, statement


def test_revisions_do_not_import_models() -> None:
    # A revision is frozen in time; the models move on.
    versions = os.path.join(migration.MIGRATIONS_DIR, 'versions')
    for filename in sorted(os.listdir(versions)):
        if filename.endswith('.py') and not filename.startswith('_'):
            path = os.path.join(versions, filename)
            with open(path, encoding='utf-8') as source:
                assert 'nova.db.models' not in source.read(), filename
