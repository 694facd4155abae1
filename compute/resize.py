"""Resizes on compute hosts: the five steps between two hosts (possibly
the same one) of the instance's cell.

1. ``prep_resize`` (destination): claim the new flavor, record the
   migration, ask the source to send the instance.  No room: back to the
   scheduler for another host.
2. ``resize_instance`` (source): stop the guest, hand its disk over.
3. ``finish_resize`` (destination): run it with the new flavor; the
   instance waits in ``resized`` (VERIFY_RESIZE) for its owner.
4. ``confirm_resize`` (source): drop the old copy and its claim; or
5. ``revert_resize`` (destination), then ``finish_revert_resize``
   (source): drop the new copy and claim, run the old one again.

The claims each step moves are described in :mod:`nova.compute.claims`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from typing import Any

from oslo_log import log as logging

from nova import instance_changes
from nova import objects
from nova.compute import claims
from nova.compute import images
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.compute.manager import ComputeManager

LOG = logging.getLogger(__name__)


def _flavor(migration: dict[str, Any], which: str) -> objects.Flavor:
    return objects.Flavor.from_db(json.loads(migration[which]))


def _old_vm_state(instance: objects.Instance) -> str:
    return ((instance.system_metadata or {}).get('old_vm_state')
            or vm_states.ACTIVE)


def _failed_migration(mgr: ComputeManager, ctxt: RequestContext,
                      migration_id: int) -> Any:
    return lambda: mgr.db.migration_update(ctxt, migration_id,
                                           {'status': 'error'})


def prep_resize(mgr: ComputeManager, ctxt: RequestContext,
                instance: objects.Instance, flavor: objects.Flavor, node: str,
                filter_properties: dict[str, Any]) -> None:
    try:
        with mgr.operation(ctxt, instance, 'compute_prep_resize',
                           error_vm_state=vm_states.ERROR,
                           passthrough=(claims.ComputeResourcesUnavailable,)):
            instance = mgr.refresh(ctxt, instance, task_states.RESIZE_PREP)
            mgr.tracker.resize_claim(ctxt, instance, flavor, node)
            old = instance.flavor
            migration = mgr.db.migration_create(ctxt, {
                'instance_uuid': instance.uuid,
                'source_compute': instance.host,
                'source_node': instance.node,
                'dest_compute': mgr.host, 'dest_node': node,
                'old_instance_type_id': old.id if old else None,
                'new_instance_type_id': flavor.id,
                'old_flavor': json.dumps(old.to_dict() if old else {}),
                'new_flavor': json.dumps(flavor.to_dict()),
                'status': 'pre-migrating',
                # A cold migration is a resize to the same flavor.
                'migration_type': ('migration' if old is not None
                                   and old.flavorid == flavor.flavorid
                                   else 'resize'),
                'user_id': ctxt.user_id, 'project_id': ctxt.project_id})
            mgr.compute_rpcapi.resize_instance(ctxt, instance,
                                               migration['id'])
    except claims.ComputeResourcesUnavailable as error:
        _reschedule(mgr, ctxt, instance, flavor, filter_properties, error)


def _reschedule(mgr: ComputeManager, ctxt: RequestContext,
                instance: objects.Instance, flavor: objects.Flavor,
                filter_properties: dict[str, Any], error: Exception) -> None:
    """Another host, please: the scheduler gives up (and settles the
    instance) past ``[filter_scheduler] max_attempts``."""
    LOG.info('Resize of %s does not fit on %s (%s); rescheduling',
             instance.uuid, mgr.host, error)
    props = dict(filter_properties)
    request_spec = props.pop('request_spec', None) or {
        'image': images.image_spec_from_instance(instance),
        'instance_type': flavor, 'num_instances': 1,
        'instance_uuids': [instance.uuid],
        'availability_zone': instance.availability_zone}
    retry = props.setdefault('retry', {'num_attempts': 1, 'hosts': []})
    retry['hosts'] = list(retry.get('hosts', [])) + [mgr.host]
    retry['exc_reason'] = str(error)[:200]
    mgr.scheduler_rpcapi.prep_resize(ctxt, instance, flavor, request_spec,
                                     props)


def resize_instance(mgr: ComputeManager, ctxt: RequestContext,
                    instance: objects.Instance, migration_id: int) -> None:
    with mgr.operation(ctxt, instance, 'compute_resize_instance',
                       error_vm_state=vm_states.ERROR,
                       on_failure=_failed_migration(mgr, ctxt,
                                                    migration_id)):
        instance = mgr.refresh(ctxt, instance, task_states.RESIZE_PREP)
        migration = mgr.db.migration_update(ctxt, migration_id,
                                            {'status': 'migrating'})
        instance = mgr.update(ctxt, instance,
                              task_state=task_states.RESIZE_MIGRATING,
                              expected_task_state=task_states.RESIZE_PREP)
        mgr.tracker.retag(ctxt, instance.uuid, claims.INSTANCE,
                          claims.SOURCE)
        mgr.driver.migrate_disk_and_power_off(
            ctxt, instance, migration['dest_compute'],
            _flavor(migration, 'new_flavor'))
        mgr.db.migration_update(ctxt, migration_id,
                                {'status': 'post-migrating'})
        instance = mgr.update(
            ctxt, instance, task_state=task_states.RESIZE_MIGRATED,
            expected_task_state=task_states.RESIZE_MIGRATING)
        mgr.compute_rpcapi.finish_resize(ctxt, migration['dest_compute'],
                                         instance, migration_id)


def finish_resize(mgr: ComputeManager, ctxt: RequestContext,
                  instance: objects.Instance, migration_id: int) -> None:
    with mgr.operation(ctxt, instance, 'compute_finish_resize',
                       error_vm_state=vm_states.ERROR,
                       on_failure=_failed_migration(mgr, ctxt,
                                                    migration_id)):
        instance = mgr.refresh(ctxt, instance, task_states.RESIZE_MIGRATED)
        migration = mgr.db.migration_get(ctxt, migration_id)
        new_flavor = _flavor(migration, 'new_flavor')
        instance = mgr.update(
            ctxt, instance, task_state=task_states.RESIZE_FINISH,
            expected_task_state=task_states.RESIZE_MIGRATED)
        mgr.driver.finish_migration(
            ctxt, instance, migration['dest_node'], new_flavor,
            power_on=_old_vm_state(instance) != vm_states.STOPPED)
        mgr.apply_security_rules(ctxt, instance)
        mgr.tracker.retag(ctxt, instance.uuid, claims.DEST,
                          claims.INSTANCE)
        # Finished before the instance says so: a confirm or revert looks
        # the migration up by this status.
        mgr.db.migration_update(ctxt, migration_id, {'status': 'finished'})
        mgr.update(ctxt, instance, host=mgr.host,
                   node=migration['dest_node'],
                   **instance_changes.flavor_values(new_flavor),
                   vm_state=vm_states.RESIZED, task_state=None,
                   power_state=mgr.driver.get_power_state(instance),
                   expected_task_state=task_states.RESIZE_FINISH)


def confirm_resize(mgr: ComputeManager, ctxt: RequestContext,
                   instance: objects.Instance, migration_id: int) -> None:
    """Free the source.  Also runs for an instance deleted while it
    waited for confirmation, so the old copy never outlives it."""
    with mgr.operation(ctxt, instance, 'compute_confirm_resize',
                       error_vm_state=vm_states.ERROR):
        mgr.driver.confirm_migration(ctxt, instance)
        mgr.tracker.drop(ctxt, instance.uuid, claims.SOURCE)
        mgr.db.migration_update(ctxt, migration_id,
                                {'status': 'confirmed'})
        instance = mgr.refresh(ctxt, instance)
        if instance.vm_state != vm_states.RESIZED:
            return      # being deleted: nothing more to settle
        mgr.update(ctxt, instance,
                   vm_state=(vm_states.STOPPED
                             if instance.power_state == power_state.SHUTDOWN
                             else vm_states.ACTIVE),
                   task_state=None,
                   system_metadata=instance_changes.system_metadata_with(
                       instance, remove=('old_vm_state',)),
                   expected_vm_state=vm_states.RESIZED,
                   expected_task_state=[None])


def revert_resize(mgr: ComputeManager, ctxt: RequestContext,
                  instance: objects.Instance, migration_id: int) -> None:
    with mgr.operation(ctxt, instance, 'compute_revert_resize',
                       error_vm_state=vm_states.ERROR,
                       on_failure=_failed_migration(mgr, ctxt,
                                                    migration_id)):
        instance = mgr.refresh(ctxt, instance,
                               task_states.RESIZE_REVERTING)
        migration = mgr.db.migration_get(ctxt, migration_id)
        mgr.driver.destroy(ctxt, instance)
        mgr.tracker.drop(ctxt, instance.uuid, claims.INSTANCE)
        mgr.compute_rpcapi.finish_revert_resize(
            ctxt, migration['source_compute'], instance, migration_id)


def finish_revert_resize(mgr: ComputeManager, ctxt: RequestContext,
                         instance: objects.Instance,
                         migration_id: int) -> None:
    with mgr.operation(ctxt, instance, 'compute_finish_revert_resize',
                       error_vm_state=vm_states.ERROR,
                       on_failure=_failed_migration(mgr, ctxt,
                                                    migration_id)):
        instance = mgr.refresh(ctxt, instance,
                               task_states.RESIZE_REVERTING)
        migration = mgr.db.migration_get(ctxt, migration_id)
        old_vm_state = _old_vm_state(instance)
        mgr.tracker.retag(ctxt, instance.uuid, claims.SOURCE,
                          claims.INSTANCE)
        mgr.driver.finish_revert_migration(
            ctxt, instance, power_on=old_vm_state != vm_states.STOPPED)
        mgr.db.migration_update(ctxt, migration_id, {'status': 'reverted'})
        mgr.update(ctxt, instance, host=mgr.host,
                   node=migration['source_node'],
                   **instance_changes.flavor_values(
                       _flavor(migration, 'old_flavor')),
                   vm_state=old_vm_state, task_state=None,
                   power_state=mgr.driver.get_power_state(instance),
                   system_metadata=instance_changes.system_metadata_with(
                       instance, remove=('old_vm_state',)),
                   expected_task_state=task_states.RESIZE_REVERTING)
