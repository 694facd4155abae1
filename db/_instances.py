"""Instances and what hangs off them: metadata, faults, info cache,
actions."""

from __future__ import annotations

from collections.abc import Iterable
import json
from typing import Any

import orjson
import sqlalchemy as sa

from nova import exception
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import filter_deleted
from nova.db._common import iso_text
from nova.db._common import row_to_dict
from nova.db._common import soft_delete
from nova.db._common import utcnow

_EXACT_FILTERS = ('project_id', 'user_id', 'host', 'node', 'cell_name',
                  'reservation_id', 'availability_zone', 'image_ref',
                  'instance_type_id', 'vm_state', 'task_state', 'uuid')


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


# Side-table rows of instances, as _side_rows reads them.
_SideRows = dict[str, dict[str, Any]]

# Keys of an instance dict that live in other tables.
_SIDE_KEYS = ('metadata', 'system_metadata', 'network_info')
SIDE_ATTRS = frozenset(_SIDE_KEYS)
# The info cache column a listing joins in, under this label.
_JOINED_CACHE = '_info_cache_network_info'

# Field authority.  An instance lives in two places: the cell that runs it
# (its *owner*) and the API cell's replica.  Each field has one authority:
#
# * The owner decides what the instance *is*: its states, where it runs,
#   its flavor and image (a resize or rebuild happens there), its
#   addresses.  The top takes these from the owner's updates, in
#   ``sync_version`` order, and never changes them itself (except an
#   administrator's state reset, which it sends down to the owner).
# * The API cell decides what users *call* it: name, description,
#   metadata, access address, lock (and the lock's reason, a system
#   metadata key).  The owner takes these from the API's updates, in
#   ``api_version`` order, and never changes them itself.
# * Everything else is set once at creation (uuid, owner project and user,
#   key, user data, reservation) and never changes.
CHILD_OWNED_FIELDS = frozenset([
    'vm_state', 'task_state', 'power_state', 'host', 'node',
    'availability_zone', 'launched_at', 'terminated_at', 'progress',
    'network_info', 'system_metadata', 'flavor',
    'instance_type_id', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb',
    'image_ref', 'updated_at',
])
API_OWNED_FIELDS = frozenset([
    'display_name', 'display_description', 'access_ip_v4', 'metadata',
    'locked', 'locked_by',
])
API_OWNED_SYSTEM_METADATA = frozenset(['locked_reason'])


def _no_side_rows() -> _SideRows:
    return {'metadata': {}, 'system_metadata': {}, 'network_info': {}}


def _without_api_owned(values: dict[str, Any],
                       system_metadata: dict[str, Any]) -> dict[str, Any]:
    """A child's values less what the API cell owns, so that a child's
    update sent before a rename (say) cannot undo it at the top;
    ``system_metadata``: the top's rows, by key."""
    values = {k: v for k, v in values.items() if k not in API_OWNED_FIELDS}
    if 'system_metadata' in values:
        ours = {k: row.value for k, row in system_metadata.items()
                if k in API_OWNED_SYSTEM_METADATA}
        sysmeta = {k: v for k, v in (values['system_metadata']
                                     or {}).items()
                   if k not in API_OWNED_SYSTEM_METADATA}
        values['system_metadata'] = dict(sysmeta, **ours)
    return values


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

    def instance_get_by_uuid(self, context: Any, uuid: str,
                             read_deleted: str | None = None
                             ) -> dict[str, Any]:
        read_deleted = read_deleted or context.read_deleted
        with self.reader() as session:
            stmt = filter_deleted(
                sa.select(models.Instance).where(
                    models.Instance.uuid == uuid),
                models.Instance, read_deleted)
            row = session.scalars(stmt).first()
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            return self._instance_dicts(session, [row])[0]

    def instance_get_all_by_filters(self, context: Any,
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
        expression on the display name), ``ip`` (a substring of a fixed
        address), ``deleted`` (bool) and ``changes_since`` (datetime).
        ``marker`` is the uuid of the last instance of the previous page.
        """
        if sort_dir not in ('asc', 'desc'):
            raise ValueError('sort_dir must be asc or desc, not %r'
                             % (sort_dir,))
        filters = dict(filters or {})
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
        stmt = sa.select(*wanted)
        deleted = filters.pop('deleted', None)
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
        if filters.get('ip'):
            stmt = stmt.where(Instance.uuid.in_(
                sa.select(models.InstanceInfoCache.instance_uuid).where(
                    models.InstanceInfoCache.network_info.contains(
                        '"address": "%s' % filters['ip']))))
        if filters.get('changes_since') is not None:
            since = filters['changes_since']
            stmt = stmt.where(sa.or_(Instance.updated_at >= since,
                                     Instance.created_at >= since,
                                     Instance.deleted_at >= since))
        with self.reader() as session:
            if marker is not None:
                marker_id = session.scalar(
                    sa.select(Instance.id).where(Instance.uuid == marker))
                if marker_id is None:
                    raise exception.InstanceNotFound(instance_id=marker)
                stmt = stmt.where(Instance.id > marker_id if sort_dir == 'asc'
                                  else Instance.id < marker_id)
            stmt = stmt.order_by(Instance.id if sort_dir == 'asc'
                                 else Instance.id.desc())
            if limit is not None:
                stmt = stmt.limit(limit)
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
            return self._instance_dicts(session, rows, side, page)

    # -- writing --------------------------------------------------------

    @staticmethod
    def _side_rows(session: Any, uuids: list[str],
                   keys: Iterable[str] = _SIDE_KEYS) -> _SideRows:
        """The live side-table rows of ``uuids`` for ``keys``, a query
        per table: ``{'metadata': {uuid: {key: row}}, 'system_metadata':
        ..., 'network_info': {uuid: info cache row}}``."""
        side = _no_side_rows()
        if not uuids:
            return side
        for key, model in (('metadata', models.InstanceMetadata),
                           ('system_metadata',
                            models.InstanceSystemMetadata)):
            if key not in keys:
                continue
            for m in session.scalars(sa.select(model).where(
                    model.instance_uuid.in_(uuids), model.deleted == 0)):
                side[key].setdefault(m.instance_uuid, {})[m.key] = m
        if 'network_info' in keys:
            Cache = models.InstanceInfoCache
            for cache in session.scalars(sa.select(Cache).where(
                    Cache.instance_uuid.in_(uuids))):
                side['network_info'][cache.instance_uuid] = cache
        return side

    def _write_side_tables(self, session: Any, uuid: str,
                           values: dict[str, Any],
                           side: _SideRows | None = None) -> None:
        """Make the side tables of ``uuid`` hold ``values``' (only the
        keys present); ``side``: its rows, already read."""
        if side is None:
            side = self._side_rows(session, [uuid],
                                   [k for k in _SIDE_KEYS if k in values])
        for key, model in (('metadata', models.InstanceMetadata),
                           ('system_metadata',
                            models.InstanceSystemMetadata)):
            if key not in values:
                continue
            wanted = values[key] or {}
            current = side[key].setdefault(uuid, {})
            for k, row in list(current.items()):
                if k not in wanted:
                    soft_delete(row)
                    del current[k]
                elif row.value != wanted[k]:
                    row.value = wanted[k]
            for k, v in wanted.items():
                if k not in current:
                    current[k] = model(instance_uuid=uuid, key=k, value=v)
                    session.add(current[k])
        if 'network_info' in values:
            cache = side['network_info'].get(uuid)
            data = json.dumps(values['network_info'] or [])
            if cache is None:
                side['network_info'][uuid] = models.InstanceInfoCache(
                    instance_uuid=uuid, network_info=data)
                session.add(side['network_info'][uuid])
            elif cache.network_info != data:
                cache.network_info = data

    def instance_create(self, context: Any, values: dict[str, Any]
                        ) -> dict[str, Any]:
        columns = {k: v for k, v in values.items() if k not in _SIDE_KEYS}
        if self.owns_instances:
            # A build retried in another cell keeps counting from the
            # version its earlier cell reached, so the top never takes the
            # new cell's first updates for stale ones.
            columns['sync_version'] = (values.get('sync_version') or 0) + 1
        with self.writer() as session:
            row = models.Instance(**columns)
            session.add(row)
            session.flush()
            self._write_side_tables(session, row.uuid, values,
                                    _no_side_rows())
            session.flush()
            result = self._instance_dicts(session, [row])[0]
        self._notify(context, 'instance.update', result)
        return result

    def instance_update(self, context: Any, uuid: str,
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
        columns = {k: v for k, v in values.items() if k not in _SIDE_KEYS}
        with self.writer() as session:
            # Locked: concurrent writers must not both pass the state
            # check or number two changes alike (ignored on SQLite, whose
            # writes are serialised anyway).
            row = session.scalars(
                sa.select(models.Instance).where(
                    models.Instance.uuid == uuid,
                    models.Instance.deleted == 0).with_for_update()).first()
            if row is None:
                raise exception.InstanceNotFound(instance_id=uuid)
            for attr, expected in (('task_state', expected_task_state),
                                   ('vm_state', expected_vm_state)):
                if expected is None:
                    continue
                allowed = (expected if isinstance(expected, (list, tuple))
                           else [expected])
                if getattr(row, attr) not in allowed:
                    raise exception.InstanceInvalidState(
                        method='update', instance_uuid=uuid, attr=attr,
                        state=getattr(row, attr))
            for key, value in columns.items():
                setattr(row, key, value)
            if self.owns_instances:
                row.sync_version = (row.sync_version or 0) + 1
            if bump_api_version:
                row.api_version = (row.api_version or 0) + 1
            row.updated_at = utcnow()
            self._write_side_tables(session, uuid, values)
            session.flush()
            result = self._instance_dicts(session, [row])[0]
        self._notify(context, 'instance.update', result)
        return result

    def instance_destroy(self, context: Any, uuid: str) -> dict[str, Any]:
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

    def instance_purge(self, context: Any, uuid: str) -> None:
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

    def instance_apply_from_child(self, context: Any,
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

    def instances_apply_from_child(self, context: Any,
                                   values_list: list[dict[str, Any]],
                                   update_fields: frozenset[str] | None
                                   = None) -> list[tuple[str, int]]:
        """:meth:`instance_apply_from_child` for many instances at once.

        Copies the replica already holds (the bulk of what the heal task
        re-sends) are recognised on a read, without taking a write lock;
        the others are applied in one transaction.
        """
        if update_fields is None:
            update_fields = CHILD_OWNED_FIELDS
        uuids = [v['uuid'] for v in values_list]
        results: list[tuple[str, int] | None] = [None] * len(values_list)
        todo = list(range(len(values_list)))
        if len(values_list) > 1:
            with self.reader() as session:
                held = {r.uuid: (r.deleted, r.sync_version or 0,
                                 r.api_version or 0)
                        for r in session.execute(sa.select(
                            models.Instance.uuid, models.Instance.deleted,
                            models.Instance.sync_version,
                            models.Instance.api_version).where(
                            models.Instance.uuid.in_(uuids)))}
            for index, values in enumerate(values_list):
                results[index] = _quick_outcome(held.get(values['uuid']),
                                                values)
            todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            with self.writer() as session:
                applied = self._apply_many(
                    session, [values_list[i] for i in todo], update_fields)
            for index, result in zip(todo, applied, strict=True):
                results[index] = result
        return [r for r in results if r is not None]

    def _apply_many(self, session: Any, values_list: list[dict[str, Any]],
                    update_fields: frozenset[str] | None
                    ) -> list[tuple[str, int]]:
        """Apply each child's copy in ``values_list`` in this transaction:
        the instances, then their side tables, each read in one query."""
        uuids = list({values['uuid'] for values in values_list})
        # FOR UPDATE: two updates of one instance applied at once must
        # not both pass the version check (MariaDB; SQLite ignores it).
        rows = {row.uuid: row for row in session.scalars(
            sa.select(models.Instance).where(
                models.Instance.uuid.in_(uuids)).with_for_update())}
        keys = {k for values in values_list for k in _SIDE_KEYS
                if k in values}
        if update_fields is not None:
            # The top keeps its own metadata (API-owned): not read.
            keys -= {k for k in keys if k in API_OWNED_FIELDS}
        side = self._side_rows(session, uuids, keys)
        results = [self._apply_one(session, rows, side, values,
                                   update_fields)
                   for values in values_list]
        session.flush()
        return results

    def _apply_one(self, session: Any, rows: dict[str, Any],
                   side: _SideRows, values: dict[str, Any],
                   update_fields: frozenset[str] | None) -> tuple[str, int]:
        uuid = values['uuid']
        columns = {k: v for k, v in values.items()
                   if k not in _SIDE_KEYS and k not in ('id', 'deleted',
                                                        'deleted_at')}
        row = rows.get(uuid)
        if row is None:
            row = rows[uuid] = models.Instance(**columns)
            session.add(row)
            self._write_side_tables(session, uuid, values, side)
            return 'created', values.get('api_version') or 0
        api_version = row.api_version or 0
        quick = _quick_outcome((row.deleted, row.sync_version or 0,
                                api_version), values)
        if quick is not None:
            return quick
        if update_fields is not None:
            allowed = update_fields | {'sync_version', 'cell_name'}
            columns = {k: v for k, v in columns.items() if k in allowed}
            values = _without_api_owned(
                {k: v for k, v in values.items() if k in allowed},
                side['system_metadata'].get(uuid, {}))
        for key, value in columns.items():
            setattr(row, key, value)
        self._write_side_tables(session, uuid, values, side)
        return 'updated', api_version

    def instance_apply_from_api(self, context: Any, uuid: str,
                                values: dict[str, Any],
                                api_version: int) -> str:
        """Apply the API cell's change of fields it owns to the instance
        this cell runs.

        Returns ``updated``, ``stale`` (this cell holds that API version
        or a newer one), or ``missing`` (no live instance here).  It is
        not pushed back up: the top already has it.
        """
        columns = {k: v for k, v in values.items() if k not in _SIDE_KEYS}
        with self.writer() as session:
            row = session.scalars(sa.select(models.Instance).where(
                models.Instance.uuid == uuid,
                models.Instance.deleted == 0).with_for_update()).first()
            if row is None:
                return 'missing'
            if api_version <= (row.api_version or 0):
                return 'stale'
            if 'system_metadata' in values:
                # Only the API cell's keys travel; None removes one.
                model = models.InstanceSystemMetadata
                current = {m.key: m.value for m in session.scalars(
                    sa.select(model).where(model.instance_uuid == uuid,
                                           model.deleted == 0))}
                for key, value in values['system_metadata'].items():
                    if key not in API_OWNED_SYSTEM_METADATA:
                        continue
                    if value is None:
                        current.pop(key, None)
                    else:
                        current[key] = value
                values = dict(values, system_metadata=current)
            for key, value in columns.items():
                setattr(row, key, value)
            row.api_version = api_version
            self._write_side_tables(session, uuid, values)
            return 'updated'

    def instance_destroy_from_child(self, context: Any, uuid: str) -> bool:
        """Tombstone the replica of an instance a child deleted."""
        return bool(self.instances_destroy_from_child(context, [uuid]))

    def instances_destroy_from_child(self, context: Any,
                                     uuids: list[str]) -> list[str]:
        """Tombstone many replicas; returns the uuids that were live."""
        with self.reader() as session:
            live = list(session.scalars(sa.select(models.Instance.uuid).where(
                models.Instance.uuid.in_(uuids),
                models.Instance.deleted == 0)))
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

    def instance_fault_create(self, context: Any, values: dict[str, Any]
                              ) -> dict[str, Any]:
        with self.writer() as session:
            row = models.InstanceFault(**values)
            session.add(row)
            session.flush()
            result = row_to_dict(row)
        self._notify(context, 'instance.fault', result)
        return result

    def instance_faults_get(self, context: Any, uuids: list[str]
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
