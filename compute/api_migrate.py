"""Cold migration (``migrate``) in the compute API, with Nova's rules.

Mixed into :class:`nova.compute.api.API`.  A migration is a resize to
the instance's own flavor on another host: it goes through the host
scheduler and the compute hosts' resize steps
(:mod:`nova.compute.resize`), recorded as migration type ``migration``,
and ends in VERIFY_RESIZE for ``confirm_resize`` or ``revert_resize``.
``migrate`` checks and resolves the request where it is made;
``migrate_to_host`` is what the instance's own cell runs.  The API cell
of a cells deployment also moves instances between cells
(:mod:`nova.compute.cells_api`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from nova import exception
from nova import instance_changes
from nova import objects
from nova.compute import checks
from nova.compute import images
from nova.compute import instance_actions as actions
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext
from nova.db.api import Database

MIGRATE_VM_STATES = (vm_states.ACTIVE, vm_states.STOPPED)


class MigrateMixin:
    if TYPE_CHECKING:
        db: Database
        scheduler_rpcapi: Any

        def _check_lock(self, ctxt: RequestContext,
                        instance: objects.Instance) -> None: ...

        def _act(self, ctxt: RequestContext, instance: objects.Instance,
                 action: str, method: str, kwargs: dict[str, Any],
                 here: Callable[[objects.Instance], Any], **updates: Any
                 ) -> Any: ...

    def migrate(self, ctxt: RequestContext, instance: objects.Instance,
                host: str | None = None) -> None:
        """Move the instance to another host (``host``, or the
        scheduler's choice), keeping its flavor.  ComputeHostNotFound for
        an unknown host, CannotMigrateToSameHost for its own."""
        self.check_migrate(ctxt, instance)
        if host is not None:
            if host == instance.host:
                raise exception.CannotMigrateToSameHost()
            try:
                self.db.service_get_by_host_and_binary(ctxt, host,
                                                       'nova-compute')
            except exception.HostBinaryNotFound:
                raise exception.ComputeHostNotFound(host=host) from None
        self.migrate_to_host(ctxt, instance, host)

    def check_migrate(self, ctxt: RequestContext, instance: objects.Instance
                      ) -> None:
        """Nova's rules for a migration: not locked, ACTIVE or STOPPED
        with no task."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'migrate',
                                    vm_state=MIGRATE_VM_STATES)

    def migrate_to_host(self, ctxt: RequestContext,
                        instance: objects.Instance, host: str | None = None
                        ) -> None:
        self.check_migrate(ctxt, instance)
        checks.check_instance_host(instance)
        sysmeta = instance_changes.system_metadata_with(
            instance, old_vm_state=instance.vm_state)
        self._act(ctxt, instance, actions.MIGRATE, 'migrate_to_host',
                  {'host': host},
                  lambda inst: self._schedule_migration(ctxt, inst, host),
                  task_state=task_states.RESIZE_PREP, progress=0,
                  system_metadata=sysmeta)

    def _schedule_migration(self, ctxt: RequestContext,
                            instance: objects.Instance, host: str | None
                            ) -> None:
        flavor = instance.flavor
        request_spec = {
            'image': images.image_spec_from_instance(instance),
            'instance_type': flavor, 'num_instances': 1,
            'instance_uuids': [instance.uuid],
            'availability_zone': instance.availability_zone}
        # Never its own host: the fake hypervisors cannot migrate to the
        # same host, as Nova asks of a driver before it allows that.
        props: dict[str, Any] = {'ignore_hosts': [instance.host],
                                 'instance_type': flavor}
        if host is not None:
            props['requested_host'] = host
        self.scheduler_rpcapi.prep_resize(ctxt, instance, flavor,
                                          request_spec, props)
