"""The rules an instance must meet before an action starts.

Each compute API method calls these first, in plain sight (no
decorators), with Nova's rules for that action.  They raise and change
nothing; the state then moves with a conditional save, so that two
requests racing past the same check cannot both win.

Example::

    check_instance_lock(ctxt, instance)
    check_instance_state(instance, 'pause', vm_state=[vm_states.ACTIVE])
"""

from __future__ import annotations

from collections.abc import Iterable

from nova import exception
from nova import objects
from nova.context import RequestContext

# ``task_state`` default: no task may be running on the instance.
NO_TASK: tuple[str | None, ...] = (None,)


def check_instance_state(instance: objects.Instance, method: str,
                         vm_state: Iterable[str] | None = None,
                         task_state: Iterable[str | None] | None = NO_TASK,
                         must_have_launched: bool = True) -> None:
    """Raise InstanceInvalidState unless the instance may undergo
    ``method``.

    ``vm_state``: the vm states allowed (None: any).  ``task_state``: the
    task states allowed (None: any; by default only no task at all).
    ``must_have_launched``: the instance must have been active once.
    """
    if vm_state is not None and instance.vm_state not in set(vm_state):
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=instance.uuid, attr='vm_state',
            state=instance.vm_state)
    if task_state is not None and \
            instance.task_state not in set(task_state):
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=instance.uuid, attr='task_state',
            state=instance.task_state)
    if must_have_launched and not instance.launched_at:
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=instance.uuid, attr='vm_state',
            state=instance.vm_state)


def check_instance_lock(ctxt: RequestContext, instance: objects.Instance
                        ) -> None:
    """A locked instance takes actions from admins only."""
    if instance.locked and not ctxt.is_admin:
        raise exception.InstanceIsLocked(instance_uuid=instance.uuid)


def check_instance_host(instance: objects.Instance) -> None:
    """The action needs the instance on a hypervisor."""
    if not instance.host:
        raise exception.InstanceNotReady(instance_id=instance.uuid)
