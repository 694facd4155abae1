"""Operations on an instance's disk image, on its compute host: rebuild,
snapshot, shelve (with offload) and unshelve.

Snapshots and shelved images are entries of the API cell's registry; the
host reports their progress through :class:`nova.compute.images.
ImageRegistryClient` (``saving``, then ``active`` or gone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova import instance_changes
from nova import objects
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute.manager import ComputeManager

LOG = logging.getLogger(__name__)

_SHELVED_KEYS = ('shelved_at', 'shelved_image_id', 'shelved_host')


def _now() -> Any:
    return timeutils.utcnow().replace(tzinfo=None)


def rebuild(mgr: ComputeManager, ctxt: RequestContext,
            instance: objects.Instance, image: objects.ImageMeta,
            admin_password: str | None) -> None:
    """Respawn from ``image``, keeping addresses and resources; a stopped
    instance is stopped again afterwards, as in Nova."""
    with mgr.operation(ctxt, instance, 'compute_rebuild_instance',
                       error_vm_state=vm_states.ERROR):
        instance = mgr.refresh(ctxt, instance, task_states.REBUILDING)
        was_stopped = instance.vm_state == vm_states.STOPPED
        mgr.driver.destroy(ctxt, instance)
        instance = mgr.update(
            ctxt, instance, task_state=task_states.REBUILD_SPAWNING,
            expected_task_state=task_states.REBUILDING)
        mgr.driver.spawn(ctxt, instance, instance.node or mgr.host,
                         list(instance.network_info or []), image)
        mgr.apply_security_rules(ctxt, instance)
        if was_stopped:
            mgr.driver.power_off(ctxt, instance)
        mgr.update(ctxt, instance,
                   vm_state=(vm_states.STOPPED if was_stopped
                             else vm_states.ACTIVE),
                   task_state=None, launched_at=_now(),
                   power_state=mgr.driver.get_power_state(instance),
                   expected_task_state=task_states.REBUILD_SPAWNING)


def snapshot(mgr: ComputeManager, ctxt: RequestContext,
             instance: objects.Instance, image_id: str) -> None:
    with mgr.operation(ctxt, instance, 'compute_snapshot_instance',
                       on_failure=lambda: mgr.images.delete(ctxt,
                                                            image_id)):
        instance = mgr.refresh(ctxt, instance,
                               task_states.IMAGE_SNAPSHOT_PENDING)
        instance = mgr.update(
            ctxt, instance, task_state=task_states.IMAGE_PENDING_UPLOAD,
            expected_task_state=task_states.IMAGE_SNAPSHOT_PENDING)
        mgr.images.update(ctxt, image_id, {'status': 'saving'})
        instance = mgr.update(
            ctxt, instance, task_state=task_states.IMAGE_UPLOADING,
            expected_task_state=task_states.IMAGE_PENDING_UPLOAD)
        data = mgr.driver.snapshot(ctxt, instance, image_id)
        mgr.images.update(ctxt, image_id, dict(data, status='active'))
        mgr.update(ctxt, instance, task_state=None,
                   expected_task_state=task_states.IMAGE_UPLOADING)


def shelve(mgr: ComputeManager, ctxt: RequestContext,
           instance: objects.Instance, image_id: str) -> None:
    """Power off and save the disk as ``image_id``; offload at once when
    ``shelved_offload_time`` is 0."""
    offload = mgr.conf.shelved_offload_time == 0
    shelved = None
    with mgr.operation(ctxt, instance, 'compute_shelve_instance',
                       on_failure=lambda: mgr.images.delete(ctxt,
                                                            image_id)):
        instance = mgr.refresh(ctxt, instance, task_states.SHELVING)
        mgr.driver.power_off(ctxt, instance)
        instance = mgr.update(
            ctxt, instance,
            task_state=task_states.SHELVING_IMAGE_PENDING_UPLOAD,
            expected_task_state=task_states.SHELVING)
        mgr.images.update(ctxt, image_id, {'status': 'saving'})
        instance = mgr.update(
            ctxt, instance, task_state=task_states.SHELVING_IMAGE_UPLOADING,
            expected_task_state=task_states.SHELVING_IMAGE_PENDING_UPLOAD)
        data = mgr.driver.snapshot(ctxt, instance, image_id)
        mgr.images.update(ctxt, image_id, dict(data, status='active'))
        shelved = mgr.update(
            ctxt, instance, vm_state=vm_states.SHELVED,
            task_state=(task_states.SHELVING_OFFLOADING if offload
                        else None),
            power_state=mgr.driver.get_power_state(instance),
            system_metadata=instance_changes.system_metadata_with(
                instance, shelved_at=_now().isoformat(),
                shelved_image_id=image_id, shelved_host=mgr.host),
            expected_task_state=task_states.SHELVING_IMAGE_UPLOADING)
    if shelved is not None and offload:
        shelve_offload(mgr, ctxt, shelved)


def shelve_offload(mgr: ComputeManager, ctxt: RequestContext,
                   instance: objects.Instance) -> None:
    """Free the host of a shelved instance.  Its fixed IPs stay
    allocated: an unshelve brings it back with the same addresses."""
    with mgr.operation(ctxt, instance, 'compute_shelve_offload_instance'):
        instance = mgr.refresh(ctxt, instance,
                               task_states.SHELVING_OFFLOADING)
        mgr.driver.destroy(ctxt, instance)
        mgr.tracker.release(ctxt, instance)
        mgr.update(ctxt, instance, vm_state=vm_states.SHELVED_OFFLOADED,
                   task_state=None, host=None, node=None,
                   power_state=power_state.NOSTATE,
                   expected_task_state=task_states.SHELVING_OFFLOADING)


def unshelve(mgr: ComputeManager, ctxt: RequestContext,
             instance: objects.Instance, image: objects.ImageMeta | None,
             node: str | None) -> None:
    """Run a shelved instance again: power it on where it still is, or
    claim ``node`` and spawn it from its shelved image."""
    offloaded = instance.vm_state == vm_states.SHELVED_OFFLOADED
    done_with_image = None

    def undo() -> None:
        if offloaded:
            # Back to offloaded: nothing of it may stay on this host.
            mgr.driver.destroy(ctxt, instance)
            mgr.tracker.release(ctxt, instance)
            mgr.update(ctxt, instance, host=None, node=None)

    with mgr.operation(ctxt, instance, 'compute_unshelve_instance',
                       error_vm_state=instance.vm_state, on_failure=undo):
        instance = mgr.refresh(ctxt, instance, task_states.UNSHELVING)
        if offloaded:
            node = node or mgr.driver.get_available_nodes()[0]
            mgr.tracker.claim(ctxt, instance, node)
            instance = mgr.update(ctxt, instance, host=mgr.host, node=node,
                                  task_state=task_states.SPAWNING,
                                  expected_task_state=task_states.UNSHELVING)
            mgr.driver.spawn(ctxt, instance, node,
                             list(instance.network_info or []), image)
            mgr.apply_security_rules(ctxt, instance)
        else:
            mgr.driver.power_on(ctxt, instance)
        image_id = (instance.system_metadata or {}).get('shelved_image_id')
        mgr.update(ctxt, instance, vm_state=vm_states.ACTIVE,
                   task_state=None,
                   power_state=mgr.driver.get_power_state(instance),
                   system_metadata=instance_changes.system_metadata_with(
                       instance, remove=_SHELVED_KEYS),
                   expected_task_state=[task_states.UNSHELVING,
                                        task_states.SPAWNING])
        done_with_image = image_id
    if done_with_image:
        mgr.images.delete(ctxt, done_with_image)


def offload_shelved(mgr: ComputeManager) -> None:
    """Periodic: offload instances shelved longer than
    ``shelved_offload_time`` seconds."""
    wait = mgr.conf.shelved_offload_time
    if wait <= 0:
        return
    ctxt = nova_context.get_admin_context()
    now = _now()
    for row in mgr.db.instance_get_all_by_filters(
            ctxt, {'host': mgr.host, 'vm_state': vm_states.SHELVED,
                   'task_state': None}):
        instance = objects.Instance.from_db(row)
        shelved_at = (instance.system_metadata or {}).get('shelved_at')
        if not shelved_at or (now - timeutils.normalize_time(
                timeutils.parse_isotime(shelved_at))
                ).total_seconds() < wait:
            continue
        try:
            instance = mgr.update(
                ctxt, instance, task_state=task_states.SHELVING_OFFLOADING,
                expected_task_state=[None])
        except (exception.InstanceInvalidState, exception.InstanceNotFound):
            continue
        shelve_offload(mgr, ctxt, instance)
