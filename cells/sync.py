"""Keeping the top's copy of every instance true.

Instance changes travel up as they happen (see :mod:`nova.cells.rpcapi`,
``sync_listener``), ordered by ``sync_version`` and applied at the top only
when newer.  A message can still be lost, so this module repairs:

* :class:`Healer` runs in every cell that runs instances: each run
  re-sends up to ``[cells] instance_update_num_instances`` instances
  changed (or deleted) within ``instance_updated_at_threshold``, reading
  ``instance_update_sync_database_limit`` rows at a time, sending each
  page as one message, and carrying on where the previous run stopped.
  The top recognises what it already holds on a read and drops it.
* :func:`sync_instances` re-sends every matching instance at once (the
  ``sync_instances`` broadcast, e.g. from ``os-cells/sync_instances``).
* :class:`UpdateBatcher` gathers the updates a child sends up for a few
  milliseconds and sends the newest of each instance in one message;
  :class:`ChangePusher` does the same between a child's services and its
  nova-cells.
* :class:`BuildTimeouts` puts instances stuck building for longer than
  ``instance_build_timeout`` in ERROR with a fault.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import datetime
import math
import threading
import time
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova import service
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# Sends a page of instances up at once: the live ones, and the uuids of
# the deleted ones.
SendBatch = Callable[[Any, list[objects.Instance], list[str]], None]


# An action or an event of an instance's action, on its way up with the
# user and project of the request that made it: ``{'kind': 'action' or
# 'event', 'record': the object, 'user_id': ..., 'project_id': ...}``.
ActionRecord = dict[str, Any]
# What a batcher holds of an instance: the object, or (in a service's
# pusher) its database row, made an object only if it travels.
Change = objects.Instance | dict[str, Any]
# Sends a batch up: (context, instances, action records).
SendUpdates = Callable[[Any, list[Any], list[ActionRecord]], None]


class UpdateBatcher:
    """Gathers what a child sends up (instance updates, actions and their
    events) and sends it in batches.

    An update holds the whole instance and the top applies the highest
    ``sync_version`` only, so of several updates to one instance only the
    newest needs to travel.  Actions and events all travel, in the order
    they came.

    Two clocks decide when a batch goes:

    * ``delay``: at least this long between two messages.  What comes
      when nothing was sent for ``delay`` goes at once; what follows waits
      for the rest of the delay and goes together.
    * ``hold``: what no client waits for may wait this long for more to
      travel with it: the update of an instance whose task is still in
      progress (a build before it is ACTIVE or ERROR, say) and actions and
      events.  An update that ends a task (``task_state`` back to None)
      goes as soon as ``delay`` allows and takes everything held along.  A
      build's steps then mostly travel as one update, the last one.

    A batch that cannot be sent is logged, as a lost message would be: the
    heal task sends its instances again later; its actions and events are
    lost, as they were when each went up on its own.
    """

    # Instances per message, at most: a message stays a few hundred KiB.
    MAX_BATCH = 100
    # Actions and events per message, at most (each is a few hundred
    # bytes).
    MAX_RECORDS = 500

    def __init__(self, delay: float, send: SendUpdates, hold: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``send(ctxt, instances, records)``: the context of the change
        when the batch holds one, an admin context otherwise."""
        self.delay = delay
        self.hold = hold
        self._send = send
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[Any, Change]] = {}
        self._records: list[tuple[Any, ActionRecord]] = []
        self._timer: threading.Timer | None = None
        self._timer_at = math.inf
        # When what is pending must go, at the latest.
        self._due = math.inf
        self._last_sent = -math.inf
        self.batches_sent = 0

    def add(self, ctxt: RequestContext, instance: Change) -> None:
        with self._lock:
            uuid = _field(instance, 'uuid')
            held = self._pending.get(uuid)
            if held is None or (_sync_version(instance)
                                >= _sync_version(held[1])):
                self._pending[uuid] = (ctxt, instance)
            go_now = self._schedule(self.hold if _in_progress(instance)
                                    else 0.0)
        if go_now:
            self.flush()

    def add_action(self, ctxt: RequestContext, kind: str, record: Any) -> None:
        """An action (``kind`` ``action``) or an action event (``event``)
        to send up, made by the request of ``ctxt``."""
        self.add_record(ctxt, {'kind': kind, 'record': record,
                               'user_id': ctxt.user_id,
                               'project_id': ctxt.project_id})

    def add_record(self, ctxt: RequestContext, record: ActionRecord) -> None:
        """An action record, its user and project included, to send up."""
        with self._lock:
            self._records.append((ctxt, record))
            go_now = self._schedule(self.hold)
        if go_now:
            self.flush()

    def _schedule(self, may_wait: float) -> bool:
        """Under the lock, for a change that may wait ``may_wait`` seconds:
        whether to send now, or else make sure a send is on its way in
        time."""
        now = self._clock()
        self._due = min(self._due, now + may_wait)
        at = max(self._due, self._last_sent + self.delay)
        if at <= now:
            return True
        if self._timer is not None:
            if self._timer_at <= at:
                return False    # a batch is on its way in time
            # Too late for this change: a flush that already fired sends
            # it anyway, one that did not is replaced.
            self._timer.cancel()
        self._timer = threading.Timer(at - now, self.flush)
        self._timer.daemon = True
        self._timer_at = at
        self._timer.start()
        return False

    def discard(self, uuid: str) -> None:
        """Forget a pending update (its instance was just deleted)."""
        with self._lock:
            self._pending.pop(uuid, None)

    def flush(self) -> None:
        """Send what is pending now."""
        with self._lock:
            batch = list(self._pending.values())
            records = self._records
            self._pending.clear()
            self._records = []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._timer_at = self._due = math.inf
            if batch or records:
                self._last_sent = self._clock()
        while batch or records:
            self._send_safely(batch[:self.MAX_BATCH],
                              records[:self.MAX_RECORDS])
            batch = batch[self.MAX_BATCH:]
            records = records[self.MAX_RECORDS:]

    def _send_safely(self, batch: list[tuple[Any, Change]],
                     records: list[tuple[Any, ActionRecord]]) -> None:
        contexts = [ctxt for ctxt, _ in batch] + [
            ctxt for ctxt, _ in records]
        ctxt = (contexts[0] if len(contexts) == 1
                else nova_context.get_admin_context())
        try:
            self._send(ctxt, [instance for _ctxt, instance in batch],
                       [record for _ctxt, record in records])
            self.batches_sent += 1
        except Exception:
            LOG.warning('Cannot send %d instance update(s) and %d '
                        'action record(s) up; the heal task will resend '
                        'the instances', len(batch), len(records),
                        exc_info=True)


def checked_record(record: Any) -> ActionRecord:
    """``record`` if it is an action record, else CellMessageInvalid."""
    kind = record.get('kind') if isinstance(record, dict) else None
    obj = record.get('record') if isinstance(record, dict) else None
    if not ((kind == 'action' and isinstance(obj, objects.InstanceAction))
            or (kind == 'event'
                and isinstance(obj, objects.InstanceActionEvent))):
        raise exception.CellMessageInvalid(
            reason='bad action record of kind %r' % (kind,))
    return record


class ChangePusher:
    """The database listener of a child cell's services: every committed
    change goes to the cell's nova-cells, on its way to the top.

    Instance updates, actions and events are held as nova-cells holds
    them (an :class:`UpdateBatcher` with the same hold) and go in one cast
    when an update ends a task: a build's steps and events mostly make one
    message, sent when the build ends.  That update goes at once, with no
    delay added to nova-cells' own: what a client waits for is not kept
    waiting twice.  A deletion drops the pending update of its instance
    and goes at once, as do faults and bandwidth usage.  In the process of
    nova-cells itself (:meth:`deliver_to`) every change goes straight to
    its manager, which batches it with the rest.
    """

    def __init__(self, cells_api: Any, hold: float) -> None:
        self.cells_api = cells_api
        self.batcher = UpdateBatcher(0.0, self._send, hold=hold)
        self._direct = False

    def deliver_to(self, manager: service.Manager) -> None:
        """Hand every change to ``manager``, this process's nova-cells."""
        self.cells_api.deliver_to(manager)
        self._direct = True
        self.flush()

    def __call__(self, ctxt: RequestContext, kind: str, values: dict[str, Any]
                 ) -> None:
        if self._direct:
            self.cells_api.sync_listener(ctxt, kind, values)
        elif kind == 'instance.update':
            # Of several rows of an instance only the newest travels; a
            # copy, as the writer's caller gets the same dict.
            self.batcher.add(ctxt, dict(values))
        elif kind == 'instance.action':
            self.batcher.add_action(
                ctxt, 'action', objects.InstanceAction.from_dict(values))
        elif kind == 'instance.action_event':
            self.batcher.add_action(
                ctxt, 'event', objects.InstanceActionEvent.from_dict(values))
        else:
            if kind == 'instance.destroy':
                self.batcher.discard(values['uuid'])
            self.cells_api.sync_listener(ctxt, kind, values)

    def _send(self, ctxt: RequestContext, rows: list[dict[str, Any]],
              records: list[ActionRecord]) -> None:
        instances = [objects.Instance.from_db(row) for row in rows]
        if len(instances) == 1 and not records:
            self.cells_api.instance_update_at_top(ctxt, instances[0])
        else:
            self.cells_api.changes_at_top(ctxt, instances, records)

    def flush(self) -> None:
        """Send what is pending now (the service is stopping)."""
        self.batcher.flush()


def _field(change: Change, name: str) -> Any:
    if isinstance(change, dict):
        return change.get(name)
    return getattr(change, name) if change.obj_attr_is_set(name) else None


def _in_progress(instance: Change) -> bool:
    """Whether a task of the instance is under way (no client waits for
    its steps: they wait for its end)."""
    return _field(instance, 'task_state') is not None


def _sync_version(instance: Change) -> int:
    return _field(instance, 'sync_version') or 0


def _now() -> datetime.datetime:
    return timeutils.utcnow().replace(tzinfo=None)


def iter_pages(db: Database, filters: dict[str, Any], page_size: int,
               marker: str | None = None
               ) -> Iterator[list[dict[str, Any]]]:
    """Pages of instance rows matching ``filters`` (deleted ones too)."""
    ctxt = nova_context.get_admin_context(read_deleted='yes')
    while True:
        page = db.instance_get_all_by_filters(ctxt, filters,
                                              limit=page_size,
                                              marker=marker)
        if page:
            yield page
        if len(page) < page_size:
            return
        marker = page[-1]['uuid']


def send_page(send_batch: SendBatch, ctxt: RequestContext,
              rows: list[dict[str, Any]]) -> None:
    live = [objects.Instance.from_db(r) for r in rows if not r['deleted']]
    deleted = [r['uuid'] for r in rows if r['deleted']]
    send_batch(ctxt, live, deleted)


class Healer:
    """Re-sends recently changed instances to the top, a bounded number
    per run, a page per message."""

    def __init__(self, conf: Any, db: Database, send_batch: SendBatch,
                 now: Callable[[], datetime.datetime] = _now) -> None:
        self.conf = conf
        self.db = db
        self.send_batch = send_batch
        self.now = now
        self._marker: str | None = None
        self.sent = 0

    def run_once(self) -> int:
        """One heal run; returns how many instances it re-sent."""
        opts = self.conf.cells
        since = self.now() - datetime.timedelta(
            seconds=opts.instance_updated_at_threshold)
        budget = opts.instance_update_num_instances
        page_size = min(opts.instance_update_sync_database_limit, budget)
        ctxt = nova_context.get_admin_context()
        sent = 0
        finished = True
        for page in iter_pages(self.db, {'changes_since': since}, page_size,
                               self._marker):
            page = page[:budget - sent]
            send_page(self.send_batch, ctxt, page)
            sent += len(page)
            self._marker = page[-1]['uuid']
            if sent >= budget:
                finished = False
                break
        if finished:
            # Went through every changed instance: start over next time.
            self._marker = None
        self.sent += sent
        if sent:
            LOG.debug('Heal re-sent %d instances', sent)
        return sent


def sync_instances(db: Database, send_batch: SendBatch, page_size: int,
                   project_id: str | None = None,
                   updated_since: datetime.datetime | None = None,
                   deleted: bool = False) -> int:
    """Re-send every instance of this cell matching the filters, a page
    per message.  Deleted instances are included only with ``deleted``.
    """
    filters: dict[str, Any] = {}
    if project_id:
        filters['project_id'] = project_id
    if updated_since is not None:
        filters['changes_since'] = updated_since
    if not deleted:
        filters['deleted'] = False
    ctxt = nova_context.get_admin_context()
    count = 0
    for page in iter_pages(db, filters, page_size):
        send_page(send_batch, ctxt, page)
        count += len(page)
    LOG.info('Sync re-sent %d instances', count)
    return count


class BuildTimeouts:
    """Puts instances building for too long in ERROR with a fault."""

    def __init__(self, conf: Any, db: Database,
                 on_timeout: Callable[[Any, objects.Instance], None]
                 | None = None,
                 now: Callable[[], datetime.datetime] = _now) -> None:
        self.conf = conf
        self.db = db
        self.on_timeout = on_timeout
        self.now = now

    def run_once(self) -> list[str]:
        timeout = self.conf.cells.instance_build_timeout
        if not timeout:
            return []
        ctxt = nova_context.get_admin_context()
        cutoff = self.now() - datetime.timedelta(seconds=timeout)
        timed_out = []
        rows = (row for page in iter_pages(
            self.db, {'vm_state': vm_states.BUILDING, 'deleted': False},
            self.conf.cells.instance_update_sync_database_limit)
            for row in page)
        for row in rows:
            if row['created_at'] is None or row['created_at'] > cutoff:
                continue
            instance = objects.Instance.from_db(row)
            error = exception.InstanceBuildTimeout(uuid=instance.uuid,
                                                   timeout=timeout)
            try:
                instance_changes.instance_update(
                    self.db, ctxt, instance, vm_state=vm_states.ERROR,
                    task_state=None,
                    expected_task_state=row['task_state'])
            except (exception.InstanceNotFound,
                    exception.InstanceInvalidState):
                continue    # it moved on meanwhile
            instance_changes.add_instance_fault(self.db, ctxt, instance.uuid,
                                                error)
            LOG.warning('%s', error.format_message())
            timed_out.append(instance.uuid)
            if self.on_timeout is not None:
                self.on_timeout(ctxt, instance)
        return timed_out
