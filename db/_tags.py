"""Server tags (microversion 2.26): reading, replacing and filtering.

An instance's tags are a set of strings kept in ``tags`` (one row per
instance uuid and tag).  The instance queries call these helpers on their
own connection, so tags are written in the same transaction as the
instance they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nova.db import models
from nova.db._common import table_of

_TAGS = table_of(models.Tag)

# Listing filters, as the REST API names them: each takes a list of tags.
FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')


def read(conn: Any, uuids: Iterable[str]) -> dict[str, list[str]]:
    """The tags of each of ``uuids``, sorted (an empty list for none)."""
    uuids = list(uuids)
    found: dict[str, list[str]] = {uuid: [] for uuid in uuids}
    if not uuids:
        return found
    rows = conn.execute(sa.select(_TAGS.c.resource_id, _TAGS.c.tag).where(
        _TAGS.c.resource_id.in_(uuids)).order_by(_TAGS.c.tag))
    for uuid, tag in rows:
        found.setdefault(uuid, []).append(tag)
    return found


def side_part(uuids: Any) -> Any:
    """The tags of the instances ``uuids`` (a bind parameter) as rows of
    an instance's side-table read (``kind``, row id, instance uuid, key,
    value): kind ``tags``, the tag as the key, no id or value.  So the
    instance writes read the tags in the query that reads the rest."""
    return sa.select(
        sa.literal('tags').label('kind'),
        sa.cast(sa.null(), sa.Integer).label('id'),
        _TAGS.c.resource_id.label('instance_uuid'),
        _TAGS.c.tag.label('key'),
        sa.cast(sa.null(), sa.Text).label('value')).where(
        _TAGS.c.resource_id.in_(uuids))


def replace(conn: Any, uuid: str, tags: Iterable[str],
            held: Iterable[str] | None = None) -> list[str]:
    """Make ``tags`` the tags of ``uuid``; returns them sorted.
    ``held``: its tags now, when the caller has read them in this
    transaction."""
    wanted = sorted(set(tags))
    held = set(read(conn, [uuid])[uuid] if held is None else held)
    gone = held - set(wanted)
    if gone:
        conn.execute(_TAGS.delete().where(_TAGS.c.resource_id == uuid,
                                          _TAGS.c.tag.in_(sorted(gone))))
    added = [{'resource_id': uuid, 'tag': tag} for tag in wanted
             if tag not in held]
    if added:
        conn.execute(_TAGS.insert(), added)
    return wanted


def add_new(conn: Any, uuid: str, tags: Iterable[str]) -> list[str]:
    """The tags of an instance row just inserted (so it has none yet);
    returns them sorted."""
    wanted = sorted(set(tags))
    if wanted:
        conn.execute(_TAGS.insert(), [{'resource_id': uuid, 'tag': tag}
                                      for tag in wanted])
    return wanted


def purge(conn: Any, uuid: str) -> None:
    """Drop every tag of ``uuid`` (the instance is gone for good)."""
    conn.execute(_TAGS.delete().where(_TAGS.c.resource_id == uuid))


def where(stmt: Any, uuid_column: Any, filters: dict[str, Any]) -> Any:
    """``stmt`` narrowed by the tag filters in ``filters`` (lists):
    ``tags`` all of them, ``tags-any`` one of them, ``not-tags`` not all
    of them, ``not-tags-any`` none of them."""
    def having_all(tags: list[str]) -> Any:
        return uuid_column.in_(
            sa.select(_TAGS.c.resource_id).where(_TAGS.c.tag.in_(tags))
            .group_by(_TAGS.c.resource_id)
            .having(sa.func.count(sa.distinct(_TAGS.c.tag)) == len(tags)))

    def having_any(tags: list[str]) -> Any:
        return uuid_column.in_(sa.select(_TAGS.c.resource_id).where(
            _TAGS.c.tag.in_(tags)))

    if filters.get('tags'):
        stmt = stmt.where(having_all(sorted(set(filters['tags']))))
    if filters.get('tags-any'):
        stmt = stmt.where(having_any(sorted(set(filters['tags-any']))))
    if filters.get('not-tags'):
        stmt = stmt.where(~having_all(sorted(set(filters['not-tags']))))
    if filters.get('not-tags-any'):
        stmt = stmt.where(~having_any(sorted(set(filters['not-tags-any']))))
    return stmt
