"""The ``cells`` table: this cell's neighbours."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict
from nova.db._common import soft_delete

_CELL_FIELDS = ('name', 'transport_url', 'is_parent', 'weight_offset',
                'weight_scale', 'disabled')


class CellQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def _live_cell(self, session: Any, name: str) -> Any:
        return session.scalars(sa.select(models.Cell).where(
            models.Cell.name == name, models.Cell.deleted == 0)).first()

    @_retry.retry_on_deadlock
    def cell_create(self, context: RequestContext, values: dict[str, Any]
                    ) -> dict[str, Any]:
        values = {k: v for k, v in values.items() if k in _CELL_FIELDS}
        with self.writer() as session:
            if self._live_cell(session, values['name']) is not None:
                raise exception.CellExists(name=values['name'])
            row = models.Cell(**values)
            session.add(row)
            session.flush()
            return row_to_dict(row)

    @_retry.retry_on_deadlock
    def cell_update(self, context: RequestContext, name: str,
                    values: dict[str, Any]) -> dict[str, Any]:
        with self.writer() as session:
            row = self._live_cell(session, name)
            if row is None:
                raise exception.CellNotFound(cell_name=name)
            new_name = values.get('name')
            if new_name and new_name != name and self._live_cell(
                    session, new_name) is not None:
                raise exception.CellExists(name=new_name)
            for key, value in values.items():
                if key in _CELL_FIELDS:
                    setattr(row, key, value)
            session.flush()
            return row_to_dict(row)

    @_retry.retry_on_deadlock
    def cell_delete(self, context: RequestContext, name: str) -> None:
        with self.writer() as session:
            row = self._live_cell(session, name)
            if row is None:
                raise exception.CellNotFound(cell_name=name)
            soft_delete(row)

    def cell_get(self, context: RequestContext, name: str) -> dict[str, Any]:
        with self.reader() as session:
            row = self._live_cell(session, name)
            if row is None:
                raise exception.CellNotFound(cell_name=name)
            return row_to_dict(row)

    def cell_get_all(self, context: RequestContext) -> list[dict[str, Any]]:
        with self.reader() as session:
            stmt = (sa.select(models.Cell).where(models.Cell.deleted == 0)
                    .order_by(models.Cell.name))
            return [row_to_dict(r) for r in session.scalars(stmt)]
