"""What several services do to an instance: save its changes, record why
an operation failed, the columns that follow its flavor."""

from __future__ import annotations

import json
import traceback
from typing import Any

from nova import objects
from nova.context import RequestContext
from nova.db.api import Database


def instance_update(db: Database, context: RequestContext,
                    instance: objects.Instance, **values: Any
                    ) -> objects.Instance:
    """Save ``values`` on an instance and return its new state.

    ``expected_task_state`` and ``expected_vm_state`` (a value or a list)
    make the save conditional (see ``Database.instance_update``).
    """
    expected_task_state = values.pop('expected_task_state', None)
    expected_vm_state = values.pop('expected_vm_state', None)
    row = db.instance_update(context, instance.uuid, values,
                             expected_task_state=expected_task_state,
                             expected_vm_state=expected_vm_state)
    return objects.Instance.from_db(row)


def system_metadata_with(instance: objects.Instance,
                         remove: tuple[str, ...] = (),
                         **updates: str | None) -> dict[str, str | None]:
    """The instance's system metadata with keys set and others removed,
    ready for an ``instance_update`` (which replaces the whole dict)."""
    sysmeta = {k: v for k, v in (instance.system_metadata or {}).items()
               if k not in remove}
    sysmeta.update(updates)
    return sysmeta


def flavor_values(flavor: objects.Flavor) -> dict[str, Any]:
    """The instance columns that follow its flavor."""
    return {'flavor': json.dumps(flavor.to_dict()),
            'instance_type_id': flavor.id, 'memory_mb': flavor.memory_mb,
            'vcpus': flavor.vcpus, 'root_gb': flavor.root_gb,
            'ephemeral_gb': flavor.ephemeral_gb}


def add_instance_fault(db: Database, context: RequestContext,
                       instance_uuid: str, error: BaseException,
                       host: str | None = None, with_traceback: bool = False
                       ) -> None:
    """Record why an operation on an instance failed."""
    code = getattr(error, 'code', 500)
    message = (error.format_message() if hasattr(error, 'format_message')
               else str(error)) or error.__class__.__name__
    details = ''.join(traceback.format_exception(error)) if with_traceback \
        else ''
    db.instance_fault_create(context, {
        'instance_uuid': instance_uuid, 'code': int(code),
        'message': message[:255], 'details': details, 'host': host})
