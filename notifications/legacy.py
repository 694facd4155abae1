"""The legacy (unversioned) notifications: the same events as plain
dictionaries, for consumers that read Nova's ``compute.instance.*``.

Sent when ``[notifications] notification_format`` is ``unversioned`` (the
default) or ``both``, on the topics of ``[oslo_messaging_notifications]``.
"""

from __future__ import annotations

from typing import Any

from nova import objects
from nova.compute import power_state as power_states


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ''


def _get(instance: objects.Instance, name: str) -> Any:
    return getattr(instance, name) if instance.obj_attr_is_set(name) else None


def instance_info(instance: objects.Instance) -> dict[str, Any]:
    """What a legacy notification says about an instance."""
    flavor = _get(instance, 'flavor')
    power = _get(instance, 'power_state')
    return {
        'tenant_id': _get(instance, 'project_id'),
        'user_id': _get(instance, 'user_id'),
        'instance_id': instance.uuid,
        'display_name': _get(instance, 'display_name'),
        'reservation_id': _get(instance, 'reservation_id'),
        'hostname': _get(instance, 'hostname'),
        'instance_type': flavor.name if flavor else None,
        'instance_type_id': _get(instance, 'instance_type_id'),
        'instance_flavor_id': flavor.flavorid if flavor else None,
        'memory_mb': _get(instance, 'memory_mb'),
        'vcpus': _get(instance, 'vcpus'),
        'root_gb': _get(instance, 'root_gb'),
        'ephemeral_gb': _get(instance, 'ephemeral_gb'),
        'disk_gb': (_get(instance, 'root_gb') or 0)
        + (_get(instance, 'ephemeral_gb') or 0),
        'host': _get(instance, 'host'),
        'node': _get(instance, 'node'),
        'cell_name': _get(instance, 'cell_name') or '',
        'availability_zone': _get(instance, 'availability_zone'),
        'created_at': _iso(_get(instance, 'created_at')),
        'launched_at': _iso(_get(instance, 'launched_at')),
        'terminated_at': _iso(_get(instance, 'terminated_at')),
        'deleted_at': _iso(_get(instance, 'deleted_at')),
        'state': _get(instance, 'vm_state'),
        'state_description': _get(instance, 'task_state') or '',
        'power_state': power_states.STATE_MAP.get(power),
        'progress': _get(instance, 'progress') or '',
        'image_ref_url': _get(instance, 'image_ref'),
        'metadata': dict(_get(instance, 'metadata') or {}),
        'fixed_ips': [dict(vif) for vif in
                      _get(instance, 'network_info') or []],
        'access_ip_v4': _get(instance, 'access_ip_v4'),
        'access_ip_v6': _get(instance, 'access_ip_v6'),
    }
