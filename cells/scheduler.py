"""The cell scheduler: which cell below builds an instance.

A cell that receives a build picks among its children, and itself when it
has compute hosts of its own.  Cells known to lack room for the flavor and
cells that already failed this build are left out; the configured filters
(``[cells] scheduler_filter_classes``) narrow the rest and the weighers
(``scheduler_weight_classes``) order them.  The chosen cell either
schedules again among its own children or hands the build to its host
scheduler.

When no cell can take the build, it is retried ``[cells]
scheduler_retries`` times.  When a build fails inside a cell (its host
scheduler found no valid host), the failure comes back up: the cell that
sent the build there tries its next-best cell, and passes the failure on
to its own parent once it has none left.  Every failed attempt leaves an
instance fault; the instances go to ERROR only when every candidate
failed.

The build's ``filter_properties`` carry the routing state:
``cell_route`` is the list of cell paths that scheduled it (top first),
``cell_excluded`` maps a scheduling cell's path to the cells that failed
the build there.  A member of a server group carries the group's spec
(``server_group``): a hard-affinity group keeps to one cell
(:mod:`nova.cells.group_cells`), and a build of a group with a hard
policy that no cell can take fails with Nova's NoValidHost.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
import random
import time
from typing import Any
from typing import Protocol

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import importutils

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova import server_groups
from nova.cells import group_cells
from nova.cells import messaging
from nova.cells import state as cells_state
from nova.cells import weights as cell_weights
from nova.cells.filters import hints as hint_filters
from nova.cells.weights import cell_weights as shipped_weights
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)
# How many builds' first child a nova-cells remembers for build_again.
SENT_TO_KEPT = 10000


def _load(names: list[str]) -> list[type]:
    classes: list[type] = []
    for name in names:
        obj = importutils.import_class(name)
        if isinstance(obj, type):
            classes.append(obj)
        else:
            classes.extend(obj())
    return classes


def consume(cell: cells_state.CellState, flavor: objects.Flavor) -> None:
    """Count an instance sent to ``cell`` until it reports again."""
    for kind, need in (('ram_free', flavor.memory_mb),
                       ('disk_free', ((flavor.root_gb or 0)
                                      + (flavor.ephemeral_gb or 0)) * 1024)):
        info = cell.capacities.get(kind)
        if not info:
            continue
        info['total_mb'] = max(0, info.get('total_mb', 0) - need)
        for size, count in list(info.get('units_by_mb', {}).items()):
            size_mb = int(size)
            used = 1 if size_mb >= need or size_mb == 0 else \
                -(-need // size_mb)
            info['units_by_mb'][size] = max(0, count - used)


# Seconds a cell's own capacities, read from its database, serve its
# scheduler before they are read again.
OWN_CAPACITIES_MAX_AGE = 1.0


class HostScheduler(Protocol):
    """The host scheduler of this cell (its
    :class:`nova.scheduler.rpcapi.SchedulerAPI`)."""

    def build_instances(self, ctxt: RequestContext,
                        instances: list[objects.Instance],
                        request_spec: dict[str, Any],
                        filter_properties: dict[str, Any]) -> None: ...


class CellsScheduler:
    """Chooses the cell of each build that reaches this cell.

    ``runner`` sends builds and failures to the other cells,
    ``host_scheduler`` takes the builds this cell runs itself.
    """

    def __init__(self, conf: cfg.ConfigOpts, db: Database,
                 state: cells_state.CellStateManager,
                 runner: messaging.MessageRunner,
                 host_scheduler: HostScheduler,
                 rng: random.Random | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.conf = conf
        self.db = db
        self.state = state
        self.runner = runner
        self.host_scheduler = host_scheduler
        self.our_name: str = conf.cells.name
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.filters = [cls() for cls in
                        _load(self.conf.cells.scheduler_filter_classes)]
        self.weighers = [cls(self.conf, self.state) for cls in
                         _load(self.conf.cells.scheduler_weight_classes)]
        self.groups = group_cells.GroupCells(db, state)
        # The child each build of this process went to, newest last: a
        # build sent again goes there (see build_again).
        self._sent_to: collections.OrderedDict[str, str] = (
            collections.OrderedDict())

    # -- choosing -------------------------------------------------------

    def has_room(self, cell: cells_state.CellState,
                 flavor: objects.Flavor) -> bool:
        """Whether ``cell`` reported room for an instance of
        ``flavor`` (or has not reported yet)."""
        disk_mb = ((flavor.root_gb or 0) + (flavor.ephemeral_gb or 0)) * 1024
        ram = shipped_weights.units_for(cell.capacities, 'ram_free',
                                        flavor.memory_mb)
        disk = shipped_weights.units_for(cell.capacities, 'disk_free',
                                         disk_mb)
        if cell.is_me:
            # Our own hosts count only when we know they have room.
            return bool(ram) and disk != 0
        # A child that has not reported yet may still be chosen (it is
        # mute, so it comes last); one that reported no room may not.
        return ram != 0 and disk != 0

    def _candidates(self, props: dict[str, Any], fresh: bool = False
                    ) -> list[cells_state.CellState]:
        flavor = props['instance_type']
        cells = list(self.state.get_child_cells())
        if self.conf.cells.cell_type == 'compute':
            # Every build read our compute nodes: a burst of builds now
            # reads them once a second and counts the rest itself.
            self.state.own_capacities(
                0.0 if fresh else OWN_CAPACITIES_MAX_AGE)
            cells.append(self.state.my_cell_state)
        excluded = set(props.get('cell_excluded', {}).get(
            props['our_path'], []))
        cells = [c for c in cells
                 if c.name not in excluded and not c.disabled
                 and self.has_room(c, flavor)]
        for cell_filter in self.filters:
            cells = cell_filter.filter_all(cells, props)
        return self.groups.restrict(cells, props)

    def _weigh(self, cells: list[cells_state.CellState],
               props: dict[str, Any]) -> list[float]:
        totals = [0.0] * len(cells)
        for weigher in self.weighers:
            raw = [weigher.weigh(c, props) for c in cells]
            if weigher.normalize:
                raw = cell_weights.normalized(raw)
            multiplier = weigher.multiplier()
            totals = [t + multiplier * r for t, r in zip(totals, raw,
                                                         strict=True)]
        return totals

    def select(self, props: dict[str, Any], fresh: bool = False
               ) -> cells_state.CellState:
        """The best cell for a build, or NoCellsAvailable; ``fresh``:
        read our own capacities again, however recent."""
        cells = self._candidates(props, fresh)
        if not cells:
            raise exception.NoCellsAvailable()
        weights = self._weigh(cells, props)
        best = max(weights)
        cell = self.rng.choice([c for c, w in zip(cells, weights,
                                                  strict=True)
                                if w == best])
        cell = self.groups.chosen(cell, cells, props)
        consume(cell, props['instance_type'])
        return cell

    def _filter_properties(self, ctxt: RequestContext, kwargs: dict[str, Any],
                           our_path: str) -> dict[str, Any]:
        props = dict(kwargs.get('filter_properties') or {})
        props.update(context=ctxt, our_path=our_path,
                     build_uuids=[i.uuid for i in kwargs['instances']],
                     request_spec=kwargs.get('request_spec') or {},
                     instance_type=(kwargs.get('instance_type')
                                    or kwargs['instances'][0].flavor))
        return props

    # -- building -------------------------------------------------------

    def build_instances(self, ctxt: RequestContext,
                        build_inst_kwargs: dict[str, Any],
                        our_path: str | None = None) -> None:
        """Schedule a build received from above (or from our own API)."""
        fprops = build_inst_kwargs.setdefault('filter_properties', {})
        route = fprops.setdefault('cell_route', [])
        if route:
            # Each hop of a build is a new message from the cell above, so
            # our path from the top is that cell's path plus our name.
            our_path = cell_paths.path_join(route[-1],
                                            self.our_name)
        else:
            our_path = our_path or self.our_name
        route.append(our_path)
        if len(route) == 1 and self.state.is_top():
            self._same_host_cells(fprops)
        props = self._filter_properties(ctxt, build_inst_kwargs, our_path)
        self.groups.refresh(props)
        if props.get(hint_filters.SAME_HOST_CELLS) == []:
            # None of the servers it names is in a cell: no host of any
            # cell will ever do, waiting for room is no use.
            self._give_up_here(ctxt, build_inst_kwargs, our_path,
                               exception.NoCellsAvailable())
            return
        retries = self.conf.cells.scheduler_retries
        for attempt in range(retries + 1):
            try:
                # A retry waited for room: look at our hosts again.
                cell = self.select(props, fresh=attempt > 0)
                break
            except exception.NoCellsAvailable:
                if attempt < retries:
                    LOG.info('No cell can take %s yet; retry %d of %d',
                             _uuids(build_inst_kwargs), attempt + 1,
                             retries)
                    self.sleep(self.conf.cells.scheduler_retry_delay)
        else:
            self._give_up_here(ctxt, build_inst_kwargs, our_path,
                               exception.NoCellsAvailable())
            return
        self._dispatch_or_fail_over(ctxt, cell, build_inst_kwargs)

    def _same_host_cells(self, fprops: dict[str, Any]) -> None:
        """At the top: the cells of the servers a ``same_host`` hint
        names (see :class:`~nova.cells.filters.hints.SameHostCellFilter`),
        into the build's filter properties."""
        hints = fprops.get('scheduler_hints') or {}
        uuids = hints.get('same_host')
        if not uuids:
            return
        if isinstance(uuids, str):
            uuids = [uuids]
        rows = self.db.instance_get_all_by_filters(
            nova_context.get_admin_context(),
            {'uuid': sorted({str(u) for u in uuids}), 'deleted': False},
            columns=['cell_name'], expected_attrs=())
        fprops[hint_filters.SAME_HOST_CELLS] = sorted(
            {r['cell_name'] for r in rows if r['cell_name']})

    def build_again(self, ctxt: RequestContext,
                    build_inst_kwargs: dict[str, Any]) -> None:
        """Send a stalled build again (:mod:`nova.cells.builds`): to the
        child this process sent it to first, so that the first copy, if
        it is only late (queued at a child whose nova-cells restarted),
        and this one meet in one cell, which drops the second; scheduled
        anew when this process never sent it (it restarted meanwhile) or
        that child is gone."""
        uuids = [i.uuid for i in build_inst_kwargs['instances']]
        names = {self._sent_to.get(uuid) for uuid in uuids}
        name = names.pop() if len(names) == 1 else None
        cell = self.state.get_child_cell(name) if name else None
        if cell is None:
            self.build_instances(ctxt, build_inst_kwargs)
            return
        fprops = build_inst_kwargs.setdefault('filter_properties', {})
        fprops['cell_route'] = [self.our_name]
        if self.state.is_top():
            self._same_host_cells(fprops)
        self._dispatch_or_fail_over(ctxt, cell, build_inst_kwargs)

    def _dispatch_or_fail_over(self, ctxt: RequestContext,
                               cell: cells_state.CellState,
                               kwargs: dict[str, Any]) -> None:
        try:
            self._dispatch(ctxt, cell, kwargs)
        except Exception as error:
            # Building here or sending it down failed (a database or
            # broker error): the build goes back up rather than vanish.
            LOG.exception('Cannot build %s in %s', _uuids(kwargs),
                          cell.name)
            self.build_failed(ctxt, kwargs, cell.name, str(error))

    def _dispatch(self, ctxt: RequestContext, cell: cells_state.CellState,
                  kwargs: dict[str, Any]) -> None:
        if cell.is_me:
            self._build_here(ctxt, kwargs)
            return
        LOG.debug('Sending %s to cell %s', _uuids(kwargs), cell.name)
        for instance in kwargs['instances']:
            self._sent_to[instance.uuid] = cell.name
            self._sent_to.move_to_end(instance.uuid)
        while len(self._sent_to) > SENT_TO_KEPT:
            self._sent_to.popitem(last=False)
        self.runner.targeted(
            ctxt, cell_paths.path_join(self.our_name, cell.name),
            'build_instances', {'build_inst_kwargs': kwargs})

    def _build_here(self, ctxt: RequestContext, kwargs: dict[str, Any]
                    ) -> None:
        db = self.db
        groups = (kwargs.get('request_spec') or {}).get('security_groups')
        group_ids = [g['id'] for g in groups or ()]
        # Our copies of the servers' groups, for their hosts: made
        # current with the first server (which joins them as it is
        # created), in its transaction.
        copies = groups
        local = []
        rejoining = {}
        for instance in kwargs['instances']:
            values = instance.to_db_values()
            values.pop('cell_name', None)
            try:
                row = db.instance_create(
                    ctxt, dict(values, security_group_ids=group_ids),
                    security_groups=copies)
                copies = None
            except exception.InstanceExists:
                if copies:
                    db.security_groups_copy(ctxt, copies)
                    copies = None
                # A retry of a build this cell saw: go on with it, unless
                # it was deleted meanwhile.
                row = db.instance_get_by_uuid(ctxt, instance.uuid,
                                              read_deleted='yes')
                if row['deleted']:
                    continue
                rejoining[instance.uuid] = group_ids
            local.append(objects.Instance.from_db(row))
        if not local:
            return
        if groups and rejoining:
            db.security_groups_copy(ctxt, [], rejoining)
        fprops = dict(kwargs.get('filter_properties') or {})
        # What the cells need to route a failure back up travels with the
        # build through the host scheduler and compute.
        fprops['cell_build'] = {k: v for k, v in kwargs.items()
                                if k not in ('instances',
                                             'filter_properties')}
        spec = fprops.get(server_groups.FILTER_PROPERTY)
        if spec:
            # The host scheduler counts the members of this cell: those
            # the spec places here and those its own database holds.
            route = fprops.get('cell_route') or [self.our_name]
            fprops[server_groups.FILTER_PROPERTY] = dict(
                spec, cell_path=route[-1])
        self.host_scheduler.build_instances(
            ctxt, local, kwargs.get('request_spec') or {}, fprops)

    # -- failures -------------------------------------------------------

    def build_failed(self, ctxt: RequestContext,
                     build_inst_kwargs: dict[str, Any], failed_cell: str,
                     reason: str) -> None:
        """A cell we sent a build to (or our own hosts) could not build.

        ``failed_cell`` is the name of that cell as seen from here (our own
        name when our own hosts failed).
        """
        fprops = build_inst_kwargs.setdefault('filter_properties', {})
        route = fprops.get('cell_route') or [self.our_name]
        our_path = route[-1]
        excluded = fprops.setdefault('cell_excluded', {})
        excluded.setdefault(our_path, []).append(failed_cell)
        LOG.info('Build of %s failed in %s (%s); trying another cell',
                 _uuids(build_inst_kwargs), failed_cell, reason)
        props = self._filter_properties(ctxt, build_inst_kwargs, our_path)
        self.groups.refresh(props)
        try:
            cell = self.select(props)
        except exception.NoCellsAvailable:
            self._give_up_here(ctxt, build_inst_kwargs, our_path,
                               exception.NoCellsAvailable(), reason)
            return
        self._dispatch_or_fail_over(ctxt, cell, build_inst_kwargs)

    def _give_up_here(self, ctxt: RequestContext, kwargs: dict[str, Any],
                      our_path: str, error: Exception,
                      reason: str | None = None) -> None:
        """No cell below us can build: hand the build back to our parent,
        or fail it for good at the top."""
        route = kwargs['filter_properties'].get('cell_route') or []
        if route and route[-1] == our_path:
            route.pop()
        if route:
            parent = route[-1].rsplit(cell_paths.PATH_CELL_SEP, 1)[-1]
            self.runner.targeted(
                ctxt, cell_paths.path_join(self.our_name, parent),
                'build_instances_failed',
                {'build_inst_kwargs': kwargs,
                 'failed_cell': self.our_name,
                 'reason': reason or str(error)}, direction='up')
            return
        self._fail(ctxt, kwargs['instances'], error, reason,
                   _placement_rules(kwargs['filter_properties']))

    def _fail(self, ctxt: RequestContext, instances: list[objects.Instance],
              error: Exception, reason: str | None,
              placement_rules: bool = False) -> None:
        """``placement_rules``: the build asked for a placement (a hard
        group policy, ``same_host``, ``different_host``) that no cell
        could honour."""
        message = str(error)
        if reason:
            message += ' Last failure: %s' % reason
        if placement_rules:
            # No cell could honour the placement asked for: Nova's answer.
            message = (reason if reason and reason.startswith(
                'No valid host') else str(exception.NoValidHost(
                    reason='There are not enough hosts available.')))
        LOG.error('Build of %s failed: %s', [i.uuid for i in instances],
                  message)
        for instance in instances:
            if self.state.is_top():
                try:
                    instance_changes.add_instance_fault(
                        self.db, ctxt, instance.uuid,
                        exception.NoCellsAvailable(message))
                    # Past every version a cell that tried it reached:
                    # their updates still on the way are stale now.
                    held = self.db.instance_get_by_uuid(
                        ctxt, instance.uuid)['sync_version'] or 0
                    version = max(held, instance.sync_version or 0) + 1
                    # It lives in no cell now: a delete must not be
                    # sent to the last cell that tried it.
                    instance_changes.instance_update(
                        self.db, ctxt, instance,
                        vm_state=vm_states.ERROR, task_state=None,
                        cell_name=None, sync_version=version)
                except exception.InstanceNotFound:
                    pass
                continue
            # A cell that is not at the top but has no parent to send
            # the build back to (its parent went away): tell the top.
            instance.vm_state = vm_states.ERROR
            instance.task_state = None
            instance.sync_version = (instance.sync_version or 0) + 1
            self.runner.broadcast(
                ctxt, 'instance_fault_create_at_top',
                {'instance_fault': {'instance_uuid': instance.uuid,
                                    'code': 500, 'message': message[:255]}},
                'up', run_locally=False)
            self.runner.broadcast(
                ctxt, 'instance_update_at_top', {'instance': instance},
                'up', run_locally=False)


def _placement_rules(fprops: dict[str, Any]) -> bool:
    """Whether a build names where (not) to go: a group of a hard policy,
    or servers to join or avoid."""
    group = fprops.get(server_groups.FILTER_PROPERTY) or {}
    hints = fprops.get('scheduler_hints') or {}
    return (group.get('policy') in (server_groups.AFFINITY,
                                    server_groups.ANTI_AFFINITY)
            or bool(hints.get('same_host') or hints.get('different_host')))


def _uuids(kwargs: dict[str, Any]) -> list[str]:
    return [i.uuid for i in kwargs.get('instances', [])]
