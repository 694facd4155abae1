"""Per-project quotas, kept and checked by the API cell.

Limits are the ``[quota]`` defaults, overridden per project by the rows of
the ``quotas`` table (``os-quota-sets``).  Usage is not booked separately:
it is counted from the API cell's replica of the project's live
instances, so it cannot drift.  A failed build counts until its server is
deleted (as in Nova), a deleted server stops counting at once, and a
resize that is confirmed or reverted counts whatever flavor the instance
ends up with.

``instances``, ``cores`` and ``ram`` are enforced on boot and resize,
``metadata_items`` on every change of a server's metadata,
``server_groups`` on a group's creation (counted from the API cell's
groups of the project) and ``server_group_members`` on a boot into a
group (its live members, per group); the other
resources are reported, as Nova reports them, so that clients find every
key they expect.

Example::

    engine = QuotaEngine(conf, db)
    rows = engine.create_boot(ctxt, project_id, flavor, 1, 3, values_for)
    engine.check_resize(ctxt, project_id, old_flavor, new_flavor)
    engine.check_metadata(ctxt, project_id, len(metadata))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

UNLIMITED = -1
# The largest limit a database integer column holds.
MAX_LIMIT = 0x7FFFFFFF

# The resources Nova 2.1 reports, in its order.
RESOURCES = (
    'instances', 'cores', 'ram', 'metadata_items', 'injected_files',
    'injected_file_content_bytes', 'injected_file_path_bytes', 'key_pairs',
    'server_groups', 'server_group_members', 'floating_ips', 'fixed_ips',
    'security_groups', 'security_group_rules',
)
# Counted from the instances and enforced on boot and resize.
COUNTED = ('instances', 'cores', 'ram')
# Resources of nova-network that this deployment does not limit.
_NOT_LIMITED = ('floating_ips', 'fixed_ips', 'security_groups',
                'security_group_rules')
# [quota] option of a resource, where the names differ.
_OPTION_NAMES = {'injected_file_path_bytes': 'injected_file_path_length'}


def _requested(flavor: Any, count: int) -> dict[str, int]:
    return {'instances': count,
            'cores': (flavor.vcpus or 0) * count,
            'ram': (flavor.memory_mb or 0) * count}


def _over(limits: dict[str, int], usage: dict[str, int],
          deltas: dict[str, int]) -> list[str]:
    """The resources ``deltas`` would take over their limit, sorted."""
    return sorted(r for r, delta in deltas.items()
                  if delta > 0 and limits[r] != UNLIMITED
                  and usage[r] + delta > limits[r])


def _too_many(overs: list[str], requested: dict[str, Any],
              limits: dict[str, int],
              usage: dict[str, int]) -> exception.TooManyInstances:
    def join(values: dict[str, Any]) -> str:
        return ', '.join(str(values[r]) for r in overs)
    return exception.TooManyInstances(
        overs=', '.join(overs), req=join(requested), used=join(usage),
        allowed=join(limits))


class QuotaEngine:
    """Limits and usage of projects, over one API cell's database."""

    def __init__(self, conf: Any, db: Database) -> None:
        self.conf = conf
        self.db = db

    # -- reading --------------------------------------------------------

    def defaults(self) -> dict[str, int]:
        """The limits of a project that was given none of its own."""
        options = self.conf.quota
        return {r: (UNLIMITED if r in _NOT_LIMITED
                    else int(getattr(options, _OPTION_NAMES.get(r, r))))
                for r in RESOURCES}

    def get_limits(self, ctxt: RequestContext, project_id: str
                   ) -> dict[str, int]:
        """Every resource's limit for ``project_id``."""
        return self._limits(self.db.quota_get_all_by_project(ctxt,
                                                             project_id))

    def limits_from(self, own: dict[str, int]) -> dict[str, int]:
        """Every resource's limit, given a project's own limits."""
        return self._limits(own)

    def _limits(self, own: dict[str, int]) -> dict[str, int]:
        limits = self.defaults()
        limits.update({r: v for r, v in own.items() if r in limits})
        return limits

    def get_usage(self, ctxt: RequestContext, project_id: str
                  ) -> dict[str, int]:
        """What the project uses of each resource (0 when not counted)."""
        return self._usage(self.db.instance_usage_by_project(ctxt,
                                                             project_id))

    @staticmethod
    def _usage(counted: dict[str, int]) -> dict[str, int]:
        usage = dict.fromkeys(RESOURCES, 0)
        usage.update(counted)
        return usage

    def get_limits_and_usage(self, ctxt: RequestContext, project_id: str
                             ) -> tuple[dict[str, int], dict[str, int]]:
        """:meth:`get_limits` and :meth:`get_usage`, read together."""
        own, counted = self.db.quota_limits_and_usage(ctxt, project_id)
        return self._limits(own), self._usage(counted)

    def get_detail(self, ctxt: RequestContext,
                   project_id: str) -> dict[str, dict[str, int]]:
        """``{resource: {'limit', 'in_use', 'reserved'}}``."""
        limits, usage = self.get_limits_and_usage(ctxt, project_id)
        return {r: {'limit': limits[r], 'in_use': usage[r], 'reserved': 0}
                for r in RESOURCES}

    # -- changing limits ------------------------------------------------

    def update_limits(self, ctxt: RequestContext, project_id: str,
                      limits: dict[str, int],
                      force: bool = False) -> dict[str, int]:
        """Give a project its own limits; return all of its limits.

        Without ``force`` a limit below what the project already uses is
        refused with :class:`~nova.exception.InvalidQuotaValue`.
        """
        unknown = sorted(set(limits) - set(RESOURCES))
        if unknown:
            raise exception.InvalidInput(
                reason='unknown quota resources %s' % ', '.join(unknown))
        for resource, limit in limits.items():
            if not UNLIMITED <= limit <= MAX_LIMIT:
                raise exception.InvalidInput(
                    reason='Quota limit %s for %s must be -1 or greater '
                           'and at most %d.' % (limit, resource, MAX_LIMIT))
        if not force:
            usage = self.get_usage(ctxt, project_id)
            for resource, limit in sorted(limits.items()):
                if limit != UNLIMITED and limit < usage[resource]:
                    raise exception.InvalidQuotaValue(
                        limit=limit, resource=resource,
                        minimum=usage[resource])
        self.db.quota_set(ctxt, project_id, limits)
        LOG.info('Quota of project %s changed: %s', project_id,
                 ', '.join('%s=%s' % kv for kv in sorted(limits.items())))
        return self.get_limits(ctxt, project_id)

    def reset(self, ctxt: RequestContext, project_id: str) -> None:
        """Put a project back on the default limits."""
        self.db.quota_destroy_all_by_project(ctxt, project_id)

    # -- checks ---------------------------------------------------------

    def check_boot(self, ctxt: RequestContext, project_id: str, flavor: Any,
                   min_count: int, max_count: int) -> int:
        """How many of ``min_count``..``max_count`` servers may boot.

        Returns ``max_count`` when all fit, fewer when only some do, and
        raises :class:`~nova.exception.TooManyInstances` when not even
        ``min_count`` fit.  Only a view of now: :meth:`create_boot`
        checks and creates in one step.
        """
        own, counted = self.db.quota_limits_and_usage(ctxt, project_id)
        return self._allowed(project_id, self._limits(own),
                             self._usage(counted), flavor, min_count,
                             max_count)

    def create_boot(self, ctxt: RequestContext, project_id: str,
                    flavor: Any, min_count: int, max_count: int,
                    values_for: Callable[[int, int], dict[str, Any]],
                    group: dict[str, Any] | None = None
                    ) -> list[dict[str, Any]]:
        """Create the instances of a boot, as many as the quota allows.

        The check and the creation are one step under the project's quota
        lock, so that boots racing for the last units of a quota create
        exactly as many servers as fit, and a refusal reports the usage
        it counted.  ``values_for(index, count)`` gives the values of the
        ``index``-th of ``count`` instances.  Raises
        :class:`~nova.exception.TooManyInstances` when not even
        ``min_count`` fit, having created nothing.  With ``group`` (a
        server group of the database) the instances join it, as many as
        its ``server_group_members`` limit leaves room for
        (:class:`~nova.exception.ServerGroupQuotaExceeded` when not
        ``min_count``).
        """
        def decide(own: dict[str, int], counted: dict[str, int]) -> int:
            limits, usage = self._limits(own), self._usage(counted)
            count = self._allowed(project_id, limits, usage, flavor,
                                  min_count, max_count)
            if group is None:
                return count
            return self._members_allowed(limits, usage, min_count, count)
        return self.db.instances_create_within_quota(
            ctxt, project_id, decide, values_for,
            group_id=None if group is None else group['id'])

    @staticmethod
    def _members_allowed(limits: dict[str, int], usage: dict[str, int],
                         min_count: int, count: int) -> int:
        limit = limits['server_group_members']
        if limit == UNLIMITED:
            return count
        room = max(0, limit - usage['server_group_members'])
        if room < min_count:
            raise exception.ServerGroupQuotaExceeded(
                message='Quota exceeded, too many servers in group')
        return min(count, room)

    def _allowed(self, project_id: str, limits: dict[str, int],
                 usage: dict[str, int], flavor: Any, min_count: int,
                 max_count: int) -> int:
        requested: dict[str, Any] = _requested(flavor, max_count)
        overs = _over(limits, usage, requested)
        if not overs:
            return max_count
        allowed = self._headroom_in_instances(limits, usage, flavor)
        if min_count <= allowed:
            return allowed
        if min_count != max_count:
            requested['instances'] = '%d-%d' % (min_count, max_count)
        LOG.info('Quota of project %s exceeded for %s', project_id,
                 ', '.join(overs))
        raise _too_many(overs, requested, limits, usage)

    @staticmethod
    def _headroom_in_instances(limits: dict[str, int],
                               usage: dict[str, int], flavor: Any) -> int:
        per_instance = _requested(flavor, 1)
        fits = []
        for resource in COUNTED:
            if limits[resource] == UNLIMITED or not per_instance[resource]:
                continue
            room = max(0, limits[resource] - usage[resource])
            fits.append(room // per_instance[resource])
        return min(fits) if fits else MAX_LIMIT

    def check_metadata(self, ctxt: RequestContext, project_id: str,
                       count: int) -> None:
        """Refuse a server metadata of ``count`` items over the
        project's ``metadata_items`` limit with
        :class:`~nova.exception.MetadataLimitExceeded` (403)."""
        if not count:
            return
        limit = self.get_limits(ctxt, project_id)['metadata_items']
        if limit != UNLIMITED and count > limit:
            LOG.info('Quota of project %s exceeded for metadata_items: '
                     '%d asked, %d allowed', project_id, count, limit)
            raise exception.MetadataLimitExceeded(allowed=limit)

    def check_resize(self, ctxt: RequestContext, project_id: str,
                     old_flavor: Any, new_flavor: Any) -> None:
        """Refuse a resize whose larger flavor would exceed the quota.

        Only growth is checked: a smaller flavor always fits.  Raises
        :class:`~nova.exception.TooManyInstances` (403).
        """
        deltas = {'instances': 0,
                  'cores': (new_flavor.vcpus or 0) - (old_flavor.vcpus or 0),
                  'ram': ((new_flavor.memory_mb or 0)
                          - (old_flavor.memory_mb or 0))}
        if all(delta <= 0 for delta in deltas.values()):
            return
        limits, usage = self.get_limits_and_usage(ctxt, project_id)
        overs = _over(limits, usage, deltas)
        if overs:
            raise _too_many(overs, deltas, limits, usage)
