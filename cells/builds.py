"""Builds in flight that nobody is finishing, found and finished.

A build always has an owner: the API cell until a cell accepts it (the
cell's row exists), then that cell (DESIGN.md, section 7).  A crash, a cut
connection or a refused write can make the owner forget a build: a cast
consumed and never handled, a host scheduler killed between its read and
its cast, a failure that could not be written.  A :class:`BuildKeeper`
runs in every nova-cells, every ``heal_interval / 2`` seconds, and looks
at the builds of its cell that have not changed for ``heal_interval``
(:func:`stall_window`):

* at the top, a build no cell has reported (``cell_name`` unset): the
  children are asked whether one of them holds it (:data:`HELD_METHOD`); a
  cell that does sends it up again and keeps it; one that no cell holds,
  when every cell answered, is sent down again: to the child it was
  first sent to (a first copy may only be late there, queued while that
  cell's nova-cells was down, and a cell's answer does not see it), or
  through the cell scheduler when this nova-cells does not know it.  The
  build is keyed by the instance uuid, so a second copy that reaches a
  cell holding the first is dropped there;
* in a cell, a build with no host yet is handed to the host scheduler
  again (a compute host takes an instance only while it is scheduling,
  so a duplicate is dropped by the second host); one whose compute
  service is down is put in ERROR with a fault.

A build is so picked up between one and one and a half heal intervals
after its last change (the cells involved being up).  Example::

    keeper = BuildKeeper(conf, db, state, runner, scheduler,
                         host_scheduler, compute_api, send_up)
    keeper.run_once()   # {'redriven': 2, 'resent': 1, 'failed': 0}
"""

from __future__ import annotations

from collections.abc import Callable
import datetime
from typing import Any
from typing import Protocol

from oslo_log import log as logging
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova import servicegroup
from nova.cells import messaging
from nova.cells import state as cells_state
from nova.cells import sync
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# The broadcast a parent sends down to learn which builds its cells hold.
HELD_METHOD = 'builds_held'


class BuildRequests(Protocol):
    """This cell's compute API: what a build of an instance sends."""

    def build_request(self, context: RequestContext,
                      instance: objects.Instance) -> dict[str, Any]: ...


class CellScheduler(Protocol):
    def build_again(self, ctxt: RequestContext,
                    build_inst_kwargs: dict[str, Any]) -> None: ...


class HostScheduler(Protocol):
    def build_instances(self, ctxt: RequestContext,
                        instances: list[objects.Instance],
                        request_spec: dict[str, Any],
                        filter_properties: dict[str, Any]) -> None: ...


def stall_window(conf: Any) -> float:
    """Seconds without a change after which a build counts as stalled."""
    return float(conf.cells.heal_interval)


def _now() -> datetime.datetime:
    return timeutils.utcnow().replace(tzinfo=None)


def held_here(db: Database, uuids: list[str],
              send_up: sync.SendBatch) -> list[str]:
    """Which of ``uuids`` this cell holds (deleted ones too); each is
    sent up again, so that the top learns where it is."""
    ctxt = nova_context.get_admin_context(read_deleted='yes')
    rows = db.instance_get_all_by_filters(ctxt, {'uuid': uuids})
    if rows:
        sync.send_page(send_up, ctxt, rows)
    return [row['uuid'] for row in rows]


class BuildKeeper:
    """Finds the stalled builds of one cell and has them finished."""

    def __init__(self, conf: Any, db: Database,
                 state: cells_state.CellStateManager,
                 runner: messaging.MessageRunner,
                 scheduler: CellScheduler, host_scheduler: HostScheduler,
                 compute_api: BuildRequests, send_up: sync.SendBatch,
                 now: Callable[[], datetime.datetime] = _now) -> None:
        self.conf = conf
        self.db = db
        self.state = state
        self.runner = runner
        self.scheduler = scheduler
        self.host_scheduler = host_scheduler
        self.compute_api = compute_api
        self.send_up = send_up
        self.now = now

    def run_once(self) -> dict[str, int]:
        """One look; returns how many builds were sent again
        (``redriven``), found in a cell and sent up (``resent``) and put
        in ERROR (``failed``)."""
        counts = {'redriven': 0, 'resent': 0, 'failed': 0}
        stalled = self._stalled()
        if not stalled:
            return counts
        ctxt = nova_context.get_admin_context()
        if self.state.is_top():
            self._at_the_top(ctxt, stalled, counts)
        else:
            self._in_a_cell(ctxt, stalled, counts)
        if any(counts.values()):
            LOG.info('Stalled builds: %s', ', '.join(
                '%s %d' % kv for kv in sorted(counts.items())))
        return counts

    def _stalled(self) -> list[dict[str, Any]]:
        cutoff = self.now() - datetime.timedelta(
            seconds=stall_window(self.conf))
        limit = self.conf.cells.instance_update_num_instances
        stalled: list[dict[str, Any]] = []
        for page in sync.iter_pages(
                self.db, {'vm_state': vm_states.BUILDING, 'deleted': False},
                self.conf.cells.instance_update_sync_database_limit):
            stalled += [row for row in page
                        if (row['updated_at'] or row['created_at']
                            or cutoff) < cutoff]
            if len(stalled) >= limit:
                break
        return stalled[:limit]

    # -- the top: builds no cell has reported ---------------------------

    def _at_the_top(self, ctxt: RequestContext,
                    stalled: list[dict[str, Any]],
                    counts: dict[str, int]) -> None:
        unplaced = {row['uuid']: row for row in stalled
                    if not row['cell_name']}
        if not unplaced:
            return
        held, missing = self._ask_children(ctxt, list(unplaced))
        counts['resent'] += len(held)
        if missing:
            # One of them may hold it: a second copy elsewhere would make
            # two servers of one.  Asked again on the next run.
            LOG.warning('Cells %s did not answer about %d stalled builds; '
                        'asking again later', ', '.join(sorted(missing)),
                        len(set(unplaced) - held))
            return
        for uuid, row in unplaced.items():
            if uuid in held:
                continue
            instance = self._restart_window(ctxt, row)
            if instance is None:
                continue
            LOG.warning('Build of %s reached no cell; sending it again',
                        uuid)
            self.scheduler.build_again(
                ctxt, self.compute_api.build_request(ctxt, instance))
            counts['redriven'] += 1

    def _ask_children(self, ctxt: RequestContext, uuids: list[str]
                      ) -> tuple[set[str], list[str]]:
        if not self.state.get_child_cells():
            return set(), []
        result = self.runner.broadcast(ctxt, HELD_METHOD, {'uuids': uuids},
                                       'down', run_locally=False,
                                       need_response=True)
        assert result is not None
        held: set[str] = set()
        missing = list(result.missing)
        for response in result:
            if response.failure or not isinstance(response.value, list):
                missing.append(response.cell_name)
                continue
            held.update(str(uuid) for uuid in response.value)
        return held, missing

    def _restart_window(self, ctxt: RequestContext, row: dict[str, Any]
                        ) -> objects.Instance | None:
        """Mark a build as sent again now (its window starts over); None
        when it moved on meanwhile."""
        try:
            return instance_changes.instance_update(
                self.db, ctxt, objects.Instance.from_db(row),
                task_state=task_states.SCHEDULING,
                expected_vm_state=vm_states.BUILDING,
                expected_task_state=[task_states.SCHEDULING, None])
        except (exception.InstanceNotFound, exception.InstanceInvalidState):
            return None

    # -- a cell: builds its host scheduler or a compute host dropped ----

    def _in_a_cell(self, ctxt: RequestContext,
                   stalled: list[dict[str, Any]],
                   counts: dict[str, int]) -> None:
        down_time = self.conf.service_down_time
        services: dict[str, bool] = {}
        for row in stalled:
            if not row['host']:
                instance = self._restart_window(ctxt, row)
                if instance is None:
                    continue
                LOG.warning('Build of %s has no host yet; scheduling it '
                            'again', row['uuid'])
                request = self.compute_api.build_request(ctxt, instance)
                # No route back up: if it fails now, it fails here.
                self.host_scheduler.build_instances(
                    ctxt, [instance], request['request_spec'],
                    request['filter_properties'])
                counts['redriven'] += 1
                continue
            host = row['host']
            if host not in services:
                services[host] = self._compute_is_up(ctxt, host, down_time)
            if not services[host] and self._fail(ctxt, row):
                counts['failed'] += 1

    def _compute_is_up(self, ctxt: RequestContext, host: str,
                       down_time: int) -> bool:
        try:
            service = self.db.service_get_by_host_and_binary(
                ctxt, host, 'nova-compute')
        except exception.NotFound:
            return False
        return servicegroup.service_is_up(service, down_time,
                                          now=self.now())

    def _fail(self, ctxt: RequestContext, row: dict[str, Any]) -> bool:
        error = exception.BuildHostDown(uuid=row['uuid'], host=row['host'])
        try:
            instance_changes.instance_update(
                self.db, ctxt, objects.Instance.from_db(row),
                vm_state=vm_states.ERROR, task_state=None,
                expected_vm_state=vm_states.BUILDING,
                expected_task_state=row['task_state'])
        except (exception.InstanceNotFound, exception.InstanceInvalidState):
            return False
        instance_changes.add_instance_fault(self.db, ctxt, row['uuid'],
                                            error, host=row['host'])
        LOG.warning('%s', error.format_message())
        return True
