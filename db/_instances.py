"""Instances and what hangs off them: metadata, faults, info cache,
actions."""

from __future__ import annotations

from collections.abc import Iterable
import datetime
import functools
import json
from typing import Any

import orjson
import sqlalchemy as sa

from nova import cell_paths
from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import _secgroups
from nova.db import _tags
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import filter_deleted
from nova.db._common import insert_of
from nova.db._common import insert_row
from nova.db._common import iso_text
from nova.db._common import row_to_dict
from nova.db._common import soft_delete
from nova.db._common import table_of
from nova.db._common import update_by_id
from nova.db._common import utcnow
from nova.ownership import API_OWNED_FIELDS
from nova.ownership import API_OWNED_SYSTEM_METADATA
from nova.ownership import CHILD_OWNED_FIELDS

_EXACT_FILTERS = ('project_id', 'user_id', 'host', 'node', 'cell_name',
                  'reservation_id', 'availability_zone', 'image_ref',
                  'instance_type_id', 'vm_state', 'task_state', 'uuid',
                  'locked')
# Matched as regular expressions on the column's text, as Nova does.
_REGEX_FILTERS = ('key_name', 'power_state', 'progress', 'created_at',
                  'launched_at', 'terminated_at')


def _other_cell(held_cell: str | None, incoming_cell: str | None,
                vm_state: str | None) -> bool:
    """Whether a child's copy comes from a cell other than the one the
    replica names, past the instance's build (a build that failed in one
    cell is retried in another, which then reports it)."""
    return bool(held_cell and incoming_cell
                and not cell_paths.same_cell(held_cell, incoming_cell)
                and vm_state != 'building')     # vm_states.BUILDING


def _moved_between_cells(conn: Any, uuids: list[str]) -> set[str]:
    """Which of ``uuids`` a move between cells took (or takes) from one
    cell to another.  Their copies count only from the cell the replica
    names: the move hands the instance over at the top
    (:meth:`InstanceQueries.instance_move_to_cell`), and the other
    cell's copy is *foreign*, never the instance's."""
    if not uuids:
        return set()
    return {row[0] for row in conn.execute(_MOVED, {'uuids': uuids})}


def _quick_outcome(held: tuple[int, int, int] | None,
                   values: dict[str, Any]) -> tuple[str, int] | None:
    """What applying ``values`` does to a replica holding ``held``
    (deleted, sync_version, api_version), when it is not a write."""
    if held is None:
        return None
    deleted, version, api_version = held
    if deleted:
        return 'deleted', api_version
    incoming = values.get('sync_version', 0)
    if incoming == version:
        return 'same', api_version
    if incoming < version:
        return 'stale', api_version
    return None


# Keys of an instance dict that live in other tables.
_SIDE_KEYS = ('metadata', 'system_metadata', 'network_info')
# A change of these is also reported as ``instance.state_change``, with
# their values before it (for instance.update notifications).
_STATE_KEYS = ('vm_state', 'task_state', 'display_name')
# Tags live in a table of their own (nova.db._tags).
_TAGS = 'tags'
SIDE_ATTRS = frozenset(_SIDE_KEYS + (_TAGS,))
# The names of an instance's security groups (nova.db._secgroups): read
# when a listing names them, never written through an instance.
SECURITY_GROUPS = 'security_groups'
# On create: the ids of the groups the new instance is in.
SECURITY_GROUP_IDS = 'security_group_ids'
_NOT_COLUMNS = frozenset(SIDE_ATTRS | {SECURITY_GROUPS, SECURITY_GROUP_IDS})
# The info cache column a listing joins in, under this label.
_JOINED_CACHE = '_info_cache_network_info'



def _as_expected(row: dict[str, Any], uuid: str, expected_task_state: Any,
                 expected_vm_state: Any, changes: dict[str, Any]) -> bool:
    """Whether ``row`` is in the expected states (True), or already holds
    the change (False, see :func:`_already_made`); raises
    InstanceInvalidState otherwise."""
    for attr, expected in (('task_state', expected_task_state),
                           ('vm_state', expected_vm_state)):
        if expected is None:
            continue
        allowed = (expected if isinstance(expected, (list, tuple))
                   else [expected])
        if row[attr] in allowed:
            continue
        if _already_made(row, changes):
            return False
        raise exception.InstanceInvalidState(
            method='update', instance_uuid=uuid, attr=attr, state=row[attr])
    return True


# The columns that tell one step of a task from another.
_STATE_COLUMNS = ('vm_state', 'task_state', 'host', 'node')


def _already_made(row: dict[str, Any], changes: dict[str, Any]) -> bool:
    """Whether ``row`` already holds the state ``changes`` sets, in a new
    run of a transaction whose first run may have committed (see
    ``_retry.rerun_after_lost_connection``)."""
    stated = [c for c in _STATE_COLUMNS if c in changes]
    return (bool(stated) and _retry.rerun_after_lost_connection()
            and all(row[c] == changes[c] for c in stated))


def _without_api_owned(values: dict[str, Any],
                       system_metadata: dict[str, Any]) -> dict[str, Any]:
    """A child's values less what the API cell owns, so that a child's
    update sent before a rename (say) cannot undo it at the top;
    ``system_metadata``: the top's rows, ``{key: (row id, value)}``."""
    values = {k: v for k, v in values.items() if k not in API_OWNED_FIELDS}
    if 'system_metadata' in values:
        ours = {k: value for k, (_id, value) in system_metadata.items()
                if k in API_OWNED_SYSTEM_METADATA}
        sysmeta = {k: v for k, v in (values['system_metadata']
                                     or {}).items()
                   if k not in API_OWNED_SYSTEM_METADATA}
        values['system_metadata'] = dict(sysmeta, **ours)
    return values

# -- writing, in Core statements ------------------------------------------
#
# The write paths read and write plain rows: the ORM's unit of work and
# row loading cost more than the statements themselves, and a child's
# update applied at the top is the commonest write of the whole tree.

_INSTANCES = table_of(models.Instance)
_META_TABLES = {'metadata': table_of(models.InstanceMetadata),
                'system_metadata': table_of(models.InstanceSystemMetadata)}
_CACHES = table_of(models.InstanceInfoCache)

# One instance's side-table rows as a write reads them:
# {'metadata': {uuid: {key: (row id, value)}}, 'system_metadata': ...,
#  'network_info': {uuid: (row id, JSON text)}}.
_SideState = dict[str, dict[str, Any]]


def _empty_side() -> _SideState:
    return {key: {} for key in _SIDE_KEYS}


# The statements below are built once (see nova.db._common.insert_of).
_UUIDS: sa.BindParameter[str] = sa.bindparam('uuids', expanding=True)
_MIGRATIONS = table_of(models.Migration)
_MOVED = sa.select(_MIGRATIONS.c.instance_uuid).where(
    _MIGRATIONS.c.instance_uuid.in_(_UUIDS),
    _MIGRATIONS.c.dest_cell.is_not(None)).distinct()
_LOCKED_ROW = sa.select(_INSTANCES).where(
    _INSTANCES.c.uuid == sa.bindparam('uuid'),
    _INSTANCES.c.deleted == 0).with_for_update()
_VERSIONS = sa.select(
    _INSTANCES.c.uuid, _INSTANCES.c.deleted, _INSTANCES.c.sync_version,
    _INSTANCES.c.api_version, _INSTANCES.c.cell_name,
    _INSTANCES.c.vm_state).where(
    _INSTANCES.c.uuid.in_(_UUIDS))
# FOR UPDATE: two updates of one instance applied at once must not both
# pass the version check (MariaDB; SQLite ignores it).
_VERSIONS_LOCKED = _VERSIONS.with_for_update()
_UPDATE_BY_UUID = _INSTANCES.update().where(
    _INSTANCES.c.uuid == sa.bindparam('b_uuid'))
# For a write of what an instance's view shows besides its row (a
# fault): any write of the row draws a new revision by itself (the
# column's onupdate).  The row's updated_at stays as it is.
_NEW_REVISION = _INSTANCES.update().where(
    _INSTANCES.c.uuid == sa.bindparam('b_uuid')).values(
    revision=sa.bindparam('b_revision'),
    updated_at=_INSTANCES.c.updated_at)
_BY_UUID = {read_deleted: filter_deleted(
    sa.select(_INSTANCES).where(_INSTANCES.c.uuid == sa.bindparam('uuid')),
    models.Instance, read_deleted) for read_deleted in ('no', 'yes', 'only')}
_SOFT_DELETE_IDS = {key: table.update().where(
    table.c.id.in_(sa.bindparam('ids', expanding=True))).values(
    deleted=table.c.id, deleted_at=sa.bindparam('now'))
    for key, table in _META_TABLES.items()}
_SET_VALUE = {key: table.update().where(
    table.c.id == sa.bindparam('b_id')).values(
    value=sa.bindparam('b_value'), updated_at=sa.bindparam('b_now'))
    for key, table in _META_TABLES.items()}


@functools.cache
def _side_query(keys: tuple[str, ...]) -> Any:
    """One query for the side-table rows of some instances (``uuids``):
    ``(kind, row id, instance uuid, key, value)`` rows; with the tags
    too when ``keys`` names them."""
    parts = []
    for key in keys:
        if key == _TAGS:
            parts.append(_tags.side_part(_UUIDS))
        elif key == 'network_info':
            # A cache row is never soft-deleted while its instance lives.
            parts.append(sa.select(
                sa.literal(key).label('kind'), _CACHES.c.id,
                _CACHES.c.instance_uuid, sa.literal('').label('key'),
                _CACHES.c.network_info.label('value')).where(
                _CACHES.c.instance_uuid.in_(_UUIDS)))
        else:
            table = _META_TABLES[key]
            parts.append(sa.select(
                sa.literal(key).label('kind'), table.c.id,
                table.c.instance_uuid, table.c.key,
                sa.cast(table.c.value, sa.Text).label('value')).where(
                table.c.instance_uuid.in_(_UUIDS), table.c.deleted == 0))
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def _read_side(conn: Any, uuids: list[str],
               keys: Iterable[str] = _SIDE_KEYS) -> _SideState:
    """The live side-table rows of ``uuids`` for ``keys``, in one query;
    when ``keys`` names the tags, ``side['tags']`` holds them too (see
    :func:`_tags_of`)."""
    side = _empty_side()
    wanted = tuple(k for k in _SIDE_KEYS + (_TAGS,) if k in keys)
    if _TAGS in wanted:
        side[_TAGS] = {uuid: [] for uuid in uuids}
    if not uuids or not wanted:
        return side
    for kind, row_id, uuid, key, value in conn.execute(
            _side_query(wanted), {'uuids': uuids}):
        if kind == _TAGS:
            side[kind].setdefault(uuid, []).append(key)
        elif kind == 'network_info':
            side[kind][uuid] = (row_id, value)
        else:
            side[kind].setdefault(uuid, {})[key] = (row_id, value)
    return side


def _tags_of(side: _SideState, uuid: str) -> list[str]:
    """The tags of ``uuid`` that :func:`_read_side` read, sorted as
    :func:`nova.db._tags.read` returns them."""
    return sorted(side[_TAGS].get(uuid, ()))


def _as_text(value: Any) -> str | None:
    """A metadata value as its column stores it."""
    return value if value is None or isinstance(value, str) else str(value)


def _side_values(side: _SideState, uuid: str) -> dict[str, Any]:
    """The side-table values of ``uuid`` as an instance dict holds them."""
    cache = side['network_info'].get(uuid)
    return {'metadata': {k: v for k, (_id, v)
                         in side['metadata'].get(uuid, {}).items()},
            'system_metadata': {k: v for k, (_id, v)
                                in side['system_metadata'].get(uuid,
                                                               {}).items()},
            'network_info': orjson.loads(cache[1] or '[]') if cache
            else []}


class _SideWrites:
    """Brings the side tables from what :func:`_read_side` read to what
    :meth:`want` asks, in a few statements (:meth:`execute`); a later
    :meth:`want` of the same instance and key replaces an earlier one."""

    def __init__(self, side: _SideState) -> None:
        self.side = side
        self.wanted: dict[tuple[str, str], Any] = {}

    def want(self, uuid: str, values: dict[str, Any]) -> None:
        """The side values ``values`` holds (the keys present only)."""
        for key in _SIDE_KEYS:
            if key not in values:
                continue
            if key == 'network_info':
                self.wanted[key, uuid] = json.dumps(values[key] or [])
            else:
                self.wanted[key, uuid] = {
                    str(k): _as_text(v)
                    for k, v in (values[key] or {}).items()}

    def execute(self, conn: Any) -> None:
        now = utcnow()
        for key, table in _META_TABLES.items():
            gone: list[int] = []
            changed: list[dict[str, Any]] = []
            added: list[dict[str, Any]] = []
            for (kind, uuid), wanted in self.wanted.items():
                if kind != key:
                    continue
                current = self.side[key].setdefault(uuid, {})
                for name, (row_id, value) in list(current.items()):
                    if name not in wanted:
                        gone.append(row_id)
                        del current[name]
                    elif value != wanted[name]:
                        changed.append({'b_id': row_id, 'b_now': now,
                                        'b_value': wanted[name]})
                        current[name] = (row_id, wanted[name])
                for name, value in wanted.items():
                    if name not in current:
                        added.append({'instance_uuid': uuid, 'key': name,
                                      'value': value, 'created_at': now})
                        current[name] = (None, value)
            if gone:
                conn.execute(_SOFT_DELETE_IDS[key], {'ids': gone,
                                                     'now': now})
            if changed:
                conn.execute(_SET_VALUE[key], changed)
            if added:
                conn.execute(insert_of(table), added)
        for (kind, uuid), data in self.wanted.items():
            if kind != 'network_info':
                continue
            cache = self.side[kind].get(uuid)
            if cache is None:
                conn.execute(insert_of(_CACHES), {
                    'instance_uuid': uuid, 'network_info': data,
                    'created_at': now})
            elif cache[1] != data:
                conn.execute(update_by_id(_CACHES), {
                    'b_id': cache[0], 'network_info': data,
                    'updated_at': now})
            self.side[kind][uuid] = (cache[0] if cache else None, data)


def _filtered(stmt: Any, context: RequestContext,
              filters: dict[str, Any]) -> Any:
    """``stmt`` (a select from ``instances``) narrowed to the instances
    ``filters`` names (see ``instance_get_all_by_filters``)."""
    Instance = models.Instance
    deleted = filters.get('deleted')
    if deleted is None:
        stmt = filter_deleted(stmt, Instance, context.read_deleted)
    elif deleted:
        stmt = stmt.where(Instance.deleted != 0)
    else:
        stmt = stmt.where(Instance.deleted == 0)
    for key in _EXACT_FILTERS:
        value = filters.get(key)
        if value is None:
            continue
        column = getattr(Instance, key)
        if isinstance(value, (list, tuple, set)):
            stmt = stmt.where(column.in_(list(value)))
        else:
            stmt = stmt.where(column == value)
    if filters.get('name'):
        stmt = stmt.where(Instance.display_name.regexp_match(
            filters['name']))
    for key in _REGEX_FILTERS:
        if filters.get(key) is not None:
            stmt = stmt.where(sa.cast(getattr(Instance, key), sa.String)
                              .regexp_match(str(filters[key])))
    if filters.get('ip'):
        stmt = stmt.where(Instance.uuid.in_(
            sa.select(models.InstanceInfoCache.instance_uuid).where(
                models.InstanceInfoCache.network_info.contains(
                    '"address": "%s' % filters['ip']))))
    stmt = _tags.where(stmt, Instance.uuid, filters)
    if filters.get('changes_before') is not None:
        before = filters['changes_before']
        stmt = stmt.where(sa.or_(Instance.updated_at <= before,
                                 Instance.created_at <= before,
                                 Instance.deleted_at <= before))
    if filters.get('changes_since') is not None:
        since = filters['changes_since']
        stmt = stmt.where(sa.or_(Instance.updated_at >= since,
                                 Instance.created_at >= since,
                                 Instance.deleted_at >= since))
    return stmt


# One instance of a page of revisions, as ``id:uuid:revision`` text.
_REVISION_ENTRY = (sa.cast(_INSTANCES.c.id, sa.String) + ':'
                   + _INSTANCES.c.uuid + ':'
                   + sa.cast(_INSTANCES.c.revision, sa.String)).label('e')


def _paged(stmt: Any, limit: int | None, marker: str | None,
           sort_dir: str) -> Any:
    """``stmt`` ordered by id (``sort_dir``), from after the instance
    ``marker`` (its uuid), at most ``limit`` rows.  The marker's id is a
    subquery, so that a page is one round trip; an unknown marker gives
    an empty page (see :func:`_check_marker`)."""
    Instance = models.Instance
    if marker is not None:
        marker_id = sa.select(Instance.id).where(
            Instance.uuid == marker).scalar_subquery()
        stmt = stmt.where(Instance.id > marker_id if sort_dir == 'asc'
                          else Instance.id < marker_id)
    stmt = stmt.order_by(Instance.id if sort_dir == 'asc'
                         else Instance.id.desc())
    return stmt if limit is None else stmt.limit(limit)


def _check_marker(conn: Any, marker: str | None) -> None:
    """After an empty page: InstanceNotFound when ``marker`` names no
    instance (deleted ones count, as they keep their place)."""
    if marker is None:
        return
    Instance = models.Instance
    if conn.execute(sa.select(Instance.id).where(
            Instance.uuid == marker)).first() is None:
        raise exception.InstanceNotFound(instance_id=marker)


class InstanceQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    # -- reading --------------------------------------------------------

    def _instance_dicts(self, session: Any, rows: list[Any],
                        expected_attrs: frozenset[str] = SIDE_ATTRS,
                        page: Any = None) -> list[dict[str, Any]]:
        """Instance dicts of ``rows`` (ORM instances or dicts of columns),
        with the side tables ``expected_attrs`` names, each read for all
        rows in one query.  ``page``: a subquery of the rows' uuids, to
        join the side tables on (cheaper than naming a thousand uuids)."""
        if not rows:
            return []
        result = [r if isinstance(r, dict) else row_to_dict(r)
                  for r in rows]
        # Plain Core statements on the session's connection: the ORM's
        # row processing costs more than the query itself here.
        conn = session.connection()
        uuids = [values['uuid'] for values in result]
        for key, model in (('metadata', models.InstanceMetadata),
                           ('system_metadata',
                            models.InstanceSystemMetadata)):
            if key not in expected_attrs:
                continue
            meta: dict[str, dict[str, Any]] = {u: {} for u in uuids}
            stmt = sa.select(model.instance_uuid, model.key,
                             model.value).where(model.deleted == 0)
            stmt = (stmt.where(model.instance_uuid.in_(uuids))
                    if page is None else
                    stmt.join(page, page.c.uuid == model.instance_uuid))
            for owner, name, value in conn.execute(stmt):
                # The page re-read may hold an instance created since
                # (SQLite reads outside a transaction): not ours to show.
                held = meta.get(owner)
                if held is not None:
                    held[name] = value
            for values in result:
                values[key] = meta[values['uuid']]
        if _TAGS in expected_attrs:
            tags = _tags.read(conn, uuids)
            for values in result:
                values[_TAGS] = tags.get(values['uuid'], [])
        if SECURITY_GROUPS in expected_attrs:
            # Only when asked for (the server views): group names.
            groups = _secgroups.names_of_instances(conn, uuids)
            for values in result:
                values[SECURITY_GROUPS] = groups.get(values['uuid'], [])
        if 'network_info' in expected_attrs and result and \
                _JOINED_CACHE in result[0]:
            # The listing joined the info cache in.
            for values in result:
                values['network_info'] = orjson.loads(
                    values.pop(_JOINED_CACHE) or '[]')
        elif 'network_info' in expected_attrs:
            Cache = models.InstanceInfoCache
            caches = dict(conn.execute(
                sa.select(Cache.instance_uuid, Cache.network_info).where(
                    Cache.instance_uuid.in_(uuids))).all())
            for values in result:
                values['network_info'] = orjson.loads(
                    caches.get(values['uuid']) or '[]')
        return result

    def instance_get_active_by_window(self, context: RequestContext,
                                      begin: datetime.datetime,
                                      end: datetime.datetime,
                                      project_id: str | None = None
                                      ) -> list[dict[str, Any]]:
        """Instances, deleted ones included, that were running at some
        time between ``begin`` and ``end`` (naive UTC): launched before
        the end and not terminated before the start.  Columns only."""
        Instance = models.Instance
        stmt = sa.select(Instance).where(
            sa.or_(Instance.terminated_at.is_(None),
                   Instance.terminated_at > begin),
            Instance.launched_at < end).order_by(Instance.id)
        if project_id is not None:
            stmt = stmt.where(Instance.project_id == project_id)
        with self.reader() as session:
            return [row_to_dict(row) for row in session.scalars(stmt)]

    def instance_get_by_uuid(self, context: RequestContext, uuid: str,
                             read_deleted: str | None = None
                             ) -> dict[str, Any]:
        read_deleted = read_deleted or context.read_deleted
        with self.reader() as session:
            conn = session.connection()
            row = conn.execute(_BY_UUID[read_deleted],
                               {'uuid': uuid}).mappings().first()
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            side = _read_side(conn, [uuid], SIDE_ATTRS)
            return dict(row, **_side_values(side, uuid),
                        tags=_tags_of(side, uuid))

    def instance_get_all_by_filters(self, context: RequestContext,
                                    filters: dict[str, Any] | None = None,
                                    limit: int | None = None,
                                    marker: str | None = None,
                                    expected_attrs: Iterable[str] | None
                                    = None,
                                    columns: Iterable[str] | None = None,
                                    sort_dir: str = 'asc',
                                    iso_timestamps: bool = False,
                                    ) -> list[dict[str, Any]]:
        """Instances matching ``filters``, oldest first (``sort_dir``
        ``desc``: newest first, as the REST API lists them).

        ``expected_attrs`` names the side tables to read (default: all of
        ``SIDE_ATTRS``) and ``columns`` the instance columns (default:
        all; ``uuid`` always): a listing reads only what it shows.
        ``iso_timestamps``: timestamp columns come as ISO 8601 text (see
        :class:`iso_text`), for a listing that only prints them.

        Exact filters: ``project_id``, ``user_id``, ``host``, ``node``,
        ``cell_name``, ``reservation_id``, ``availability_zone``,
        ``image_ref``, ``instance_type_id`` and, as a value or a list,
        ``vm_state``, ``task_state`` and ``uuid``.  Also ``name`` (a regular
        expression on the display name; ``key_name``, ``power_state``,
        ``progress``, ``created_at``, ``launched_at`` and ``terminated_at``
        are regular expressions on the column's text too), ``ip`` (a
        substring of a fixed
        address), ``deleted`` (bool), ``changes_since`` and
        ``changes_before`` (datetimes), ``locked`` (bool), and the tag
        filters of :mod:`nova.db._tags` (lists).
        ``marker`` is the uuid of the last instance of the previous page.
        """
        if sort_dir not in ('asc', 'desc'):
            raise ValueError('sort_dir must be asc or desc, not %r'
                             % (sort_dir,))
        Instance = models.Instance
        table = Instance.__table__
        wanted = (table.columns if columns is None else
                  [table.c[name] for name in {'uuid', *columns}])
        side = SIDE_ATTRS if expected_attrs is None else frozenset(
            expected_attrs)
        if iso_timestamps:
            wanted = [iso_text(c).label(c.name)
                      if isinstance(c.type, sa.DateTime) else c
                      for c in wanted]
        stmt = _filtered(sa.select(*wanted), context, filters or {})
        stmt = _paged(stmt, limit, marker, sort_dir)
        with self.reader() as session:
            page = stmt.with_only_columns(Instance.uuid).subquery()
            if 'network_info' in side:
                # One query rather than a second one for the info caches.
                Cache = models.InstanceInfoCache
                stmt = stmt.add_columns(
                    Cache.network_info.label(_JOINED_CACHE)).outerjoin(
                    Cache, Cache.instance_uuid == Instance.uuid)
            result = session.connection().execute(stmt)
            keys = list(result.keys())
            rows = [dict(zip(keys, row, strict=True)) for row in result]
            if not rows:
                _check_marker(session.connection(), marker)
            return self._instance_dicts(session, rows, side, page)

    def instance_revisions(self, context: RequestContext,
                           filters: dict[str, Any] | None = None,
                           limit: int | None = None,
                           marker: str | None = None
                           ) -> list[tuple[str, int]]:
        """``(uuid, revision)`` of the instances
        :meth:`instance_get_all_by_filters` lists newest first (same
        ``filters``, ``limit`` and ``marker``), in its order.

        What a listing that keeps rendered views reads on every request:
        the page comes back as one aggregated text value rather than a
        row per instance, since a pure-Python driver (PyMySQL) spends far
        more decoding a thousand small rows than the database spends
        finding them.
        """
        Instance = models.Instance
        inner = _paged(_filtered(sa.select(Instance.id, _REVISION_ENTRY),
                                 context, filters or {}),
                       limit, marker, 'desc').subquery()
        stmt = sa.select(sa.func.count(), sa.func.group_concat(inner.c.e))
        with self.reader() as session:
            conn = session.connection()
            count, text = conn.execute(stmt).one()
            if not count:
                _check_marker(conn, marker)
                return []
            entries = text.split(',') if text else []
            if len(entries) != count:
                # Cut short (MySQL's group_concat_max_len): row by row.
                rows = conn.execute(_paged(_filtered(
                    sa.select(Instance.uuid, Instance.revision), context,
                    filters or {}), limit, marker, 'desc')).all()
                return [(uuid, revision) for uuid, revision in rows]
        # The aggregate's order is the database's choice: put it back.
        parts = sorted((entry.split(':') for entry in entries),
                       key=lambda part: -int(part[0]))
        return [(uuid, int(revision)) for _id, uuid, revision in parts]

    # -- writing --------------------------------------------------------

    @staticmethod
    def _locked_row(conn: Any, uuid: str) -> dict[str, Any] | None:
        """The live instance ``uuid``, locked until the transaction ends
        (ignored on SQLite, whose writes are serialised anyway)."""
        row = conn.execute(_LOCKED_ROW, {'uuid': uuid}).mappings().first()
        return None if row is None else dict(row)

    @_retry.retry_on_deadlock
    def instance_create(self, context: RequestContext, values: dict[str, Any],
                        security_groups: list[dict[str, Any]] | None = None
                        ) -> dict[str, Any]:
        """Create an instance; :class:`~nova.exception.InstanceExists`
        when one (live or deleted) has its uuid.

        ``security_groups`` (a child cell's build: the groups as the API
        cell sent them) makes this cell's copies of them current first,
        in the same transaction (see ``security_groups_copy``).  Another
        build of the cell may copy a new group at the same time: the one
        that commits second makes its copies on their own, then its
        instance.
        """
        try:
            with self.writer() as session:
                conn = session.connection()
                if security_groups:
                    _secgroups.copy_groups(conn, security_groups)
                result = self._insert_instance(conn, values)
        except sa.exc.IntegrityError:
            with self.reader() as session:
                if session.execute(_VERSIONS, {
                        'uuids': [values.get('uuid')]}).first():
                    raise exception.InstanceExists(
                        name=values['uuid']) from None
            if not security_groups:
                raise
            with self.writer() as session:
                _secgroups.copy_groups(session.connection(), security_groups)
            return self.instance_create(context, values)
        self._notify(context, 'instance.update', result)
        return result

    def _insert_instance(self, conn: Any, values: dict[str, Any]
                         ) -> dict[str, Any]:
        """Insert one instance, its side rows, tags and security group
        memberships (``security_group_ids``) in ``conn``'s transaction;
        returns it as :meth:`instance_create` does."""
        columns = {k: v for k, v in values.items() if k not in _NOT_COLUMNS}
        if self.owns_instances:
            # A build retried in another cell keeps counting from the
            # version its earlier cell reached, so the top never takes the
            # new cell's first updates for stale ones.
            columns['sync_version'] = (values.get('sync_version') or 0) + 1
        result = insert_row(conn, _INSTANCES, columns)
        uuid = str(result['uuid'])
        writes = _SideWrites(_empty_side())
        writes.want(uuid, values)
        writes.execute(conn)
        tags = _tags.add_new(conn, uuid, values.get(_TAGS) or ())
        _secgroups.join(conn, uuid, values.get(SECURITY_GROUP_IDS) or ())
        result.update(_side_values(writes.side, uuid), tags=tags)
        return result

    @_retry.retry_on_deadlock
    def instance_update(self, context: RequestContext, uuid: str,
                        values: dict[str, Any],
                        expected_task_state: Any = None,
                        expected_vm_state: Any = None,
                        bump_api_version: bool = False) -> dict[str, Any]:
        """Update one live instance and return its new state.

        ``expected_task_state``/``expected_vm_state`` (a value or a list)
        make the update conditional: another state raises
        :class:`~nova.exception.InstanceInvalidState` and changes nothing.
        ``bump_api_version`` numbers a change the API cell makes to the
        fields it owns.
        """
        changes = {k: v for k, v in values.items() if k not in _NOT_COLUMNS}
        with self.writer() as session:
            conn = session.connection()
            # Locked: concurrent writers must not both pass the state
            # check or number two changes alike.
            row = self._locked_row(conn, uuid)
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            before = {k: row[k] for k in _STATE_KEYS}
            made = not _as_expected(row, uuid, expected_task_state,
                                    expected_vm_state, changes)
            if not made:
                if self.owns_instances:
                    changes['sync_version'] = (row['sync_version'] or 0) + 1
                if bump_api_version:
                    changes['api_version'] = (row['api_version'] or 0) + 1
                changes['updated_at'] = utcnow()
                # Drawn here rather than by the column's onupdate, to be
                # returned with the rest.
                changes['revision'] = models.new_revision()
                conn.execute(update_by_id(_INSTANCES),
                             dict(changes, b_id=row['id']))
                row.update(changes)
            # What the update leaves of the side tables and tags: read in
            # one query (the writes below need the rows it replaces), and
            # returned with what the writes change in it.
            side = _read_side(conn, [uuid], SIDE_ATTRS)
            writes = _SideWrites(side)
            tags = _tags_of(side, uuid)
            if not made:
                writes.want(uuid, values)
                writes.execute(conn)
                if _TAGS in values:
                    tags = _tags.replace(conn, uuid, values[_TAGS] or (),
                                         held=tags)
        # Made already: our own change, committed before the connection
        # was lost; it goes up now, once.
        result = dict(row, **_side_values(writes.side, uuid), tags=tags)
        self._notify(context, 'instance.update', result)
        if any(result[k] != v for k, v in before.items()):
            self._notify(context, 'instance.state_change', {
                'instance': result, 'old_vm_state': before['vm_state'],
                'old_task_state': before['task_state'],
                'old_display_name': before['display_name']})
        return result

    @_retry.retry_on_deadlock
    def instance_destroy(self, context: RequestContext, uuid: str
                         ) -> dict[str, Any]:
        """Soft-delete an instance; the row stays as a tombstone."""
        with self.writer() as session:
            row = session.scalars(
                sa.select(models.Instance).where(
                    models.Instance.uuid == uuid,
                    models.Instance.deleted == 0).with_for_update()).first()
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            soft_delete(row)
            if row.terminated_at is None:
                row.terminated_at = utcnow()
            if self.owns_instances:
                row.sync_version = (row.sync_version or 0) + 1
            for model in (models.InstanceMetadata,
                          models.InstanceSystemMetadata,
                          models.InstanceInfoCache):
                for side in session.scalars(sa.select(model).where(
                        model.instance_uuid == uuid, model.deleted == 0)):
                    soft_delete(side)
            session.flush()
            result = self._instance_dicts(session, [row])[0]
        self._notify(context, 'instance.destroy', result)
        return result

    @_retry.retry_on_deadlock
    def instance_purge(self, context: RequestContext, uuid: str) -> None:
        """Remove every trace of an instance from this database, telling
        no listener: for a build that moves on to another cell."""
        with self.writer() as session:
            action_ids = sa.select(models.InstanceAction.id).where(
                models.InstanceAction.instance_uuid == uuid)
            session.execute(sa.delete(models.InstanceActionEvent).where(
                models.InstanceActionEvent.action_id.in_(action_ids)))
            for column in (models.InstanceMetadata.instance_uuid,
                           models.InstanceSystemMetadata.instance_uuid,
                           models.InstanceInfoCache.instance_uuid,
                           models.InstanceAction.instance_uuid,
                           models.Migration.instance_uuid,
                           models.Instance.uuid):
                session.execute(sa.delete(column.class_).where(
                    column == uuid))
            _tags.purge(session.connection(), uuid)
            _secgroups.forget_instance(session.connection(), uuid)

    def instance_apply_from_child(self, context: RequestContext,
                                  values: dict[str, Any],
                                  update_fields: frozenset[str] | None = None
                                  ) -> tuple[str, int]:
        """Apply a child's view of an instance to this (top) replica.

        A new instance is created with every value; an existing one takes
        only ``update_fields`` (default: the fields the child owns), plus
        the version and the cell.  Returns what happened, and the
        replica's ``api_version`` (so the caller can see the child is
        behind on the API's changes).
        What happened is ``created``, ``updated``, ``same`` (the replica
        holds this version already), ``stale`` (it holds a newer one) or
        ``deleted`` (it holds a tombstone: a late update never brings a
        deleted instance back).
        """
        return self.instances_apply_from_child(context, [values],
                                               update_fields)[0]

    @_retry.retry_on_deadlock
    def instances_apply_from_child(self, context: RequestContext,
                                   values_list: list[dict[str, Any]],
                                   update_fields: frozenset[str] | None
                                   = None, resent: bool = False
                                   ) -> list[tuple[str, int]]:
        """:meth:`instance_apply_from_child` for many instances at once,
        in one transaction.

        ``resent``: the copies are a heal's or a sync's, which the replica
        mostly holds already; those are recognised on a read first,
        without taking a write lock.
        """
        if update_fields is None:
            update_fields = CHILD_OWNED_FIELDS
        uuids = [v['uuid'] for v in values_list]
        results: list[tuple[str, int] | None] = [None] * len(values_list)
        todo = list(range(len(values_list)))
        if resent:
            with self.reader() as session:
                held = {r.uuid: (r.deleted, r.sync_version or 0,
                                 r.api_version or 0)
                        for r in session.execute(_VERSIONS,
                                                 {'uuids': uuids})}
            for index, values in enumerate(values_list):
                results[index] = _quick_outcome(held.get(values['uuid']),
                                                values)
            todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            with self.writer() as session:
                applied = self._apply_many(
                    session.connection(), [values_list[i] for i in todo],
                    update_fields)
            for index, result in zip(todo, applied, strict=True):
                results[index] = result
        return [r for r in results if r is not None]

    @staticmethod
    def _apply_many(conn: Any, values_list: list[dict[str, Any]],
                    update_fields: frozenset[str], moving: bool = False
                    ) -> list[tuple[str, int]]:
        """Apply each child's copy in ``values_list`` in this transaction:
        every row read in two queries, written in a few more.  A copy
        from a cell that does not own the instance changes nothing
        (``foreign``, see :func:`_moved_between_cells`); ``moving``: the
        copy is the instance's new cell's,
        taken whatever the versions say (a move between cells ends)."""
        uuids = list({values['uuid'] for values in values_list})
        rows = conn.execute(_VERSIONS_LOCKED, {'uuids': uuids}).all()
        held = {r.uuid: [r.deleted, r.sync_version or 0, r.api_version or 0]
                for r in rows}
        # The path each instance's build took, as first reported.
        cells = {r.uuid: r.cell_name for r in rows}
        foreign = set() if moving else _moved_between_cells(conn, [
            v['uuid'] for v in values_list
            if v['uuid'] in held and not held[v['uuid']][0]
            and _other_cell(cells[v['uuid']], v.get('cell_name'),
                            next(r.vm_state for r in rows
                                 if r.uuid == v['uuid']))])
        # The top keeps its own metadata (API-owned): not read.
        keys = {k for values in values_list for k in _SIDE_KEYS
                if k in values and k not in API_OWNED_FIELDS}
        side = _read_side(conn, uuids, keys)
        writes = _SideWrites(side)
        created: dict[str, dict[str, Any]] = {}
        updated: dict[str, dict[str, Any]] = {}
        allowed = update_fields | {'sync_version', 'cell_name'}
        results = []
        for values in values_list:
            uuid = values['uuid']
            columns = {k: v for k, v in values.items()
                       if k not in _NOT_COLUMNS
                       and k not in ('id', 'deleted', 'deleted_at')}
            state = held.get(uuid)
            if uuid in foreign and not cell_paths.same_cell(
                    cells.get(uuid), columns.get('cell_name')):
                assert state is not None
                results.append(('foreign', state[2]))
                continue
            if cell_paths.same_cell(cells.get(uuid),
                                    columns.get('cell_name')):
                # The same cell by another path (it has several parents):
                # the instance keeps the path it was first seen by.
                columns.pop('cell_name')
            elif columns.get('cell_name'):
                cells[uuid] = columns['cell_name']
            if state is None:
                created[uuid] = columns
                held[uuid] = [0, values.get('sync_version') or 0,
                              values.get('api_version') or 0]
                writes.want(uuid, values)
                results.append(('created', values.get('api_version') or 0))
                continue
            quick = (None if moving and not state[0] else
                     _quick_outcome((state[0], state[1], state[2]), values))
            if quick is not None:
                results.append(quick)
                continue
            columns = {k: v for k, v in columns.items() if k in allowed}
            state[1] = columns.get('sync_version') or 0
            if uuid in created:
                created[uuid].update(columns)
            else:
                updated.setdefault(uuid, {}).update(columns)
            writes.want(uuid, _without_api_owned(
                {k: v for k, v in values.items() if k in allowed},
                side['system_metadata'].get(uuid, {})))
            results.append(('updated', state[2]))
        for columns in created.values():
            conn.execute(insert_of(_INSTANCES), columns)
        by_names: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for uuid, columns in updated.items():
            by_names.setdefault(tuple(sorted(columns)), []).append(
                dict(columns, b_uuid=uuid))
        for params in by_names.values():
            conn.execute(_UPDATE_BY_UUID, params)
        writes.execute(conn)
        return results

    @_retry.retry_on_deadlock
    def instance_move_to_cell(self, context: RequestContext,
                              values: dict[str, Any]) -> str:
        """Hand an instance over to the cell it moved to: its copy
        there (``values``, with that cell's path in ``cell_name``) becomes
        this replica's, whatever the versions, and from now on only that
        cell's updates count.  Returns ``updated``, or ``deleted`` when
        the replica is a tombstone (nothing changes then)."""
        with self.writer() as session:
            [(result, _api_version)] = self._apply_many(
                session.connection(), [values], CHILD_OWNED_FIELDS,
                moving=True)
        return result

    @_retry.retry_on_deadlock
    def instance_apply_from_api(self, context: RequestContext, uuid: str,
                                values: dict[str, Any],
                                api_version: int) -> str:
        """Apply the API cell's change of fields it owns to the instance
        this cell runs.

        Returns ``updated``, ``stale`` (this cell holds that API version
        or a newer one), or ``missing`` (no live instance here).  It is
        not pushed back up: the top already has it.
        """
        changes = {k: v for k, v in values.items() if k not in _NOT_COLUMNS}
        with self.writer() as session:
            conn = session.connection()
            row = self._locked_row(conn, uuid)
            if row is None:
                return 'missing'
            if api_version <= (row['api_version'] or 0):
                return 'stale'
            side = _read_side(conn, [uuid],
                              [k for k in SIDE_ATTRS if k in values])
            if 'system_metadata' in values:
                # Only the API cell's keys travel; None removes one.
                current = {k: v for k, (_id, v) in
                           side['system_metadata'].get(uuid, {}).items()}
                for key, value in values['system_metadata'].items():
                    if key not in API_OWNED_SYSTEM_METADATA:
                        continue
                    if value is None:
                        current.pop(key, None)
                    else:
                        current[key] = value
                values = dict(values, system_metadata=current)
            changes['api_version'] = api_version
            conn.execute(update_by_id(_INSTANCES),
                         dict(changes, b_id=row['id']))
            writes = _SideWrites(side)
            writes.want(uuid, values)
            writes.execute(conn)
            if _TAGS in values:
                _tags.replace(conn, uuid, values[_TAGS] or (),
                              held=_tags_of(side, uuid))
            return 'updated'

    def instance_destroy_from_child(self, context: RequestContext, uuid: str,
                                    cell_name: str | None = None) -> bool:
        """Tombstone the replica of an instance a child deleted."""
        return bool(self.instances_destroy_from_child(context, [uuid],
                                                      cell_name))

    @_retry.retry_on_deadlock
    def instances_destroy_from_child(self, context: RequestContext,
                                     uuids: list[str],
                                     cell_name: str | None = None
                                     ) -> list[str]:
        """Tombstone many replicas; returns the uuids that were live.
        ``cell_name``: the path of the cell that deleted them; an
        instance another cell owns stays (see
        :func:`_moved_between_cells`)."""
        with self.reader() as session:
            rows = session.execute(
                sa.select(models.Instance.uuid, models.Instance.cell_name,
                          models.Instance.vm_state).where(
                    models.Instance.uuid.in_(uuids),
                    models.Instance.deleted == 0)).all()
            foreign = _moved_between_cells(session.connection(), [
                r.uuid for r in rows
                if _other_cell(r.cell_name, cell_name, r.vm_state)])
            live = [r.uuid for r in rows if r.uuid not in foreign]
        if not live:
            return []
        done = []
        with self.writer() as session:
            for row in session.scalars(sa.select(models.Instance).where(
                    models.Instance.uuid.in_(live),
                    models.Instance.deleted == 0).with_for_update()):
                soft_delete(row)
                if row.terminated_at is None:
                    row.terminated_at = utcnow()
                done.append(row.uuid)
        return done

    # -- faults ---------------------------------------------------------

    @_retry.retry_on_deadlock
    def instance_fault_create(self, context: RequestContext,
                              values: dict[str, Any], once: bool = False
                              ) -> dict[str, Any]:
        """Record a fault.  ``once``: unless the instance has one with
        the same time, code and message already (a fault a child sends
        up through each of its parents arrives once per path)."""
        with self.writer() as session:
            if once and values.get('created_at') is not None:
                Fault = models.InstanceFault
                same = session.scalars(sa.select(Fault).where(
                    Fault.instance_uuid == values['instance_uuid'],
                    Fault.created_at == values['created_at'],
                    Fault.code == values.get('code'),
                    Fault.message == values.get('message'))).first()
                if same is not None:
                    return row_to_dict(same)
            row = models.InstanceFault(**values)
            session.add(row)
            session.flush()
            result = row_to_dict(row)
            # The server's view shows its latest fault.
            session.execute(_NEW_REVISION, {
                'b_uuid': row.instance_uuid,
                'b_revision': models.new_revision()})
        self._notify(context, 'instance.fault', result)
        return result

    def instance_faults_get(self, context: RequestContext, uuids: list[str]
                            ) -> dict[str, list[dict[str, Any]]]:
        """Faults per instance uuid, newest first."""
        result: dict[str, list[dict[str, Any]]] = {u: [] for u in uuids}
        with self.reader() as session:
            stmt = (sa.select(models.InstanceFault)
                    .where(models.InstanceFault.instance_uuid.in_(uuids))
                    .order_by(models.InstanceFault.created_at.desc(),
                              models.InstanceFault.id.desc()))
            for row in session.scalars(stmt):
                result[row.instance_uuid].append(row_to_dict(row))
        return result
