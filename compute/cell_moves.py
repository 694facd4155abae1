"""A compute host's part in a cold migration between cells.

nova-cells drives these moves (see :mod:`nova.cells.moves`); each step
here is an RPC *call*, so that the cell driving the move knows it is done
before it takes the next one:

1. ``move_out_of_cell`` (source host): stop the guest and keep its disk;
   the instance still holds its place here until the move is confirmed.
2. ``move_into_cell`` (a host of the target cell): claim the flavor,
   take an address of this cell's network, run the guest (stopped if it
   was stopped) and wait in ``resized`` (VERIFY_RESIZE).
3. ``drop_moved_instance`` (the host a confirmed move left, or the one a
   reverted move entered): the guest, its claim and its address go.
4. ``move_back_in_cell`` (source host, on revert or when the move
   failed): run the kept guest again, as it was.

Unlike :mod:`nova.compute.resize`, a failure is raised to the caller
(which undoes the move) rather than turned into a fault here.  Each step
records its event under ``action``, the instance action of the request
(``migrate``, ``confirmResize``, ``revertResize``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oslo_log import log as logging

from nova import instance_changes
from nova import objects
from nova.compute import claims
from nova.compute import instance_actions
from nova.compute import vm_states
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute.manager import ComputeManager

LOG = logging.getLogger(__name__)


def old_vm_state(instance: objects.Instance) -> str:
    """The vm state the instance had before its move."""
    return ((instance.system_metadata or {}).get('old_vm_state')
            or vm_states.ACTIVE)


def move_out_of_cell(mgr: ComputeManager, ctxt: RequestContext,
                     instance: objects.Instance, dest_cell: str,
                     action: str) -> None:
    with instance_actions.EventReporter(mgr.db, ctxt,
                                        'compute_move_out_of_cell',
                                        instance.uuid, mgr.host,
                                        action=action):
        if instance.uuid in mgr.driver.list_instances():
            mgr.driver.migrate_disk_and_power_off(ctxt, instance, dest_cell,
                                                  instance.flavor)
        # Else stopped for this move already (the step is sent again).


def move_into_cell(mgr: ComputeManager, ctxt: RequestContext,
                   instance: objects.Instance, node: str,
                   action: str) -> None:
    with instance_actions.EventReporter(mgr.db, ctxt,
                                        'compute_move_into_cell',
                                        instance.uuid, mgr.host,
                                        action=action):
        instance = mgr.refresh(ctxt, instance)
        mgr.tracker.claim(ctxt, instance, node)
        try:
            network_info = mgr.network_rpcapi.allocate_for_instance(
                ctxt, instance.uuid, mgr.host)
            mgr.driver.finish_migration(
                ctxt, instance, node, instance.flavor,
                power_on=old_vm_state(instance) != vm_states.STOPPED)
        except Exception:
            mgr.tracker.release(ctxt, instance)
            raise
        mgr.update(ctxt, instance, host=mgr.host, node=node,
                   network_info=network_info, vm_state=vm_states.RESIZED,
                   task_state=None,
                   power_state=mgr.driver.get_power_state(instance))
        LOG.info('Instance %s moved into this cell on %s', instance.uuid,
                 node)


def drop_moved_instance(mgr: ComputeManager, ctxt: RequestContext,
                        instance: objects.Instance, action: str) -> None:
    with instance_actions.EventReporter(mgr.db, ctxt,
                                        'compute_drop_moved_instance',
                                        instance.uuid, mgr.host,
                                        action=action):
        mgr.driver.destroy(ctxt, instance)
        mgr.driver.confirm_migration(ctxt, instance)
        mgr.tracker.release(ctxt, instance)
        mgr.network_rpcapi.deallocate_for_instance(ctxt, instance.uuid)


def move_back_in_cell(mgr: ComputeManager, ctxt: RequestContext,
                      instance: objects.Instance, action: str) -> None:
    with instance_actions.EventReporter(mgr.db, ctxt,
                                        'compute_move_back_in_cell',
                                        instance.uuid, mgr.host,
                                        action=action):
        instance = mgr.refresh(ctxt, instance)
        previous = old_vm_state(instance)
        if instance.uuid not in mgr.driver.list_instances():
            mgr.driver.finish_revert_migration(
                ctxt, instance, power_on=previous != vm_states.STOPPED)
        # The claim never left this host; it is the instance's again.
        mgr.tracker.retag(ctxt, instance.uuid, claims.SOURCE,
                          claims.INSTANCE)
        mgr.update(ctxt, instance, vm_state=previous, task_state=None,
                   power_state=mgr.driver.get_power_state(instance),
                   system_metadata=instance_changes.system_metadata_with(
                       instance, remove=('old_vm_state',)))
