"""Checks that the migrations build exactly the schema of the models.

Shared by the SQLite unit test and the MariaDB test in ``tests/real``.
:data:`ALTERATIONS` are deliberate, small edits of a copy of the models'
metadata; each must show up as a difference, which proves the comparison
can fail at all (types, nullability, indexes, unique constraints, foreign
key options, tables and columns).
"""

from __future__ import annotations

from collections.abc import Callable
import pprint

import sqlalchemy as sa

from nova.db import migration
from nova.db import models


def models_copy() -> sa.MetaData:
    metadata = sa.MetaData()
    for table in models.Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    return metadata


def assert_models_match(connection: sa.Connection) -> None:
    diff = migration.schema_diff(connection)
    assert diff == [], (
        'The migrations and nova/db/models.py disagree; add an alembic '
        'revision for the model change. Differences:\n'
        + pprint.pformat(diff))


def _drop_constraint(table: sa.Table, name: str) -> None:
    table.constraints.discard(
        next(c for c in table.constraints if c.name == name))


def _drop_index(table: sa.Table, name: str) -> None:
    table.indexes.discard(next(i for i in table.indexes if i.name == name))


def _fk_ondelete(table: sa.Table, value: str | None) -> None:
    for constraint in table.foreign_key_constraints:
        constraint.ondelete = value


def _set(table: str, column: str, **attrs: object
         ) -> Callable[[sa.MetaData], None]:
    def alter(metadata: sa.MetaData) -> None:
        for name, value in attrs.items():
            setattr(metadata.tables[table].c[column], name, value)
    return alter


# name -> (edit of a metadata copy, the diff kind it must produce)
ALTERATIONS: dict[str, tuple[Callable[[sa.MetaData], object], str]] = {
    'string length': (_set('cells', 'name', type=sa.String(64)),
                      'modify_type'),
    'text vs string': (_set('instances', 'user_data', type=sa.String(255)),
                       'modify_type'),
    'float vs integer': (_set('cells', 'weight_scale', type=sa.Integer()),
                         'modify_type'),
    'boolean vs integer': (_set('services', 'disabled', type=sa.Integer()),
                           'modify_type'),
    'date vs datetime': (_set('instances', 'launched_at', type=sa.Date()),
                         'modify_type'),
    'nullable': (_set('cells', 'name', nullable=True), 'modify_nullable'),
    'server default': (
        _set('cells', 'weight_scale', server_default=sa.DefaultClause('1')),
        'modify_default'),
    'extra column': (
        lambda md: md.tables['cells'].append_column(
            sa.Column('extra', sa.Integer)),
        'add_column'),
    'missing index': (
        lambda md: _drop_index(md.tables['instances'],
                               'instances_cell_name_idx'),
        'remove_index'),
    'missing unique constraint': (
        lambda md: _drop_constraint(md.tables['cells'],
                                    'uniq_cells0name0deleted'),
        # MySQL reflects a unique constraint as a unique index.
        'remove_constraint|remove_index'),
    'foreign key ondelete': (
        lambda md: _fk_ondelete(md.tables['flavor_extra_specs'], None),
        'add_fk'),
    'extra table': (
        lambda md: sa.Table('extra', md,
                            sa.Column('id', sa.Integer, primary_key=True)),
        'add_table'),
    'missing table': (lambda md: md.remove(md.tables['networks']),
                      'remove_table'),
}


def diff_kinds(diff: list[object]) -> set[str]:
    """The operation names of an alembic diff (column changes nest)."""
    kinds = set()
    for entry in diff:
        first = entry[0] if isinstance(entry, list) else entry
        assert isinstance(first, tuple)
        kinds.add(first[0])
    return kinds


def assert_alteration_detected(connection: sa.Connection, name: str) -> None:
    alter, expected = ALTERATIONS[name]
    metadata = models_copy()
    alter(metadata)
    kinds = diff_kinds(migration.schema_diff(connection, metadata))
    assert kinds & set(expected.split('|')), (
        f'altering the models ({name}) went unnoticed: '
        f'got {sorted(kinds)}, expected {expected}')
