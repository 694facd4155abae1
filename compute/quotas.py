"""Quotas of projects and of their users, kept and checked by the API
cell.

A project's limits are the ``[quota]`` options, overridden by the
``default`` quota class (``os-quota-class-sets``), overridden by the
project's own rows (``os-quota-sets``).  A user of the project may be
given limits of their own (``?user_id=``), never above what the project
leaves them; a boot must fit both.  Usage is not booked separately: it
is counted from the API cell's replica of the project's live instances,
so it cannot drift.  A failed build counts until its server is deleted
(as in Nova), a deleted or soft-deleted server stops counting at once
(restoring it needs room again), and a resize that is confirmed or
reverted counts whatever flavor the instance ends up with.

``instances``, ``cores`` and ``ram`` are enforced on boot, restore and
resize, ``metadata_items`` on every change of a server's metadata,
``security_groups`` and ``security_group_rules`` (per group) when a
group or a rule is created (``nova.compute.api_secgroups``),
``server_groups`` on a group's creation (counted from the API cell's
groups of the project) and ``server_group_members`` on a boot into a
group (its live members, per group); the other
resources are reported, as Nova reports them, so that clients find every
key they expect.

Example::

    engine = QuotaEngine(conf, db)
    rows = engine.create_boot(ctxt, project_id, flavor, 1, 3, values_for,
                              user_id=user_id)
    engine.check_resize(ctxt, project_id, old_flavor, new_flavor)
    engine.check_metadata(ctxt, project_id, len(metadata))
    engine.check_injected_files(ctxt, project_id, [('/etc/motd', b'hi')])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from nova import context as nova_context
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
# The quota class whose limits are every project's defaults.
DEFAULT_CLASS = 'default'
# Resources of nova-network that this deployment does not limit.
_NOT_LIMITED = ('floating_ips', 'fixed_ips')
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
    """Limits and usage of projects and users, over one API cell's
    database."""

    def __init__(self, conf: Any, db: Database) -> None:
        self.conf = conf
        self.db = db

    # -- reading --------------------------------------------------------

    def _config_defaults(self) -> dict[str, int]:
        options = self.conf.quota
        return {r: (UNLIMITED if r in _NOT_LIMITED
                    else int(getattr(options, _OPTION_NAMES.get(r, r))))
                for r in RESOURCES}

    def defaults(self, ctxt: RequestContext | None = None
                 ) -> dict[str, int]:
        """The limits of a project that was given none of its own: the
        ``default`` quota class over the ``[quota]`` options."""
        return self.get_class(ctxt or nova_context.get_admin_context(),
                              DEFAULT_CLASS)

    def get_class(self, ctxt: RequestContext, class_name: str
                  ) -> dict[str, int]:
        """Every resource's limit in quota class ``class_name``: its own
        rows over the ``[quota]`` options."""
        limits = self._config_defaults()
        own = self.db.quota_class_get_all_by_name(ctxt, class_name)
        limits.update({r: v for r, v in own.items() if r in limits})
        return limits

    @staticmethod
    def _merged(base: dict[str, int], *layers: dict[str, int]
                ) -> dict[str, int]:
        limits = dict(base)
        for layer in layers:
            limits.update({r: v for r, v in layer.items() if r in limits})
        return limits

    def _limits(self, state: dict[str, Any]) -> dict[str, int]:
        """The project's limits in a :meth:`Database.quota_state`."""
        return self._merged(self._config_defaults(), state['defaults'],
                            state['project'])

    def _user_limits(self, state: dict[str, Any]) -> dict[str, int]:
        return self._merged(self._limits(state), state['user'])

    def get_limits(self, ctxt: RequestContext, project_id: str,
                   user_id: str | None = None) -> dict[str, int]:
        """Every resource's limit for ``project_id`` (for ``user_id`` in
        it, when given)."""
        state = self.db.quota_state(ctxt, project_id, user_id, usage=False)
        return (self._limits(state) if user_id is None
                else self._user_limits(state))

    def get_usage(self, ctxt: RequestContext, project_id: str,
                  user_id: str | None = None) -> dict[str, int]:
        """What the project (or its user) uses of each resource (0 when
        not counted)."""
        return self.get_limits_and_usage(ctxt, project_id, user_id)[1]

    @staticmethod
    def _usage(counted: dict[str, int]) -> dict[str, int]:
        usage = dict.fromkeys(RESOURCES, 0)
        usage.update(counted)
        return usage

    def get_limits_and_usage(self, ctxt: RequestContext, project_id: str,
                             user_id: str | None = None
                             ) -> tuple[dict[str, int], dict[str, int]]:
        """:meth:`get_limits` and :meth:`get_usage`, read together."""
        state = self.db.quota_state(ctxt, project_id, user_id)
        if user_id is None:
            return self._limits(state), self._usage(
                self._counted(ctxt, project_id, state['usage']))
        # Security groups are the project's, not a user's.
        return self._user_limits(state), self._usage(state['user_usage'])

    def _counted(self, ctxt: RequestContext, project_id: str,
                 counted: dict[str, int]) -> dict[str, int]:
        # Not on the boot path, which never needs it.
        return dict(counted, security_groups=self.db.security_group_count(
            ctxt, project_id))

    def get_detail(self, ctxt: RequestContext, project_id: str,
                   user_id: str | None = None
                   ) -> dict[str, dict[str, int]]:
        """``{resource: {'limit', 'in_use', 'reserved'}}``."""
        limits, usage = self.get_limits_and_usage(ctxt, project_id, user_id)
        return {r: {'limit': limits[r], 'in_use': usage[r], 'reserved': 0}
                for r in RESOURCES}

    # -- changing limits ------------------------------------------------

    @staticmethod
    def _check_values(limits: dict[str, int]) -> None:
        unknown = sorted(set(limits) - set(RESOURCES))
        if unknown:
            raise exception.InvalidInput(
                reason='unknown quota resources %s' % ', '.join(unknown))
        for resource, limit in limits.items():
            if not UNLIMITED <= limit <= MAX_LIMIT:
                raise exception.InvalidInput(
                    reason='Quota limit %s for %s must be -1 or greater '
                           'and at most %d.' % (limit, resource, MAX_LIMIT))

    def update_limits(self, ctxt: RequestContext, project_id: str,
                      limits: dict[str, int], force: bool = False,
                      user_id: str | None = None) -> dict[str, int]:
        """Give a project (or, with ``user_id``, one of its users) its
        own limits; return all of its limits.

        Without ``force``, a limit below what is used already (for a
        project, also below what its users were given) is refused with
        :class:`~nova.exception.InvalidQuotaValue`, and a user's limit
        above what the project leaves them with
        :class:`~nova.exception.QuotaValueTooHigh`.
        """
        self._check_values(limits)
        if not force:
            state = self.db.quota_state(ctxt, project_id, user_id)
            if user_id is None:
                self._check_project_limits(state, limits)
            else:
                self._check_user_limits(state, limits)
        if user_id is None:
            self.db.quota_set(ctxt, project_id, limits)
        else:
            self.db.project_user_quota_set(ctxt, project_id, user_id,
                                           limits)
        LOG.info('Quota of project %s%s changed: %s', project_id,
                 ' user %s' % user_id if user_id else '',
                 ', '.join('%s=%s' % kv for kv in sorted(limits.items())))
        return self.get_limits(ctxt, project_id, user_id)

    def _check_project_limits(self, state: dict[str, Any],
                              limits: dict[str, int]) -> None:
        usage = self._usage(state['usage'])
        for resource, limit in sorted(limits.items()):
            minimum = max(usage[resource],
                          state['allocated'].get(resource, 0))
            if limit != UNLIMITED and limit < minimum:
                raise exception.InvalidQuotaValue(
                    limit=limit, resource=resource, minimum=minimum)

    def _check_user_limits(self, state: dict[str, Any],
                           limits: dict[str, int]) -> None:
        """Nova's rules: at least what the user uses, at most what the
        project's limit leaves once its other users' limits are taken."""
        project = self._limits(state)
        usage = self._usage(state['user_usage'])
        for resource, limit in sorted(limits.items()):
            minimum = usage[resource]
            if limit != UNLIMITED and limit < minimum:
                raise exception.InvalidQuotaValue(
                    limit=limit, resource=resource, minimum=minimum)
            if project[resource] == UNLIMITED:
                continue
            own = max(state['user'].get(resource, 0), 0)
            maximum = (project[resource]
                       - state['allocated'].get(resource, 0) + own)
            if limit > maximum:
                raise exception.QuotaValueTooHigh(
                    limit=limit, resource=resource, maximum=maximum)

    def reset(self, ctxt: RequestContext, project_id: str,
              user_id: str | None = None) -> None:
        """Put a project (and its users) back on the default limits; with
        ``user_id``, that user back on the project's."""
        if user_id is None:
            self.db.quota_destroy_all_by_project(ctxt, project_id)
        else:
            self.db.project_user_quota_destroy_all(ctxt, project_id,
                                                   user_id)

    def update_class(self, ctxt: RequestContext, class_name: str,
                     limits: dict[str, int]) -> dict[str, int]:
        """Set limits of quota class ``class_name`` (``default``: every
        project's defaults); return all of the class's limits."""
        self._check_values(limits)
        self.db.quota_class_set(ctxt, class_name, limits)
        LOG.info('Quota class %s changed: %s', class_name,
                 ', '.join('%s=%s' % kv for kv in sorted(limits.items())))
        return self.get_class(ctxt, class_name)

    # -- checks ---------------------------------------------------------

    def check_boot(self, ctxt: RequestContext, project_id: str, flavor: Any,
                   min_count: int, max_count: int,
                   user_id: str | None = None) -> int:
        """How many of ``min_count``..``max_count`` servers may boot.

        Returns ``max_count`` when all fit, fewer when only some do, and
        raises :class:`~nova.exception.TooManyInstances` when not even
        ``min_count`` fit the project's limits (or the user's, with
        ``user_id``).  Only a view of now: :meth:`create_boot` checks and
        creates in one step.
        """
        return self._allowed(project_id,
                             self.db.quota_state(ctxt, project_id, user_id),
                             flavor, min_count, max_count)

    def create_boot(self, ctxt: RequestContext, project_id: str,
                    flavor: Any, min_count: int, max_count: int,
                    values_for: Callable[[int, int], dict[str, Any]],
                    user_id: str | None = None,
                    group: dict[str, Any] | None = None,
                    action: dict[str, Any] | None = None
                    ) -> list[dict[str, Any]]:
        """Create the instances of a boot, as many as the quota allows.

        The check and the creation are one step under the project's quota
        lock, so that boots racing for the last units of a quota create
        exactly as many servers as fit, and a refusal reports the usage
        it counted.  ``values_for(index, count)`` gives the values of the
        ``index``-th of ``count`` instances; with ``user_id`` the user's
        limits apply too.  Raises
        :class:`~nova.exception.TooManyInstances` when not even
        ``min_count`` fit, having created nothing.  With ``group`` (a
        server group of the database) the instances join it, as many as
        its ``server_group_members`` limit leaves room for
        (:class:`~nova.exception.ServerGroupQuotaExceeded` when not
        ``min_count``).  With ``action`` (see
        :meth:`Database.instances_create_within_quota`) each instance's
        action is recorded with it.
        """
        def decide(state: dict[str, Any]) -> int:
            count = self._allowed(project_id, state, flavor, min_count,
                                  max_count)
            if group is None:
                return count
            return self._members_allowed(self._limits(state),
                                         self._usage(state['usage']),
                                         min_count, count)
        return self.db.instances_create_within_quota(
            ctxt, project_id, decide, values_for, user_id=user_id,
            group_id=None if group is None else group['id'], action=action)

    def limits_in(self, state: dict[str, Any]) -> dict[str, int]:
        """The project's limits in a :meth:`Database.quota_state`."""
        return self._limits(state)

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

    def _allowed(self, project_id: str, state: dict[str, Any], flavor: Any,
                 min_count: int, max_count: int) -> int:
        scopes = [(self._limits(state), self._usage(state['usage']))]
        if state['user_usage'] is not None:
            scopes.append((self._user_limits(state),
                           self._usage(state['user_usage'])))
        requested: dict[str, Any] = _requested(flavor, max_count)
        allowed = max_count
        for limits, usage in scopes:
            overs = _over(limits, usage, requested)
            if not overs:
                continue
            allowed = min(allowed, self._headroom_in_instances(
                limits, usage, flavor))
            if min_count > allowed:
                if min_count != max_count:
                    requested['instances'] = '%d-%d' % (min_count,
                                                        max_count)
                LOG.info('Quota of project %s exceeded for %s', project_id,
                         ', '.join(overs))
                raise _too_many(overs, requested, limits, usage)
        return allowed

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

    def check_injected_files(self, ctxt: RequestContext, project_id: str,
                             files: list[tuple[str, bytes]]) -> None:
        """Refuse personality files (path, decoded contents) over the
        project's ``injected_files`` count, ``injected_file_path_bytes``
        or ``injected_file_content_bytes`` limits, as Nova does (403):
        OnsetFileLimitExceeded, OnsetFilePathLimitExceeded,
        OnsetFileContentLimitExceeded."""
        if not files:
            return
        limits = self.get_limits(ctxt, project_id)
        checks = (
            ('injected_files', len(files), exception.OnsetFileLimitExceeded),
            ('injected_file_path_bytes',
             max(len(path.encode()) for path, _ in files),
             exception.OnsetFilePathLimitExceeded),
            ('injected_file_content_bytes',
             max(len(contents) for _, contents in files),
             exception.OnsetFileContentLimitExceeded))
        for resource, asked, error in checks:
            limit = limits[resource]
            if limit != UNLIMITED and asked > limit:
                LOG.info('Quota of project %s exceeded for %s: %d asked, '
                         '%d allowed', project_id, resource, asked, limit)
                raise error(allowed=limit)

    def check_resize(self, ctxt: RequestContext, project_id: str,
                     old_flavor: Any, new_flavor: Any,
                     user_id: str | None = None) -> None:
        """Refuse a resize whose larger flavor would exceed the quota of
        the project (or of the user, with ``user_id``).

        Only growth is checked: a smaller flavor always fits.  Raises
        :class:`~nova.exception.TooManyInstances` (403).
        """
        deltas = {'instances': 0,
                  'cores': (new_flavor.vcpus or 0) - (old_flavor.vcpus or 0),
                  'ram': ((new_flavor.memory_mb or 0)
                          - (old_flavor.memory_mb or 0))}
        if all(delta <= 0 for delta in deltas.values()):
            return
        state = self.db.quota_state(ctxt, project_id, user_id)
        scopes = [(self._limits(state), self._usage(state['usage']))]
        if user_id is not None:
            scopes.append((self._user_limits(state),
                           self._usage(state['user_usage'])))
        for limits, usage in scopes:
            overs = _over(limits, usage, deltas)
            if overs:
                raise _too_many(overs, deltas, limits, usage)
