"""Instance actions and their events: what was asked of an instance, and
what each service did about it.

An action is keyed by its instance and the request id of the request that
asked for it; a child cell's actions and events are applied at the top
with the ``*_apply`` methods, which are idempotent and never let an older
copy erase a newer one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nova import exception
from nova.context import RequestContext
from nova.db import _retry
from nova.db import models
from nova.db._common import QueryMixin
from nova.db._common import insert_of
from nova.db._common import insert_row
from nova.db._common import row_to_dict
from nova.db._common import table_of
from nova.db._common import update_by_id
from nova.db._common import utcnow

_ACTION_FIELDS = ('action', 'instance_uuid', 'request_id', 'user_id',
                  'project_id', 'start_time', 'finish_time', 'message')
_EVENT_FIELDS = ('event', 'start_time', 'finish_time', 'result',
                 'traceback', 'host', 'details')
_ACTIONS = table_of(models.InstanceAction)
_EVENTS = table_of(models.InstanceActionEvent)
# Built once (see nova.db._common.insert_of).
_ACTION_OF_REQUEST = sa.select(_ACTIONS).where(
    _ACTIONS.c.instance_uuid == sa.bindparam('uuid'),
    _ACTIONS.c.request_id == sa.bindparam('request_id'),
    _ACTIONS.c.deleted == 0).order_by(_ACTIONS.c.id.desc()).limit(1)
# A batch's actions and events (see _RecordBatch): a superset of those
# asked for, the newest action of a request last.
_ACTIONS_OF_REQUESTS = sa.select(_ACTIONS).where(
    _ACTIONS.c.instance_uuid.in_(sa.bindparam('uuids', expanding=True)),
    _ACTIONS.c.request_id.in_(sa.bindparam('request_ids', expanding=True)),
    _ACTIONS.c.deleted == 0).order_by(_ACTIONS.c.id)
_EVENTS_OF_ACTIONS = sa.select(_EVENTS).where(
    _EVENTS.c.action_id.in_(sa.bindparam('action_ids', expanding=True)),
    _EVENTS.c.deleted == 0).order_by(_EVENTS.c.id.desc())
_EVENT_OF_ACTION = sa.select(_EVENTS).where(
    _EVENTS.c.action_id == sa.bindparam('action_id'),
    _EVENTS.c.event == sa.bindparam('event'),
    _EVENTS.c.deleted == 0).limit(1)


class ActionQueries(QueryMixin):
    """Mixed into :class:`nova.db.api.Database`."""

    @staticmethod
    def _action_row(conn: Any, instance_uuid: str,
                    request_id: str | None) -> Any:
        """The newest live action of ``instance_uuid`` asked by
        ``request_id``, as a row mapping, or None."""
        return conn.execute(_ACTION_OF_REQUEST, {
            'uuid': instance_uuid,
            'request_id': request_id}).mappings().first()

    @_retry.retry_on_deadlock
    def action_start(self, context: RequestContext, values: dict[str, Any]
                     ) -> dict[str, Any]:
        """Record that an action on an instance started."""
        with self.writer() as session:
            result = self._insert_action(session.connection(), values)
        self._notify(context, 'instance.action', result)
        return result

    def _insert_action(self, conn: Any, values: dict[str, Any]
                       ) -> dict[str, Any]:
        """Insert an action row (``start_time`` now unless given); the
        caller notifies ``instance.action`` once it is committed."""
        columns = {k: v for k, v in values.items() if k in _ACTION_FIELDS}
        columns.setdefault('start_time', utcnow())
        return insert_row(conn, _ACTIONS, columns)

    @_retry.retry_on_deadlock
    def action_apply(self, context: RequestContext, values: dict[str, Any]
                     ) -> bool:
        """Store a child's action unless we hold it already."""
        with self.writer() as session:
            return self._apply_action(session.connection(), values)

    def _apply_action(self, conn: Any, values: dict[str, Any]) -> bool:
        if self._action_row(conn, values['instance_uuid'],
                            values.get('request_id')) is not None:
            return False
        insert_row(conn, _ACTIONS, {k: v for k, v in values.items()
                                      if k in _ACTION_FIELDS})
        return True

    @_retry.retry_on_deadlock
    def action_records_apply(self, records: list[tuple[Any, str,
                                                       dict[str, Any]]]
                             ) -> None:
        """Apply a child's actions and events in one transaction, in
        order: ``(context, 'action' or 'event', values)`` each, as
        :meth:`action_apply` and :meth:`action_event_record` would.

        The batch's actions and events are read in one query each, and
        the several records of one event (its start and its finish) make
        one write."""
        for _context, kind, _values in records:
            if kind not in ('action', 'event'):
                raise ValueError('unknown action record %r' % (kind,))
        with self.writer() as session:
            events = _RecordBatch(session.connection(), records).apply()
        for context, result in events:
            self._notify(context, 'instance.action_event', result)

    def actions_get(self, context: RequestContext, instance_uuid: str
                    ) -> list[dict[str, Any]]:
        """The actions of an instance (deleted or not), newest first."""
        with self.reader() as session:
            stmt = (sa.select(models.InstanceAction)
                    .where(models.InstanceAction.instance_uuid
                           == instance_uuid,
                           models.InstanceAction.deleted == 0)
                    .order_by(models.InstanceAction.start_time.desc(),
                              models.InstanceAction.id.desc()))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    def action_get_by_request_id(self, context: RequestContext,
                                 instance_uuid: str, request_id: str
                                 ) -> dict[str, Any]:
        with self.reader() as session:
            row = self._action_row(session.connection(), instance_uuid,
                                   request_id)
            if row is None:
                raise exception.InstanceActionNotFound(
                    request_id=request_id, instance_uuid=instance_uuid)
            return dict(row)

    def action_events_get(self, context: RequestContext, action_id: int
                          ) -> list[dict[str, Any]]:
        with self.reader() as session:
            stmt = (sa.select(models.InstanceActionEvent)
                    .where(models.InstanceActionEvent.action_id == action_id,
                           models.InstanceActionEvent.deleted == 0)
                    .order_by(models.InstanceActionEvent.start_time.desc(),
                              models.InstanceActionEvent.id.desc()))
            return [row_to_dict(r) for r in session.scalars(stmt)]

    # -- events ---------------------------------------------------------

    def _event_values(self, conn: Any, context: RequestContext,
                      values: dict[str, Any]
                      ) -> tuple[dict[str, Any], bool]:
        """Find or create the event's action; return the event's values
        with ``action_id``, ``instance_uuid`` and ``request_id``, and
        whether the action was created (so it has no events yet)."""
        uuid = values['instance_uuid']
        request_id = values.get('request_id') or context.request_id
        action = self._action_row(conn, uuid, request_id)
        created = action is None
        if created:
            # An event without a recorded action (a build rescheduled to
            # another host, a periodic task): keep it under its own
            # action rather than lose it.
            action = insert_row(conn, _ACTIONS, {
                'action': values.get('action'), 'instance_uuid': uuid,
                'request_id': request_id, 'user_id': context.user_id,
                'project_id': context.project_id,
                'start_time': values.get('start_time') or utcnow()})
        return dict({k: v for k, v in values.items() if k in _EVENT_FIELDS},
                    action_id=action['id'], instance_uuid=uuid,
                    request_id=request_id, action=action['action']), created

    @_retry.retry_on_deadlock
    def action_event_record(self, context: RequestContext,
                            values: dict[str, Any],
                            held: dict[str, Any] | None = None
                            ) -> dict[str, Any]:
        """Create or complete one event of an instance's action.

        ``values``: ``instance_uuid``, ``event`` and any of ``request_id``
        (default: the context's), ``action`` (the action's name should the
        action not be recorded yet), ``start_time``, ``finish_time``,
        ``result`` (``Success`` or ``Error``), ``traceback``, ``host``,
        ``details``.  Values that are None leave the stored ones alone, so
        a late copy of an event's start never undoes its finish.

        ``held``: what recording the same event (its start) returned; its
        row is then updated without being looked up.
        """
        with self.writer() as session:
            conn = session.connection()
            result = (self._update_held_event(conn, held, values)
                      if held is not None else None)
            if result is None:
                result = self._record_event(conn, context, values)
        self._notify(context, 'instance.action_event', result)
        return result

    @staticmethod
    def _update_held_event(conn: Any, held: dict[str, Any],
                           values: dict[str, Any]) -> dict[str, Any] | None:
        """Update the event row ``held``; None when it is gone."""
        changes = {key: values[key] for key in _EVENT_FIELDS
                   if values.get(key) is not None and key != 'event'}
        changes['updated_at'] = utcnow()
        if not conn.execute(update_by_id(_EVENTS),
                            dict(changes, b_id=held['id'])).rowcount:
            return None
        if (values.get('result') or '').lower() == 'error':
            conn.execute(update_by_id(_ACTIONS), {
                'b_id': held['action_id'], 'message': 'Error'})
        return dict(held, **changes)

    def _record_event(self, conn: Any, context: RequestContext,
                      values: dict[str, Any]) -> dict[str, Any]:
        full, new_action = self._event_values(conn, context, values)
        # An action made just now has no event to look for (the child's
        # copy of a build's action is made by the build's first event).
        row = None if new_action else conn.execute(_EVENT_OF_ACTION, {
            'action_id': full['action_id'],
            'event': full['event']}).mappings().first()
        changes = {key: full[key] for key in _EVENT_FIELDS
                   if full.get(key) is not None}
        if row is None:
            result = insert_row(conn, _EVENTS, dict(
                changes, action_id=full['action_id'], event=full['event']))
        else:
            changes['updated_at'] = utcnow()
            conn.execute(update_by_id(_EVENTS), dict(changes, b_id=row['id']))
            result = dict(row, **changes)
        if (full.get('result') or '').lower() == 'error':
            # As in Nova: an action with a failed event says so.
            conn.execute(update_by_id(_ACTIONS), {
                'b_id': full['action_id'], 'message': 'Error'})
        return dict(result, instance_uuid=full['instance_uuid'],
                    request_id=full['request_id'], action=full['action'])


class _RecordBatch:
    """A child's actions and events, applied in a few statements: the
    actions of the batch's requests read at once, an action written as
    each comes (its id is needed), then the events of those actions read
    at once and each event written once with all its records merged."""

    def __init__(self, conn: Any,
                 records: list[tuple[Any, str, dict[str, Any]]]) -> None:
        self.conn = conn
        self.records = records
        # (instance uuid, request id) -> the action row
        self.actions: dict[tuple[str, str], dict[str, Any]] = {}

    def apply(self) -> list[tuple[Any, dict[str, Any]]]:
        """Apply the batch; each event record's context and result."""
        self._read_actions()
        # Each event record as (context, event values, its action).
        events = []
        for context, kind, values in self.records:
            if kind == 'action':
                self._action(values['instance_uuid'],
                             values.get('request_id'),
                             {k: v for k, v in values.items()
                              if k in _ACTION_FIELDS})
                continue
            request_id = values.get('request_id') or context.request_id
            action = self._action(values['instance_uuid'], request_id, {
                'action': values.get('action'),
                'instance_uuid': values['instance_uuid'],
                'request_id': request_id, 'user_id': context.user_id,
                'project_id': context.project_id,
                'start_time': values.get('start_time') or utcnow()})
            events.append((context, values, action))
        return self._write_events(events)

    def _read_actions(self) -> None:
        uuids = {v['instance_uuid'] for _c, _k, v in self.records}
        request_ids = {v.get('request_id') or c.request_id
                       for c, _k, v in self.records} - {None}
        if not request_ids:
            return
        for row in self.conn.execute(_ACTIONS_OF_REQUESTS, {
                'uuids': sorted(uuids),
                'request_ids': sorted(request_ids)}).mappings():
            self.actions[row['instance_uuid'], row['request_id']] = \
                dict(row)

    def _action(self, uuid: str, request_id: str | None,
                values: dict[str, Any]) -> dict[str, Any]:
        """The action of the request, written with ``values`` if none is
        held.  Without a request id none is ever found (as a query for a
        NULL request id finds none)."""
        held = self.actions.get((uuid, request_id)) if request_id else None
        if held is None:
            held = insert_row(self.conn, _ACTIONS, values)
            if request_id:
                self.actions[uuid, request_id] = held
        return held

    def _write_events(self, events: list[tuple[Any, dict[str, Any],
                                               dict[str, Any]]]
                      ) -> list[tuple[Any, dict[str, Any]]]:
        if not events:
            return []
        held: dict[tuple[int, str], dict[str, Any]] = {}
        for row in self.conn.execute(_EVENTS_OF_ACTIONS, {
                'action_ids': sorted({a['id'] for _c, _v, a in events})}
                ).mappings():
            # Ordered newest first: the oldest of duplicates wins.
            held[row['action_id'], row['event']] = dict(row)
        now = utcnow()
        new: dict[tuple[int, str], dict[str, Any]] = {}
        changed: dict[int, dict[str, Any]] = {}
        failed: set[int] = set()
        results = []
        for context, values, action in events:
            key = (action['id'], values['event'])
            # Values that are None leave the stored ones alone.
            changes = {k: values[k] for k in _EVENT_FIELDS
                       if values.get(k) is not None}
            row = held.get(key)
            if row is None:
                # Every field named: one INSERT for all new events.
                row = new.setdefault(key, dict(
                    dict.fromkeys(_EVENT_FIELDS), action_id=action['id'],
                    event=values['event']))
            else:
                changed.setdefault(row['id'], {}).update(
                    changes, updated_at=now)
            row.update(changes)
            if (values.get('result') or '').lower() == 'error':
                # As in Nova: an action with a failed event says so.
                failed.add(action['id'])
            results.append((context, dict(
                row, instance_uuid=action['instance_uuid'],
                request_id=action['request_id'], action=action['action'])))
        for statement, rows in (
                (insert_of(_EVENTS), list(new.values())),
                (update_by_id(_EVENTS),
                 [dict(c, b_id=i) for i, c in changed.items()]),
                (update_by_id(_ACTIONS),
                 [{'b_id': i, 'message': 'Error'} for i in sorted(failed)])):
            # One statement per set of columns written.
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                by_columns.setdefault(tuple(sorted(row)), []).append(row)
            for params in by_columns.values():
                self.conn.execute(statement, params)
        return results
