"""Power actions on a compute host: reboot, stop and start, pause and
unpause, suspend and resume, rescue and unrescue; and the console log.

Each function is the work behind one compute manager RPC method: it runs
inside :meth:`ComputeManager.operation`, which records the action event
and, on failure, leaves a fault and settles the task state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from nova import objects
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute.manager import ComputeManager


def power_action(mgr: ComputeManager, ctxt: RequestContext,
                  instance: objects.Instance, event: str,
                  expected_task_state: str | list[str], vm_state: str,
                  do: Any, error_vm_state: str | None = None) -> None:
    """Run the driver's ``do(ctxt, instance)`` and settle in
    ``vm_state``."""
    with mgr.operation(ctxt, instance, event,
                       error_vm_state=error_vm_state):
        instance = mgr.refresh(ctxt, instance, expected_task_state)
        do(ctxt, instance)
        mgr.update(ctxt, instance, vm_state=vm_state, task_state=None,
                   power_state=mgr.driver.get_power_state(instance),
                   expected_task_state=expected_task_state)


def reboot(mgr: ComputeManager, ctxt: RequestContext,
           instance: objects.Instance, reboot_type: str) -> None:
    hard = reboot_type == 'HARD'
    pending = (task_states.REBOOTING_HARD if hard
               else task_states.REBOOTING)
    started = (task_states.REBOOT_STARTED_HARD if hard
               else task_states.REBOOT_STARTED)
    # A failed reboot leaves the guest in an unknown state: ERROR, as in
    # Nova.
    with mgr.operation(ctxt, instance, 'compute_reboot_instance',
                       error_vm_state=vm_states.ERROR):
        instance = mgr.update(ctxt, instance, task_state=started,
                              expected_task_state=[
                                  pending, task_states.REBOOT_PENDING,
                                  task_states.REBOOT_PENDING_HARD])
        mgr.driver.reboot(ctxt, instance, reboot_type)
        mgr.update(ctxt, instance, vm_state=vm_states.ACTIVE,
                   task_state=None,
                   power_state=mgr.driver.get_power_state(instance),
                   expected_task_state=started)


def stop(mgr: ComputeManager, ctxt: RequestContext,
         instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_stop_instance',
                  task_states.POWERING_OFF, vm_states.STOPPED,
                  mgr.driver.power_off)


def start(mgr: ComputeManager, ctxt: RequestContext,
          instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_start_instance',
                  task_states.POWERING_ON, vm_states.ACTIVE,
                  mgr.driver.power_on)


def pause(mgr: ComputeManager, ctxt: RequestContext,
          instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_pause_instance',
                  task_states.PAUSING, vm_states.PAUSED, mgr.driver.pause)


def unpause(mgr: ComputeManager, ctxt: RequestContext,
            instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_unpause_instance',
                  task_states.UNPAUSING, vm_states.ACTIVE,
                  mgr.driver.unpause)


def suspend(mgr: ComputeManager, ctxt: RequestContext,
            instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_suspend_instance',
                  task_states.SUSPENDING, vm_states.SUSPENDED,
                  mgr.driver.suspend)


def resume(mgr: ComputeManager, ctxt: RequestContext,
           instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_resume_instance',
                  task_states.RESUMING, vm_states.ACTIVE, mgr.driver.resume)


def rescue(mgr: ComputeManager, ctxt: RequestContext,
           instance: objects.Instance, rescue_password: str,
           rescue_image: objects.ImageMeta | None) -> None:
    power_action(mgr, ctxt, instance, 'compute_rescue_instance',
                  task_states.RESCUING, vm_states.RESCUED,
                  lambda c, i: mgr.driver.rescue(c, i, rescue_image,
                                                 rescue_password),
                  error_vm_state=vm_states.ERROR)


def set_admin_password(mgr: ComputeManager, ctxt: RequestContext,
                       instance: objects.Instance, password: str) -> None:
    """Set the guest's administrator password; a failure leaves the
    instance ACTIVE with a fault, as in Nova."""
    power_action(mgr, ctxt, instance, 'compute_set_admin_password',
                  task_states.UPDATING_PASSWORD, vm_states.ACTIVE,
                  lambda c, i: mgr.driver.set_admin_password(i, password))


def unrescue(mgr: ComputeManager, ctxt: RequestContext,
             instance: objects.Instance) -> None:
    power_action(mgr, ctxt, instance, 'compute_unrescue_instance',
                  task_states.UNRESCUING, vm_states.ACTIVE,
                  mgr.driver.unrescue)


def console_output(mgr: ComputeManager, ctxt: RequestContext,
                   instance: objects.Instance,
                   tail_length: int | None) -> str:
    text = mgr.driver.get_console_output(ctxt, instance)
    if tail_length is None:
        return text
    if tail_length <= 0:
        return ''
    # The last lines without their line ends, joined as Nova does: a
    # client counting the lines of the answer finds tail_length, not one
    # more for a final newline.
    return '\n'.join(text.splitlines()[-tail_length:])
