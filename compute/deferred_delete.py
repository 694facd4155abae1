"""Soft delete on a compute host: power off and keep, restore, reclaim.

With ``[DEFAULT] reclaim_instance_interval`` set, a deleted instance is
only powered off and marked SOFT_DELETED (its row, addresses and host
resources stay); ``restore`` powers it on again, and the periodic
:func:`reclaim_queued_deletes` deletes for good the ones soft-deleted
longer than the interval ago.  A reclaim is an ordinary delete: the
instance's destroy travels up to the API cell like any other.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from oslo_log import log as logging
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.compute import power
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute.manager import ComputeManager

LOG = logging.getLogger(__name__)


def soft_delete(mgr: ComputeManager, ctxt: RequestContext,
                instance: objects.Instance) -> None:
    power.power_action(mgr, ctxt, instance, 'compute_soft_delete_instance',
                       task_states.SOFT_DELETING, vm_states.SOFT_DELETED,
                       mgr.driver.power_off)


def restore(mgr: ComputeManager, ctxt: RequestContext,
            instance: objects.Instance) -> None:
    power.power_action(mgr, ctxt, instance, 'compute_restore_instance',
                       task_states.RESTORING, vm_states.ACTIVE,
                       mgr.driver.power_on)


def reclaim_queued_deletes(mgr: ComputeManager,
                           now: datetime.datetime | None = None) -> int:
    """Periodic: delete this host's instances soft-deleted more than
    ``reclaim_instance_interval`` seconds before ``now``; returns how
    many it deleted."""
    interval = mgr.conf.reclaim_instance_interval
    if interval <= 0:
        return 0
    ctxt = nova_context.get_admin_context()
    now = now or timeutils.utcnow().replace(tzinfo=None)
    reclaimed = 0
    for row in mgr.db.instance_get_all_by_filters(
            ctxt, {'host': mgr.host, 'vm_state': vm_states.SOFT_DELETED,
                   'deleted': False}):
        instance = objects.Instance.from_db(row)
        since = instance.deleted_at or instance.updated_at
        if since is not None and (
                now - timeutils.normalize_time(since)).total_seconds() \
                < interval:
            continue
        try:
            # Conditional: a restore that came first wins.
            instance = mgr.update(
                ctxt, instance, task_state=task_states.DELETING,
                expected_vm_state=vm_states.SOFT_DELETED,
                expected_task_state=[None])
        except (exception.InstanceInvalidState, exception.InstanceNotFound):
            continue
        LOG.info('Reclaiming instance %s, soft-deleted at %s',
                 instance.uuid, since)
        mgr.terminate_instance(ctxt, instance)
        reclaimed += 1
    return reclaimed
