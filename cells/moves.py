"""Cold migration of an instance from one cell to another.

The API cell's nova-cells drives each move (:class:`CellMover`); the two
cells involved take its steps as targeted messages, answered once done
(:class:`MoveSteps`), and call their compute hosts for the hypervisor's
part (:mod:`nova.compute.cell_moves`)::

    API cell                 source cell               target cell
    start: record the move   (owns the instance)
    migrating  ---------->   move_out: stop the guest
    post-migrating ------------------------------->   move_in: new record,
                                                      a host, run it
    finished   ---------->   move_finish: VERIFY_RESIZE
    confirm:
      confirming  ----------------------------------> move_confirm
      hand over: cell_name = target (instance_move_to_cell)
                 ---------->  move_drop: guest, claim,
                              address, record gone
      confirmed
    revert (or any failure before ``finished``):
      reverting  ------------------------------------> move_drop
                 ---------->  move_back: the guest runs
      reverted (error)        again, as it was

Exactly one cell owns the instance at every step: the source until the
hand-over at confirm, the target from then on.  The API cell takes the
updates of the owning cell only (``foreign`` copies change nothing; see
``nova.db._instances``), so the target's record is invisible until it
owns the instance, and the source's record goes only after that.  The
API cell's migration record (``source_cell``, ``dest_cell``) says how
far a move got: a move no nova-cells is driving (it stopped, or a cell
did not answer) is picked up by :meth:`CellMover.run_once` once it has
not changed for ``[cells] heal_interval``; every step can be taken
again, so it finishes a confirm or a revert, and undoes a move that had
not reached VERIFY_RESIZE.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova.cells import messaging
from nova.cells import scheduler as cells_scheduler
from nova.cells import state as cells_state
from nova.cells.messaging import Message
from nova.compute import instance_actions as actions
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

# Statuses of the API cell's record of a move between cells.
_UNDO = ('pre-migrating', 'migrating', 'post-migrating')
_DRIVEN = _UNDO + ('confirming', 'reverting')
_MOVABLE = (vm_states.ACTIVE, vm_states.STOPPED)
# The fields a cell's own record of an instance does not take from the
# other cell's.
_CELL_LOCAL = ('id', 'cell_name', 'host', 'node', 'network_info',
               'launched_on', 'deleted', 'deleted_at')


def _reason(error: Exception) -> str:
    """What went wrong, in one line (an error from another service
    carries its traceback after the first)."""
    text = (error.format_message()
            if isinstance(error, exception.NovaException) else str(error))
    return (text.strip().splitlines() or [type(error).__name__])[0]


def _check_not_expired(expires_at: float | None, what: str) -> None:
    """A step that starts something refuses to start once the cell
    driving the move stopped waiting for it (the message sat in a queue
    while this cell was down): it has undone the move meanwhile."""
    if expires_at is not None and time.time() > expires_at:
        raise exception.CrossCellMigrationFailed(
            cell='(this cell)', reason='%s came after its caller gave up'
            % what)


def _disk_gb(flavor: objects.Flavor) -> int:
    return (flavor.root_gb or 0) + (flavor.ephemeral_gb or 0)


class MoveSteps:
    """The steps a cell takes for a move (targeted messages)."""

    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 state: cells_state.CellStateManager,
                 transport: Any) -> None:
        self.conf = conf
        self.db = db
        self.state = state
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(
            transport, timeout=conf.rpc_response_timeout)

    def _get(self, ctxt: RequestContext, uuid: str
             ) -> objects.Instance | None:
        try:
            return objects.Instance.from_db(
                self.db.instance_get_by_uuid(ctxt, uuid))
        except exception.InstanceNotFound:
            return None

    def _resync(self, ctxt: RequestContext, uuid: str) -> None:
        """Send our copy up again, newer than whatever the top holds."""
        try:
            self.db.instance_update(ctxt, uuid, {})
        except exception.InstanceNotFound:
            pass

    # -- the source cell ------------------------------------------------

    def move_out(self, message: Message, instance_uuid: str,
                 dest_cell: str, expires_at: float | None = None
                 ) -> objects.Instance:
        """Stop the guest for its move to ``dest_cell``; returns our
        copy, which the target cell's record starts from."""
        _check_not_expired(expires_at, 'move_out')
        ctxt = message.ctxt
        instance = self._get(ctxt, instance_uuid)
        if instance is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        if instance.task_state != task_states.RESIZE_MIGRATING:
            if (instance.vm_state not in _MOVABLE
                    or instance.task_state is not None
                    or not instance.host):
                self._resync(ctxt, instance_uuid)
                raise exception.InstanceInvalidState(
                    method='migrate', instance_uuid=instance_uuid,
                    attr='vm_state', state=instance.vm_state)
            instance = instance_changes.instance_update(
                self.db, ctxt, instance,
                task_state=task_states.RESIZE_MIGRATING, progress=0,
                system_metadata=instance_changes.system_metadata_with(
                    instance, old_vm_state=instance.vm_state),
                expected_task_state=[None])
        self.compute_rpcapi.move_out_of_cell(ctxt, instance, dest_cell,
                                             actions.MIGRATE)
        found = self._get(ctxt, instance_uuid)
        assert found is not None
        return found

    def move_finish(self, message: Message, instance_uuid: str,
                    dest_host: str) -> None:
        """The instance runs in the target cell: VERIFY_RESIZE."""
        instance = self._get(message.ctxt, instance_uuid)
        if instance is None or instance.vm_state == vm_states.RESIZED:
            return
        instance_changes.instance_update(
            self.db, message.ctxt, instance, vm_state=vm_states.RESIZED,
            task_state=None,
            expected_task_state=[task_states.RESIZE_MIGRATING])

    def move_back(self, message: Message, instance_uuid: str,
                  action: str) -> None:
        """Run the instance here again, as it was before its move."""
        ctxt = message.ctxt
        instance = self._get(ctxt, instance_uuid)
        if instance is None:
            return
        sysmeta = instance.system_metadata or {}
        if 'old_vm_state' not in sysmeta and instance.task_state is None:
            # Never left (the move failed before it stopped the guest):
            # the top still shows the move's task state.
            self._resync(ctxt, instance_uuid)
            return
        self.compute_rpcapi.move_back_in_cell(ctxt, instance, action)

    # -- the target cell ------------------------------------------------

    def move_in(self, message: Message, instance: objects.Instance,
                host: str | None = None, expires_at: float | None = None
                ) -> dict[str, str]:
        """Record the instance here and run it on one of our hosts
        (``host`` if given); returns the host and node chosen."""
        _check_not_expired(expires_at, 'move_in')
        ctxt = message.ctxt
        local = self._record(ctxt, instance)
        if local.host:
            return {'host': local.host, 'node': local.node or ''}
        flavor = local.flavor
        assert flavor is not None
        with actions.EventReporter(self.db, ctxt, 'cells_move_into_cell',
                                   local.uuid, self.conf.host,
                                   action=actions.MIGRATE):
            candidates = self.state.hosts_with_room(flavor.memory_mb,
                                                    _disk_gb(flavor))
            if host is not None:
                candidates = [c for c in candidates if c[0] == host]
            errors = []
            for host_name, node in candidates:
                try:
                    self.compute_rpcapi.move_into_cell(
                        ctxt, host_name, local, node, actions.MIGRATE)
                except Exception as error:
                    LOG.info('Instance %s cannot move into %s: %s',
                             local.uuid, host_name, _reason(error))
                    errors.append('%s: %s' % (host_name, _reason(error)))
                    continue
                try:
                    _check_not_expired(expires_at, 'move_in')
                except exception.CrossCellMigrationFailed:
                    # Done too late: the move was undone meanwhile.
                    self.move_drop(message, local.uuid, actions.MIGRATE)
                    raise
                return {'host': host_name, 'node': node}
            raise exception.NoValidHost(
                reason='; '.join(errors) or
                'There are not enough hosts available.')

    def _record(self, ctxt: RequestContext, instance: objects.Instance
                ) -> objects.Instance:
        """Our record of the incoming instance (made once)."""
        values = {k: v for k, v in instance.to_db_values().items()
                  if k not in _CELL_LOCAL}
        values['task_state'] = task_states.RESIZE_FINISH
        try:
            row = self.db.instance_create(ctxt, values)
        except exception.InstanceExists:
            row = self.db.instance_get_by_uuid(ctxt, instance.uuid,
                                               read_deleted='yes')
            if row['deleted']:
                # A tombstone of an earlier stay here: start afresh.
                self.db.instance_purge(ctxt, instance.uuid)
                row = self.db.instance_create(ctxt, values)
        return objects.Instance.from_db(row)

    def move_confirm(self, message: Message, instance_uuid: str
                     ) -> objects.Instance:
        """The move is confirmed: the instance is ours, in the state it
        had before.  Returns our copy, which the top takes over."""
        ctxt = message.ctxt
        instance = self._get(ctxt, instance_uuid)
        if instance is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        if instance.vm_state == vm_states.RESIZED:
            previous = ((instance.system_metadata or {}).get('old_vm_state')
                        or vm_states.ACTIVE)
            instance = instance_changes.instance_update(
                self.db, ctxt, instance, vm_state=previous, task_state=None,
                system_metadata=instance_changes.system_metadata_with(
                    instance, remove=('old_vm_state',)),
                expected_vm_state=vm_states.RESIZED)
        return instance

    # -- either cell ----------------------------------------------------

    def move_drop(self, message: Message, instance_uuid: str,
                  action: str) -> bool:
        """Remove our record of the instance and what it holds here,
        telling nobody (the top takes the other cell's); False when we
        had none."""
        ctxt = message.ctxt
        instance = self._get(ctxt, instance_uuid)
        if instance is None:
            return False
        if instance.host:
            self.compute_rpcapi.drop_moved_instance(ctxt, instance, action)
        self.db.instance_purge(ctxt, instance_uuid)
        return True


class CellMover:
    """Drives the moves between cells of the instances below this (API)
    cell; see the module's docstring."""

    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 state: cells_state.CellStateManager,
                 runner: messaging.MessageRunner,
                 scheduler: cells_scheduler.CellsScheduler,
                 resend_api_fields: Any) -> None:
        self.conf = conf
        self.db = db
        self.state = state
        self.runner = runner
        self.scheduler = scheduler
        self.resend_api_fields = resend_api_fields
        self.our_name: str = conf.cells.name
        self._lock = threading.Lock()
        # The instances whose move a thread of this service drives now.
        self._busy: set[str] = set()

    # -- requests -------------------------------------------------------

    def start(self, ctxt: RequestContext, instance_uuid: str,
              target_cell: str | None = None, host: str | None = None
              ) -> dict[str, Any]:
        """Check and record a move, then drive it in the background;
        returns the migration record.  CannotMigrateToCell (a cell that
        does not exist, is the instance's, is disabled or has no room)
        and InstanceInvalidState change nothing."""
        instance = objects.Instance.from_db(
            self.db.instance_get_by_uuid(ctxt, instance_uuid))
        if instance.vm_state not in _MOVABLE or \
                instance.task_state is not None:
            raise exception.InstanceInvalidState(
                method='migrate', instance_uuid=instance_uuid,
                attr='vm_state' if instance.task_state is None
                else 'task_state',
                state=instance.task_state or instance.vm_state)
        source = instance.cell_name
        if not source:
            raise exception.InstanceUnknownCell(instance_uuid=instance_uuid)
        with self._lock:
            if instance_uuid in self._busy:
                raise exception.InstanceInvalidState(
                    method='migrate', instance_uuid=instance_uuid,
                    attr='task_state', state='moving')
        assert instance.flavor is not None
        target = self._target(ctxt, instance, source, target_cell)
        instance_changes.instance_update(
            self.db, ctxt, instance, task_state=task_states.RESIZE_PREP,
            expected_task_state=[None])
        self.db.action_start(ctxt, {
            'action': actions.MIGRATE, 'instance_uuid': instance_uuid,
            'request_id': ctxt.request_id, 'user_id': ctxt.user_id,
            'project_id': ctxt.project_id})
        flavor = json.dumps(instance.flavor.to_dict())
        migration = self.db.migration_create(ctxt, {
            'instance_uuid': instance_uuid,
            'source_cell': source, 'dest_cell': target,
            'source_compute': cell_paths.cell_with_item(source,
                                                        instance.host),
            'source_node': instance.node,
            'dest_compute': (cell_paths.cell_with_item(target, host)
                             if host else None),
            'old_instance_type_id': instance.instance_type_id,
            'new_instance_type_id': instance.instance_type_id,
            'old_flavor': flavor, 'new_flavor': flavor,
            'status': 'pre-migrating', 'migration_type': 'migration'})
        LOG.info('Moving instance %s from %s to %s', instance_uuid, source,
                 target)
        self._in_background(instance_uuid, self._migrate, ctxt,
                            migration['id'], host)
        return migration

    def _target(self, ctxt: RequestContext, instance: objects.Instance,
                source: str, target: str | None) -> str:
        """The path of the cell the instance goes to, checked."""
        flavor = instance.flavor
        assert flavor is not None
        source_child = source.split(cell_paths.PATH_CELL_SEP)[1:2]
        if target is None:
            props = {'instance_type': flavor, 'our_path': self.our_name,
                     'context': ctxt, 'request_spec': {},
                     'scheduler_hints': {},
                     'cell_excluded': {self.our_name: source_child}}
            try:
                cell = self.scheduler.select(props)
            except exception.NoCellsAvailable:
                raise exception.CannotMigrateToCell(
                    cell='(any)', reason='no other cell has room for '
                    'flavor %s' % flavor.flavorid) from None
            return cell_paths.path_join(self.our_name, cell.name)
        parts = target.split(cell_paths.PATH_CELL_SEP)
        child = (self.state.get_child_cell(parts[1])
                 if len(parts) > 1 and parts[0] == self.our_name else None)
        below = (child.capacities.get('cells') or {}) if child else {}
        if child is None or (len(parts) > 2 and parts[-1] not in below):
            raise exception.CannotMigrateToCell(
                cell=target, reason='no such cell')
        if cell_paths.same_cell(target, source) or \
                cell_paths.is_below(source, target):
            raise exception.CannotMigrateToCell(
                cell=target, reason='the server is in it already')
        if child.disabled:
            raise exception.CannotMigrateToCell(
                cell=target, reason='it is disabled')
        if not self.scheduler.has_room(child, flavor):
            raise exception.CannotMigrateToCell(
                cell=target, reason='it has no room for flavor %s'
                % flavor.flavorid)
        return target

    def confirm(self, ctxt: RequestContext, instance_uuid: str) -> None:
        """Keep the instance in its new cell; MigrationNotFoundByStatus
        unless it waits in VERIFY_RESIZE after a move between cells."""
        migration = self.finished_move(ctxt, instance_uuid)
        self.db.migration_update(ctxt, migration['id'],
                                 {'status': 'confirming'})
        self._in_background(instance_uuid, self._confirm, ctxt,
                            migration['id'])

    def revert(self, ctxt: RequestContext, instance_uuid: str) -> None:
        """Go back to the source cell (as :meth:`confirm`)."""
        migration = self.finished_move(ctxt, instance_uuid)
        self.db.migration_update(ctxt, migration['id'],
                                 {'status': 'reverting'})
        self._in_background(instance_uuid, self._revert, ctxt,
                            migration['id'])

    def foreign_copy(self, ctxt: RequestContext, cell: str,
                     instance_uuid: str) -> bool:
        """``cell`` sent up its copy of an instance that moved between
        cells and that another cell owns.  Unless a move between the two
        is under way or waits for its confirm, that copy is a leftover
        (a step that came too late, a drop that did not happen): it is
        dropped.  Returns whether it was."""
        with self._lock:
            if instance_uuid in self._busy:
                return False
        for migration in self.db.migration_get_all(
                ctxt, {'instance_uuid': instance_uuid}):
            if (migration.get('dest_cell')
                    and migration['status'] in _DRIVEN + ('finished',)
                    and any(cell_paths.same_cell(cell, migration[key])
                            for key in ('source_cell', 'dest_cell'))):
                return False
        LOG.warning('Cell %s holds a leftover copy of %s, which another '
                    'cell owns; dropping it', cell, instance_uuid)
        self.runner.targeted(ctxt, cell, 'move_drop',
                             {'instance_uuid': instance_uuid,
                              'action': actions.MIGRATE}, 'down')
        return True

    def finished_move(self, ctxt: RequestContext, instance_uuid: str
                      ) -> dict[str, Any]:
        """The move between cells waiting for its confirm or revert."""
        migration = self.db.migration_get_by_instance_and_status(
            ctxt, instance_uuid, 'finished')
        if not migration.get('dest_cell'):
            raise exception.MigrationNotFoundByStatus(
                instance_id=instance_uuid, status='finished')
        return migration

    # -- the steps ------------------------------------------------------

    def _call(self, ctxt: RequestContext, cell: str, method: str,
              **kwargs: Any) -> Any:
        timeout = float(self.conf.cells.call_timeout)
        if method in ('move_out', 'move_in'):
            kwargs['expires_at'] = time.time() + timeout
        response = self.runner.targeted(ctxt, cell, method, kwargs, 'down',
                                        need_response=True,
                                        timeout=timeout)
        assert response is not None
        return response.value_or_raise()

    def _in_background(self, uuid: str, step: Any, *args: Any) -> None:
        with self._lock:
            if uuid in self._busy:
                raise exception.InstanceInvalidState(
                    method='migrate', instance_uuid=uuid,
                    attr='task_state', state='moving')
            self._busy.add(uuid)

        def run() -> None:
            try:
                step(*args)
            finally:
                with self._lock:
                    self._busy.discard(uuid)
        threading.Thread(target=run, daemon=True,
                         name='move-%s' % uuid[:8]).start()

    def _migrate(self, ctxt: RequestContext, migration_id: int,
                 host: str | None) -> None:
        migration = self.db.migration_get(ctxt, migration_id)
        uuid = migration['instance_uuid']
        source, target = migration['source_cell'], migration['dest_cell']
        try:
            moving = self._call(ctxt, source, 'move_out',
                                instance_uuid=uuid, dest_cell=target)
            self.db.migration_update(ctxt, migration_id,
                                     {'status': 'migrating'})
            placed = self._call(ctxt, target, 'move_in', instance=moving,
                                host=host)
            self.db.migration_update(ctxt, migration_id, {
                'status': 'post-migrating',
                'dest_compute': cell_paths.cell_with_item(
                    target, placed['host']),
                'dest_node': placed['node']})
            # Finished before the source says so: a confirm or revert
            # finds the move by this status once the top shows
            # VERIFY_RESIZE.
            self.db.migration_update(ctxt, migration_id,
                                     {'status': 'finished'})
            self._call(ctxt, source, 'move_finish', instance_uuid=uuid,
                       dest_host=placed['host'])
            LOG.info('Instance %s runs in %s; waiting for its confirm',
                     uuid, target)
        except Exception as error:
            LOG.warning('Move of %s to %s failed: %s', uuid, target,
                        _reason(error))
            self._fault(ctxt, uuid, target, error)
            self._undo(ctxt, migration_id, 'error', actions.MIGRATE)

    def _fault(self, ctxt: RequestContext, uuid: str, target: str,
               error: Exception) -> None:
        try:
            instance_changes.add_instance_fault(
                self.db, ctxt, uuid, exception.CrossCellMigrationFailed(
                    cell=target, reason=_reason(error)))
        except exception.InstanceNotFound:
            pass

    def _undo(self, ctxt: RequestContext, migration_id: int, status: str,
              action: str) -> None:
        """Back to the source cell: the target's record goes, the source's
        runs again.  Left for the keeper when a cell does not answer."""
        migration = self.db.migration_get(ctxt, migration_id)
        uuid = migration['instance_uuid']
        try:
            self._call(ctxt, migration['dest_cell'], 'move_drop',
                       instance_uuid=uuid, action=action)
            self._call(ctxt, migration['source_cell'], 'move_back',
                       instance_uuid=uuid, action=action)
        except Exception as error:
            LOG.warning('Cannot undo the move of %s yet (%s); trying again '
                        'within %s s', uuid, _reason(error),
                        self.conf.cells.heal_interval)
            return
        self.db.migration_update(ctxt, migration_id, {'status': status})
        LOG.info('Instance %s is back in %s', uuid,
                 migration['source_cell'])

    def _confirm(self, ctxt: RequestContext, migration_id: int) -> None:
        migration = self.db.migration_get(ctxt, migration_id)
        uuid = migration['instance_uuid']
        target = migration['dest_cell']
        try:
            copy = self._call(ctxt, target, 'move_confirm',
                              instance_uuid=uuid)
            values = copy.to_db_values()
            values['cell_name'] = target
            # The hand-over: from here on the target owns the instance.
            self.db.instance_move_to_cell(ctxt, values)
            self.resend_api_fields(ctxt, uuid)
            self._call(ctxt, migration['source_cell'], 'move_drop',
                       instance_uuid=uuid, action=actions.CONFIRM_RESIZE)
        except Exception as error:
            LOG.warning('Confirm of the move of %s not done yet (%s); '
                        'trying again within %s s', uuid, _reason(error),
                        self.conf.cells.heal_interval)
            return
        self.db.migration_update(ctxt, migration_id,
                                 {'status': 'confirmed'})
        LOG.info('Instance %s moved to %s', uuid, target)

    def _revert(self, ctxt: RequestContext, migration_id: int) -> None:
        self._undo(ctxt, migration_id, 'reverted', actions.REVERT_RESIZE)

    # -- the keeper -----------------------------------------------------

    def run_once(self, now: datetime.datetime | None = None) -> int:
        """Take up the moves nobody drives (unchanged for
        ``heal_interval``); returns how many."""
        ctxt = nova_context.get_admin_context()
        now = now or timeutils.utcnow().replace(tzinfo=None)
        stale = now - datetime.timedelta(
            seconds=self.conf.cells.heal_interval)
        taken = 0
        for status in _DRIVEN + ('finished',):
            for migration in self.db.migration_get_all(ctxt,
                                                       {'status': status}):
                changed = migration['updated_at'] or migration['created_at']
                if not migration.get('dest_cell') or changed > stale:
                    continue
                if status == 'finished' and not self._finishing(
                        ctxt, migration['instance_uuid']):
                    continue
                step = (self._confirm if status == 'confirming'
                        else self._revert if status == 'reverting'
                        else self._finish if status == 'finished'
                        else self._undo_stale)
                try:
                    self._in_background(migration['instance_uuid'], step,
                                        ctxt, migration['id'])
                except exception.InstanceInvalidState:
                    continue    # driven by a thread of ours
                # Touched: the next run leaves it to this one.
                self.db.migration_update(ctxt, migration['id'],
                                         {'updated_at': now})
                taken += 1
        return taken

    def _finishing(self, ctxt: RequestContext, uuid: str) -> bool:
        """Whether the source has yet to show the finished move."""
        try:
            row = self.db.instance_get_by_uuid(ctxt, uuid)
        except exception.InstanceNotFound:
            return False
        return row['task_state'] == task_states.RESIZE_MIGRATING

    def _finish(self, ctxt: RequestContext, migration_id: int) -> None:
        migration = self.db.migration_get(ctxt, migration_id)
        try:
            self._call(ctxt, migration['source_cell'], 'move_finish',
                       instance_uuid=migration['instance_uuid'],
                       dest_host=migration['dest_compute'])
        except Exception as error:
            LOG.warning('Cannot finish the move of %s yet (%s)',
                        migration['instance_uuid'], _reason(error))

    def _undo_stale(self, ctxt: RequestContext, migration_id: int) -> None:
        migration = self.db.migration_get(ctxt, migration_id)
        LOG.warning('Move of %s to %s was interrupted; undoing it',
                    migration['instance_uuid'], migration['dest_cell'])
        self._fault(ctxt, migration['instance_uuid'],
                    migration['dest_cell'],
                    exception.NovaException('interrupted'))
        self._undo(ctxt, migration_id, 'error', actions.MIGRATE)
