"""Helpers shared by the query modules."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.ext import compiler
from sqlalchemy.sql import expression

from nova.context import RequestContext
from nova.db.models import utcnow

__all__ = ['utcnow', 'filter_deleted', 'soft_delete', 'row_to_dict',
           'table_of', 'insert_of', 'insert_row', 'update_by_id',
           'QueryMixin', 'iso_text']


class QueryMixin:
    """What the query mixins rely on; :class:`nova.db.api.Database` has
    it."""

    owns_instances: bool

    def reader(self) -> contextlib.AbstractContextManager[orm.Session]:
        raise NotImplementedError

    def writer(self) -> contextlib.AbstractContextManager[orm.Session]:
        raise NotImplementedError

    def _notify(self, context: RequestContext, kind: str,
                values: dict[str, Any]) -> None:
        raise NotImplementedError

    def locked_writer(self, name: str
                      ) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def _insert_instance(self, conn: Any, values: dict[str, Any]
                         ) -> dict[str, Any]:
        raise NotImplementedError

    def _insert_action(self, conn: Any, values: dict[str, Any]
                       ) -> dict[str, Any]:
        raise NotImplementedError


def filter_deleted(stmt: Any, model: Any, read_deleted: str) -> Any:
    if read_deleted == 'no':
        return stmt.where(model.deleted == 0)
    if read_deleted == 'only':
        return stmt.where(model.deleted != 0)
    return stmt


def soft_delete(row: Any) -> None:
    row.deleted = row.id
    row.deleted_at = utcnow()


def table_of(model: Any) -> sa.Table:
    """The table of a model, for Core statements."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


# Statements the hot paths run are built once, with bound parameters:
# building one and working out its cache key costs ~45 us, several times
# what a built one costs (SQLAlchemy keeps a statement's cache key).

@functools.cache
def insert_of(table: sa.Table) -> sa.Insert:
    """``INSERT INTO table``, its columns given by the parameters."""
    return table.insert()


@functools.cache
def update_by_id(table: sa.Table) -> sa.Update:
    """``UPDATE table ... WHERE id = :b_id``, the columns to set given by
    the other parameters."""
    return table.update().where(table.c.id == sa.bindparam('b_id'))


def insert_row(conn: Any, table: sa.Table,
               values: dict[str, Any]) -> dict[str, Any]:
    """Insert a row; returns every column of it as written (defaults
    filled in, the new primary key included)."""
    inserted = conn.execute(insert_of(table), values)
    written = inserted.last_inserted_params()
    assert isinstance(written, dict)
    primary_key = inserted.inserted_primary_key
    assert primary_key is not None
    return dict(dict.fromkeys(table.columns.keys()), **written,
                id=primary_key[0])


def row_to_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


class iso_text(expression.FunctionElement[str]):  # noqa: N801
    """A naive timestamp column as ISO 8601 text the database writes,
    ``2024-01-31T12:00:00.000000`` (NULL stays NULL).

    For listings that only print their timestamps: PyMySQL builds each
    ``datetime`` in Python, which for a thousand rows of four timestamps
    costs more than all their other columns together.
    """

    type = sa.String()
    inherit_cache = True
    name = 'iso_text'


@compiler.compiles(iso_text, 'mysql')
@compiler.compiles(iso_text, 'mariadb')
def _iso_text_mysql(element: iso_text, comp: Any, **kw: Any) -> str:
    column = comp.process(element.clauses, **kw)
    # %% survives PyMySQL's own %-formatting of the statement.
    return ("DATE_FORMAT(%s, '%%%%Y-%%%%m-%%%%dT%%%%H:%%%%i:%%%%S.%%%%f')"
            % column)


@compiler.compiles(iso_text, 'sqlite')
def _iso_text_sqlite(element: iso_text, comp: Any, **kw: Any) -> str:
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return "REPLACE(%s, ' ', 'T')" % comp.process(element.clauses, **kw)


@compiler.compiles(iso_text, 'postgresql')
def _iso_text_postgresql(element: iso_text, comp: Any, **kw: Any) -> str:
    return ("TO_CHAR(%s, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
            % comp.process(element.clauses, **kw))
