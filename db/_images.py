"""The API cell's image registry."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import row_to_dict
from nova.db._common import soft_delete
from nova.db._common import table_of

# The order in which an image's status moves.
_STATUS_ORDER = {'queued': 0, 'saving': 1, 'active': 2, 'killed': 2}
_IMAGE_FIELDS = ('name', 'status', 'is_public', 'owner', 'size', 'min_ram',
                 'min_disk', 'container_format', 'disk_format')


def _image_dict(row: Any) -> dict[str, Any]:
    """An image's values: an ORM row or a row mapping."""
    values = dict(row) if isinstance(row, Mapping) else row_to_dict(row)
    values.pop('id')
    values['id'] = values.pop('uuid')
    values['properties'] = json.loads(values['properties'] or '{}')
    return values


_IMAGES = table_of(models.Image)
# What a non-admin may see: public images and its project's.
_VISIBLE = sa.or_(_IMAGES.c.is_public.is_(True),
                  _IMAGES.c.owner == sa.bindparam('project_id'))
_IMAGE_BY_UUID = sa.select(_IMAGES).where(
    _IMAGES.c.uuid == sa.bindparam('uuid'), _IMAGES.c.deleted == 0).limit(1)
_VISIBLE_IMAGE_BY_UUID = _IMAGE_BY_UUID.where(_VISIBLE)


class ImageQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    def _visible(self, context: RequestContext, stmt: Any) -> Any:
        if context.is_admin:
            return stmt
        return stmt.where(_VISIBLE).params(project_id=context.project_id)

    def _live_image(self, session: Any, context: RequestContext, image_id: str
                    ) -> Any:
        stmt = sa.select(models.Image).where(models.Image.uuid == image_id,
                                             models.Image.deleted == 0)
        row = session.scalars(self._visible(context, stmt)).first()
        if row is None:
            raise exception.ImageNotFound(image_id=image_id)
        return row

    @_retry.retry_on_deadlock
    def image_create(self, context: RequestContext, values: dict[str, Any]
                     ) -> dict[str, Any]:
        """Register an image; ``values['id']`` is its uuid."""
        columns = {k: v for k, v in values.items() if k in _IMAGE_FIELDS}
        columns['uuid'] = values['id']
        columns['properties'] = json.dumps(values.get('properties') or {})
        with self.writer() as session:
            row = models.Image(**columns)
            session.add(row)
            session.flush()
            return _image_dict(row)

    def image_get(self, context: RequestContext, image_id: str
                  ) -> dict[str, Any]:
        # Read on every boot: plain statements built once.
        stmt = _IMAGE_BY_UUID if context.is_admin else _VISIBLE_IMAGE_BY_UUID
        with self.reader() as session:
            row = session.connection().execute(stmt, {
                'uuid': image_id,
                'project_id': context.project_id}).mappings().first()
        if row is None:
            raise exception.ImageNotFound(image_id=image_id)
        return _image_dict(row)

    def image_get_all(self, context: RequestContext) -> list[dict[str, Any]]:
        stmt = (sa.select(models.Image).where(models.Image.deleted == 0)
                .order_by(models.Image.created_at.desc(),
                          models.Image.id.desc()))
        with self.reader() as session:
            return [_image_dict(r) for r in
                    session.scalars(self._visible(context, stmt))]

    @_retry.retry_on_deadlock
    def image_update(self, context: RequestContext, image_id: str,
                     values: dict[str, Any],
                     forward_only: bool = False) -> dict[str, Any]:
        """Change an image; with ``forward_only``, a status earlier than
        the stored one (a late ``saving`` after ``active``) changes
        nothing."""
        with self.writer() as session:
            row = self._live_image(session, context, image_id)
            if forward_only and _STATUS_ORDER.get(
                    values.get('status', row.status), 0) < \
                    _STATUS_ORDER.get(row.status, 0):
                return _image_dict(row)
            for key, value in values.items():
                if key == 'properties':
                    row.properties = json.dumps(value or {})
                elif key in _IMAGE_FIELDS:
                    setattr(row, key, value)
            session.flush()
            return _image_dict(row)

    @_retry.retry_on_deadlock
    def image_destroy(self, context: RequestContext, image_id: str) -> None:
        with self.writer() as session:
            row = self._live_image(session, context, image_id)
            row.status = 'deleted'
            soft_delete(row)
