"""Resource tracking on one compute host: claims and compute_nodes rows.

The tracker keeps, per node, what each instance holds there.  A build
*claims* its flavor before it spawns; a failed spawn or a delete releases
it.  A resize holds two claims until it is confirmed or reverted, each
tagged with its part in the move:

==========  ===========================================================
``instance``  what an instance uses where it runs
``dest``      a resize's new flavor, reserved on the destination node
``source``    a resize's old flavor, kept on the source node for a revert
==========  ===========================================================

The steps of a resize retag the claims (``dest`` becomes ``instance`` when
the instance moves; ``instance`` becomes ``source`` when it leaves), a
confirm drops ``source``, a revert drops the new ``instance`` and turns
``source`` back into ``instance``.  Every change is written to the node's
``compute_nodes`` row at once: the host scheduler reads those rows and the
cell's capacity report sums them up.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

INSTANCE = 'instance'
DEST = 'dest'
SOURCE = 'source'

# Statuses of a resize before and after the instance moved to its
# destination (see nova.db._migrations.IN_PROGRESS).
_BEFORE_MOVE = ('pre-migrating', 'migrating', 'post-migrating')
_AFTER_MOVE = ('finished', 'confirming', 'reverting')

Usage = dict[str, int]
ClaimKey = tuple[str, str]


class ComputeResourcesUnavailable(exception.NovaException):
    msg_fmt = 'Insufficient compute resources: %(reason)s.'


def usage_of(flavor: Any) -> Usage:
    """What an instance of ``flavor`` holds (a Flavor or a flavor dict)."""
    get = (flavor.get if isinstance(flavor, dict)
           else lambda k: getattr(flavor, k))
    return {'vcpus': get('vcpus') or 0, 'memory_mb': get('memory_mb') or 0,
            'local_gb': (get('root_gb') or 0) + (get('ephemeral_gb') or 0)}


def _row_usage(inst: dict[str, Any]) -> Usage:
    return {'vcpus': inst['vcpus'] or 0,
            'memory_mb': inst['memory_mb'] or 0,
            'local_gb': (inst['root_gb'] or 0) + (inst['ephemeral_gb'] or 0)}


class ResourceTracker:
    def __init__(self, conf: Any, host: str, driver: Any, db: Database
                 ) -> None:
        self.conf = conf
        self.host = host
        self.driver = driver
        self.db = db
        self.availability_zone = (conf.availability_zone
                                  or conf.default_availability_zone)
        self._lock = threading.RLock()
        self._totals: dict[str, dict[str, Any]] = {}
        # node -> {(instance uuid, tag) -> usage}
        self._claims: dict[str, dict[ClaimKey, Usage]] = {}
        # Counts the changes of _claims, so that a rebuild can tell its
        # read of the database went stale meanwhile.
        self._changes = 0
        # node -> the id of its row, as the last write returned it.
        self._node_ids: dict[str, int] = {}

    # -- rebuilding from the database -----------------------------------

    # Reads of the database a rebuild tries before leaving the claims as
    # they are until its next run.
    REBUILD_ATTEMPTS = 3

    def update_available_resource(self, context: RequestContext) -> None:
        """Rebuild usage from this host's instances and resizes; save it.

        The database is read outside the lock; a claim or release made
        meanwhile makes that read stale (a build released after the read
        would come back claimed), so the read is done again.
        """
        for _attempt in range(self.REBUILD_ATTEMPTS):
            seen = self._changes
            claims = self._claims_from_db()
            with self._lock:
                if self._changes == seen or not self._totals:
                    self._rebuild(claims)
                    nodes = list(self._totals)
                    break
        else:
            LOG.debug('Claims of %s kept changing; rebuilt next time',
                      self.host)
            nodes = list(self._totals)
        for node in nodes:
            self._save(context, node)

    def _rebuild(self, claims: dict[tuple[str, ClaimKey], Usage]) -> None:
        """Under the lock: the claims ``claims`` says, on the driver's
        nodes."""
        self._changes += 1
        self._claims = {}
        for node in self.driver.get_available_nodes():
            self._totals[node] = self.driver.get_available_resource(node)
            self._claims[node] = {}
        for (node, key), usage in claims.items():
            if node in self._claims:
                self._claims[node][key] = usage

    def _claims_from_db(self) -> dict[tuple[str, ClaimKey], Usage]:
        """The claims the database implies: each instance where it runs,
        and the other half of every unfinished resize."""
        ctxt = nova_context.get_admin_context()
        migrations = self.db.migration_get_in_progress_by_host(ctxt,
                                                               self.host)
        leaving = {m['instance_uuid'] for m in migrations
                   if m['source_compute'] == self.host
                   and m['status'] in ('migrating', 'post-migrating')}
        claims: dict[tuple[str, ClaimKey], Usage] = {}
        for inst in self.db.instance_get_all_by_filters(
                ctxt, {'host': self.host}):
            tag = SOURCE if inst['uuid'] in leaving else INSTANCE
            claims[(inst['node'], (inst['uuid'], tag))] = _row_usage(inst)
        for mig in migrations:
            try:
                self.db.instance_get_by_uuid(ctxt, mig['instance_uuid'])
            except exception.InstanceNotFound:
                continue    # deleted during its resize: holds nothing
            if (mig['dest_compute'] == self.host
                    and mig['status'] in _BEFORE_MOVE):
                claims[(mig['dest_node'], (mig['instance_uuid'], DEST))] = \
                    usage_of(json.loads(mig['new_flavor']))
            if (mig['source_compute'] == self.host
                    and mig['status'] in _AFTER_MOVE):
                claims[(mig['source_node'],
                        (mig['instance_uuid'], SOURCE))] = \
                    usage_of(json.loads(mig['old_flavor']))
        return claims

    # -- claims ---------------------------------------------------------

    def _used(self, node: str) -> Usage:
        used = {'vcpus': 0, 'memory_mb': 0, 'local_gb': 0}
        for usage in self._claims.get(node, {}).values():
            for key in used:
                used[key] += usage[key]
        return used

    def _reserve(self, context: RequestContext, key: ClaimKey, need: Usage,
                 node: str) -> None:
        ratios = self.conf.filter_scheduler
        limits = {'vcpus': ratios.cpu_allocation_ratio,
                  'memory_mb': ratios.ram_allocation_ratio,
                  'local_gb': ratios.disk_allocation_ratio}
        with self._lock:
            if node not in self._totals:
                raise ComputeResourcesUnavailable(
                    reason='node %s is not on host %s' % (node, self.host))
            used = self._used(node)
            used_here = self._claims[node].get(key)
            for res, ratio in limits.items():
                limit = self._totals[node][res] * ratio
                already = used_here[res] if used_here else 0
                if used[res] - already + need[res] > limit:
                    raise ComputeResourcesUnavailable(
                        reason='%s: need %d, free %d' % (
                            res, need[res], int(limit - used[res])))
            self._claims[node][key] = need
            self._changes += 1
        self._save(context, node)

    def claim(self, context: RequestContext, instance: Any, node: str) -> None:
        """Reserve an instance's flavor on ``node`` or raise."""
        self._reserve(context, (instance.uuid, INSTANCE),
                      usage_of(instance.flavor), node)

    def resize_claim(self, context: RequestContext, instance: Any, flavor: Any,
                     node: str) -> None:
        """Reserve a resize's new flavor on destination ``node``."""
        self._reserve(context, (instance.uuid, DEST), usage_of(flavor),
                      node)

    def retag(self, context: RequestContext, instance_uuid: str, old: str,
              new: str) -> None:
        """Give a claim of this host another part in a resize."""
        changed = []
        with self._lock:
            for node, claims in self._claims.items():
                usage = claims.pop((instance_uuid, old), None)
                if usage is not None:
                    claims[(instance_uuid, new)] = usage
                    changed.append(node)
            self._changes += 1
        if not changed:
            LOG.warning('No %s claim of %s on %s to turn into %s', old,
                        instance_uuid, self.host, new)

    def drop(self, context: RequestContext, instance_uuid: str, tag: str
             ) -> None:
        """Release one claim of an instance on this host."""
        self._release(context, lambda key: key == (instance_uuid, tag))

    def release(self, context: RequestContext, instance: Any) -> None:
        """Give back everything an instance holds on this host."""
        self._release(context, lambda key: key[0] == instance.uuid)

    def _release(self, context: RequestContext, match: Any) -> None:
        released = []
        with self._lock:
            for node, claims in self._claims.items():
                for key in [k for k in claims if match(k)]:
                    del claims[key]
                    released.append(node)
            self._changes += 1
        for node in sorted(set(released)):
            self._save(context, node)

    def _save(self, context: RequestContext, node: str) -> None:
        # The row is written under the lock: two saves racing would
        # otherwise let the older figures land last.
        with self._lock:
            self._write_node(context, node)

    def _write_node(self, context: RequestContext, node: str) -> None:
        totals = self._totals[node]
        used = self._used(node)
        running = len({uuid for uuid, _ in self._claims[node]})
        figures = {
            'vcpus': totals['vcpus'], 'memory_mb': totals['memory_mb'],
            'local_gb': totals['local_gb'],
            'hypervisor_type': totals['hypervisor_type'],
            'hypervisor_version': totals['hypervisor_version'],
            'vcpus_used': used['vcpus'],
            'memory_mb_used': used['memory_mb'],
            'local_gb_used': used['local_gb'],
            'free_ram_mb': totals['memory_mb'] - used['memory_mb'],
            'free_disk_gb': totals['local_gb'] - used['local_gb'],
            'running_vms': running,
            'availability_zone': self.availability_zone}
        self._node_ids[node] = self.db.compute_node_upsert(
            context, self.host, node, figures,
            node_id=self._node_ids.get(node))
