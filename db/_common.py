"""Helpers shared by the query modules."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import orm

from nova.db.models import utcnow

__all__ = ['utcnow', 'filter_deleted', 'soft_delete', 'row_to_dict',
           'QueryMixin']


class QueryMixin:
    """What the query mixins rely on; :class:`nova.db.api.Database` has
    it."""

    owns_instances: bool

    def reader(self) -> contextlib.AbstractContextManager[orm.Session]:
        raise NotImplementedError

    def writer(self) -> contextlib.AbstractContextManager[orm.Session]:
        raise NotImplementedError

    def _notify(self, context: Any, kind: str,
                values: dict[str, Any]) -> None:
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


def row_to_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
