"""nova-scheduler: picks a compute host in this cell for each build,
resize and unshelve.

There is no conductor: after picking, the scheduler casts to the chosen
host itself, and when no host fits it settles the instance (a failed
build goes to ERROR, or back up to the cells; a resize or unshelve goes
back to where it started, with a fault saying why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_log import log as logging
import oslo_messaging

from nova import exception
from nova import instance_changes
from nova import objects
from nova import server_groups
from nova import service
from nova.compute import instance_actions
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database
from nova.scheduler import group_placements
from nova.scheduler import host_manager
from nova.scheduler import weights
from nova.scheduler.filters import affinity
from nova.scheduler.filters import aggregates
from nova.scheduler.filters import placement
from nova.scheduler.filters import resources

LOG = logging.getLogger(__name__)

BuildFailureHandler = Callable[[Any, list[objects.Instance], dict[str, Any],
                                dict[str, Any], Exception], None]

# Cheapest first.
DEFAULT_FILTERS = (resources.RetryFilter, placement.IgnoreHostsFilter,
                   resources.ComputeFilter,
                   placement.AvailabilityZoneFilter, resources.RamFilter,
                   resources.DiskFilter, resources.CoreFilter,
                   placement.ImagePropertiesFilter,
                   aggregates.AggregateInstanceExtraSpecsFilter,
                   affinity.ServerGroupAffinityFilter,
                   affinity.ServerGroupAntiAffinityFilter,
                   affinity.SameHostFilter, affinity.DifferentHostFilter)


class SchedulerManager(service.Manager):
    target = oslo_messaging.Target(version='1.1')

    def __init__(self, conf: Any, host: str, db: Database,
                 transport: oslo_messaging.Transport,
                 on_build_failure: BuildFailureHandler | None = None
                 ) -> None:
        super().__init__(conf, host)
        self.db = db
        # In a child cell the failure goes back up so that another cell
        # can try (see nova.cells.scheduler); alone, the instances fail.
        self.on_build_failure = on_build_failure or self._set_error
        self.host_manager = host_manager.HostManager(conf, db)
        self.filters = [cls() for cls in DEFAULT_FILTERS]
        options = conf.filter_scheduler
        self.weighers: list[weights.BaseHostWeigher] = [
            weights.RAMWeigher(),
            weights.ServerGroupSoftAffinityWeigher(
                options.soft_affinity_weight_multiplier),
            weights.ServerGroupSoftAntiAffinityWeigher(
                options.soft_anti_affinity_weight_multiplier)]
        self.groups = group_placements.GroupPlacements(db)
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(transport)

    def select_destinations(self, context: RequestContext,
                            spec: dict[str, Any], num_instances: int
                            ) -> list[host_manager.HostState]:
        """One host per instance, consuming as it goes.

        ``spec``: the filter properties plus ``flavor`` and
        ``request_spec`` (and ``group_hosts``, the members of the
        build's server group per host, which each choice adds to).
        """
        retry = spec.get('retry') or {}
        max_attempts = self.conf.filter_scheduler.max_attempts
        if retry.get('num_attempts', 0) >= max_attempts:
            raise exception.NoValidHost(
                reason='Exceeded maximum number of attempts (%d). '
                       'Last failure: %s'
                       % (max_attempts, retry.get('exc_reason')))
        hosts = self.host_manager.get_host_states(context)
        spec['hint_hosts'] = self._hint_hosts(context, spec)
        forced = spec.get('force_hosts') or []
        if forced:
            # An administrator named the host (``zone:host``): no filter
            # applies, as in Nova.
            hosts = [h for h in hosts if h.host in forced]
        destination = (spec.get('requested_destination') or {}).get('host')
        if destination:
            # A host the request names (an unshelve, 2.91): that one or
            # none, filters still applying.
            hosts = [h for h in hosts if h.host == destination]
        chosen = []
        for _ in range(num_instances):
            candidates = hosts
            for host_filter in ([] if forced else self.filters):
                candidates = host_filter.filter_all(candidates, spec)
            if not candidates:
                reason = 'There are not enough hosts available.'
                last = (spec.get('retry') or {}).get('exc_reason')
                if last:
                    reason += ' Last failure: %s' % last
                raise exception.NoValidHost(reason=reason)
            totals = weights.weigh_all(self.weighers, candidates, spec)
            best = candidates[totals.index(max(totals))]
            best.consume_from_request(spec['flavor'])
            if 'group_hosts' in spec:
                spec['group_hosts'][best.host] += 1
            chosen.append(best)
        return chosen

    def _hint_hosts(self, context: RequestContext, spec: dict[str, Any]
                    ) -> dict[str, str]:
        """The host of each server a ``same_host`` or ``different_host``
        hint names, of those this cell holds and a host has taken."""
        uuids = (affinity.hinted_uuids(spec, 'same_host')
                 + affinity.hinted_uuids(spec, 'different_host'))
        if not uuids:
            return {}
        rows = self.db.instance_get_all_by_filters(
            context.elevated(), {'uuid': sorted(set(uuids)),
                                 'deleted': False},
            columns=['host'], expected_attrs=())
        return {r['uuid']: r['host'] for r in rows if r['host']}

    @staticmethod
    def _next_attempt(filter_properties: dict[str, Any]) -> dict[str, Any]:
        """The filter properties a host gets: the same, with the retry
        record counting one more attempt (a copy of it: the host adds
        itself to its list if the build fails there)."""
        retry = dict(filter_properties.get('retry')
                     or {'num_attempts': 0, 'hosts': []})
        retry['hosts'] = list(retry.get('hosts') or ())
        retry['num_attempts'] = retry.get('num_attempts', 0) + 1
        return dict(filter_properties, retry=retry)

    # -- builds ---------------------------------------------------------

    def build_instances(self, context: RequestContext,
                        instances: list[objects.Instance],
                        request_spec: dict[str, Any],
                        filter_properties: dict[str, Any]) -> None:
        spec = dict(filter_properties, flavor=instances[0].flavor,
                    request_spec=request_spec)
        group = filter_properties.get(server_groups.FILTER_PROPERTY)
        uuids = [i.uuid for i in instances]
        try:
            with self.groups.placing(group):
                if group:
                    spec['group_hosts'] = self.groups.member_hosts(
                        context, group, uuids)
                hosts = self.select_destinations(context, spec,
                                                 len(instances))
                for instance, host in zip(instances, hosts, strict=True):
                    if group:
                        self.groups.sent(group, instance.uuid, host.host)
        except exception.NoValidHost as error:
            LOG.warning('No valid host for %s: %s', uuids, error)
            self.groups.forget(uuids)
            self.on_build_failure(context, instances, request_spec,
                                  filter_properties, error)
            return
        except Exception as error:
            # A database hiccup must not lose the build: it fails like one
            # with no host, so that it is tried again elsewhere.
            LOG.exception('Scheduling %s failed', uuids)
            self.groups.forget(uuids)
            self.on_build_failure(context, instances, request_spec,
                                  filter_properties,
                                  exception.NoValidHost(reason=str(error)))
            return
        for instance, host in zip(instances, hosts, strict=True):
            if not request_spec.get('availability_zone'):
                # The zone of the host chosen (of this attempt's, when the
                # build is rescheduled), as Nova's conductor sets it; its
                # compute host records it rather than look it up again.
                instance.availability_zone = host.availability_zone
            self.compute_rpcapi.build_and_run_instance(
                context, host.host, instance, host.nodename, request_spec,
                self._next_attempt(filter_properties))

    def _set_error(self, context: RequestContext,
                   instances: list[objects.Instance],
                   request_spec: dict[str, Any],
                   filter_properties: dict[str, Any], error: Exception
                   ) -> None:
        for instance in instances:
            try:
                instance_changes.add_instance_fault(self.db, context,
                                                    instance.uuid, error)
                instance_changes.instance_update(self.db, context, instance,
                                                 vm_state=vm_states.ERROR,
                                                 task_state=None)
            except exception.InstanceNotFound:
                pass

    # -- moves ----------------------------------------------------------

    def _pick(self, context: RequestContext, instance: objects.Instance,
              event: str, flavor: Any, request_spec: dict[str, Any],
              filter_properties: dict[str, Any]
              ) -> host_manager.HostState | None:
        """One host for a move of ``instance``; None (fault recorded)
        when none fits.  A member of a server group moves where its
        group's policy allows (its system metadata names the group)."""
        spec = dict(filter_properties, flavor=flavor,
                    request_spec=request_spec)
        group = server_groups.spec_from_system_metadata(
            instance.system_metadata
            if instance.obj_attr_is_set('system_metadata') else None)
        try:
            with instance_actions.EventReporter(self.db, context, event,
                                                instance.uuid, self.host), \
                    self.groups.placing(group):
                if group:
                    spec[server_groups.FILTER_PROPERTY] = group
                    spec['group_hosts'] = self.groups.member_hosts(
                        context, group, [instance.uuid])
                return self.select_destinations(context, spec, 1)[0]
        except exception.NoValidHost as error:
            LOG.warning('No valid host for %s of %s: %s', event,
                        instance.uuid, error)
            try:
                instance_changes.add_instance_fault(self.db, context,
                                                    instance.uuid, error)
            except exception.InstanceNotFound:
                pass
            return None

    def _settle(self, context: RequestContext, instance: objects.Instance,
                expected_task_state: str, **values: Any) -> None:
        try:
            instance_changes.instance_update(
                self.db, context, instance, task_state=None,
                expected_task_state=expected_task_state, **values)
        except (exception.InstanceNotFound, exception.InstanceInvalidState):
            # Deleted, or another request took over meanwhile.
            pass

    def prep_resize(self, context: RequestContext, instance: objects.Instance,
                    flavor: objects.Flavor, request_spec: dict[str, Any],
                    filter_properties: dict[str, Any]) -> None:
        """Pick the destination of a resize; when none fits, the instance
        goes back to its state before the resize."""
        host = self._pick(context, instance, 'cold_migrate', flavor,
                          request_spec, filter_properties)
        if host is None:
            sysmeta = dict(instance.system_metadata or {})
            old_vm_state = sysmeta.pop('old_vm_state', None)
            self._settle(context, instance, task_states.RESIZE_PREP,
                         vm_state=old_vm_state or vm_states.ACTIVE,
                         system_metadata=sysmeta)
            return
        props = self._next_attempt(filter_properties)
        props['request_spec'] = request_spec
        self.compute_rpcapi.prep_resize(context, host.host, instance, flavor,
                                        host.nodename, props)

    def unshelve_instance(self, context: RequestContext,
                          instance: objects.Instance,
                          image: objects.ImageMeta | None,
                          request_spec: dict[str, Any],
                          filter_properties: dict[str, Any]) -> None:
        """Pick a host for an offloaded instance; when none fits, it
        stays offloaded."""
        host = self._pick(context, instance, 'schedule_instances',
                          instance.flavor, request_spec, filter_properties)
        if host is None:
            self._settle(context, instance, task_states.UNSHELVING,
                         vm_state=vm_states.SHELVED_OFFLOADED)
            return
        props = self._next_attempt(filter_properties)
        props['request_spec'] = request_spec
        self.compute_rpcapi.unshelve_instance(context, host.host, instance,
                                              image, host.nodename, props)
