"""Operator actions of the compute API: an administrator's state reset,
network re-injection, diagnostics, and the answer Nova gives for what
this deployment does not offer (live migration: starting, listing,
forcing or aborting one).

Mixed into :class:`nova.compute.api.API`; the API cell's
:class:`nova.compute.cells_api.ComputeCellsAPI` reaches the instance's
cell through the same ``_deliver`` step as every other action.
"""

from __future__ import annotations

from collections.abc import Callable
import datetime
from typing import TYPE_CHECKING
from typing import Any

from oslo_utils import timeutils

from nova import exception
from nova import instance_changes
from nova import objects
from nova.compute import checks
from nova.compute import task_states
from nova.compute import vm_states
from nova.context import RequestContext

if TYPE_CHECKING:
    from nova.db.api import Database

# Nova keeps a guest's encrypted password in four system metadata keys
# of 255 characters each (the metadata service accepts 1020 at most).
PASSWORD_KEYS = tuple('password_%d' % i for i in range(4))
_PASSWORD_CHUNK = 255
# Where Nova lets a live migration start.
_LIVE_MIGRATE_VM_STATES = [vm_states.ACTIVE, vm_states.PAUSED]


class AdminActionsMixin:
    if TYPE_CHECKING:
        db: Database
        compute_rpcapi: Any

        def _check_lock(self, ctxt: RequestContext,
                        instance: objects.Instance) -> None: ...

        def _deliver(self, ctxt: RequestContext, instance: objects.Instance,
                     method: str, kwargs: dict[str, Any],
                     here: Callable[[], Any], call: bool = False) -> Any: ...

    def reset_state(self, context: RequestContext, instance: objects.Instance,
                    vm_state: str) -> objects.Instance:
        """An administrator's override of an instance's state: the vm
        state given, no task."""
        return instance_changes.instance_update(
            self.db, context, instance, vm_state=vm_state, task_state=None)

    def inject_network_info(self, ctxt: RequestContext,
                            instance: objects.Instance) -> None:
        """Have the instance's host push its network configuration into
        the guest again (a cast: nothing is waited for)."""
        self._check_lock(ctxt, instance)
        checks.check_instance_host(instance)
        self._deliver(ctxt, instance, 'inject_network_info', {},
                      lambda: self.compute_rpcapi.inject_network_info(
                          ctxt, instance))

    def get_diagnostics(self, ctxt: RequestContext,
                        instance: objects.Instance) -> dict[str, Any]:
        """The hypervisor's counters of the instance, asked of its host;
        InstanceInvalidState unless it runs."""
        checks.check_instance_host(instance)
        result: dict[str, Any] = self._deliver(
            ctxt, instance, 'get_diagnostics', {},
            lambda: self.compute_rpcapi.get_diagnostics(ctxt, instance),
            call=True)
        return result

    def get_instance_diagnostics(self, ctxt: RequestContext,
                                 instance: objects.Instance
                                 ) -> dict[str, Any]:
        """As :meth:`get_diagnostics`, in the standard form of 2.48."""
        checks.check_instance_host(instance)
        result: dict[str, Any] = self._deliver(
            ctxt, instance, 'get_instance_diagnostics', {},
            lambda: self.compute_rpcapi.get_instance_diagnostics(
                ctxt, instance),
            call=True)
        return result

    def get_active_by_window(self, ctxt: RequestContext,
                             begin: datetime.datetime,
                             end: datetime.datetime,
                             project_id: str | None = None
                             ) -> list[dict[str, Any]]:
        """Instance rows (deleted ones too) that ran between ``begin``
        and ``end``, for usage reports: in the API cell, its copy of
        every instance of the tree."""
        return self.db.instance_get_active_by_window(
            ctxt, timeutils.normalize_time(begin),
            timeutils.normalize_time(end), project_id)

    # -- the guest's password ---------------------------------------------

    @staticmethod
    def get_password(instance: objects.Instance) -> str:
        """The encrypted password the guest left, or ''."""
        sysmeta = (instance.system_metadata
                   if instance.obj_attr_is_set('system_metadata') else {})
        return ''.join(sysmeta.get(key) or '' for key in PASSWORD_KEYS)

    def set_password(self, ctxt: RequestContext, instance: objects.Instance,
                     password: str) -> None:
        """Store the guest's encrypted password ('' clears it) in this
        cell, then in the instance's own cell, which owns the system
        metadata and sends it up again with its next change."""
        if len(password) > _PASSWORD_CHUNK * len(PASSWORD_KEYS):
            raise exception.InvalidInput(reason='password is too long')
        chunks = {key: password[i * _PASSWORD_CHUNK:
                                (i + 1) * _PASSWORD_CHUNK]
                  for i, key in enumerate(PASSWORD_KEYS)}
        instance_changes.instance_update(
            self.db, ctxt, instance,
            system_metadata=dict(instance.system_metadata or {}, **chunks))
        self._deliver(ctxt, instance, 'set_password',
                      {'password': password}, lambda: None)

    # -- what this deployment does not offer -----------------------------

    def live_migrate(self, ctxt: RequestContext, instance: objects.Instance,
                     host: str | None, block_migration: bool | None,
                     disk_over_commit: bool) -> None:
        """Live migration is not offered (the fake hypervisors keep no
        memory to move): after Nova's state checks, the pre-check fails
        as Nova's does for a driver that cannot do it (400)."""
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, 'live_migrate',
                                    vm_state=_LIVE_MIGRATE_VM_STATES)
        raise exception.MigrationPreCheckError(
            reason='the hypervisors of this cloud do not support live '
                   'migration')

    def live_migrations_in_progress(self, ctxt: RequestContext,
                                    instance: objects.Instance
                                    ) -> list[dict[str, Any]]:
        """The live migrations of ``instance`` in progress: none, as no
        live migration ever starts here."""
        return []

    def live_migrate_force_complete(self, ctxt: RequestContext,
                                    instance: objects.Instance,
                                    migration_id: str) -> None:
        """Nova's checks (lock, then an ACTIVE server migrating), then
        :class:`MigrationNotFoundForInstance`."""
        self._no_live_migration(ctxt, instance, migration_id,
                                'live_migrate_force_complete',
                                [vm_states.ACTIVE])

    def live_migrate_abort(self, ctxt: RequestContext,
                           instance: objects.Instance,
                           migration_id: str) -> None:
        """Nova's checks (lock, then a server migrating), then
        :class:`MigrationNotFoundForInstance`."""
        self._no_live_migration(ctxt, instance, migration_id,
                                'live_migrate_abort', None)

    def _no_live_migration(self, ctxt: RequestContext,
                           instance: objects.Instance, migration_id: str,
                           method: str, vm_state: list[str] | None
                           ) -> None:
        # There is never a live migration to act on here.
        self._check_lock(ctxt, instance)
        checks.check_instance_state(instance, method, vm_state=vm_state,
                                    task_state=[task_states.MIGRATING])
        raise exception.MigrationNotFoundForInstance(
            migration_id=migration_id, instance_id=instance.uuid)
