"""The versioned payloads: what a notification says about an instance, a
service or a cell.

Names, fields and versions follow Nova's versioned notifications, so a
consumer written for Nova reads them: ``InstanceActionPayload`` 1.7 (with
the fields of ``InstancePayload``), ``InstanceCreatePayload`` 1.11,
``InstanceUpdatePayload`` 1.8, ``ServiceStatusPayload`` 1.1,
``ServerGroupPayload`` 1.1.  Fields of
features this stack lacks are present and empty (``block_devices`` is
None, ``tags`` an empty list).  ``CellCapacityPayload`` is this
project's own.
"""

from __future__ import annotations

import traceback as traceback_module
from typing import Any

from oslo_versionedobjects import fields

from nova import objects
from nova.compute import power_state as power_states
from nova.notifications import base
from nova.objects import base as objects_base
from nova.objects import fields as obj_fields

register = objects_base.NovaObjectRegistry.register


@register
class FlavorPayload(base.NotificationPayloadBase):
    # Version 1.4: the fields of Nova's FlavorPayload 1.4
    VERSION = '1.4'

    vcpu_weight: int | None
    projects: list[str] | None

    SCHEMA = {name: ('flavor', name) for name in (
        'flavorid', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'name',
        'swap', 'rxtx_factor', 'disabled', 'is_public', 'extra_specs',
        'description')}

    fields = {
        'flavorid': fields.StringField(nullable=True),
        'memory_mb': fields.IntegerField(nullable=True),
        'vcpus': fields.IntegerField(nullable=True),
        'root_gb': fields.IntegerField(nullable=True),
        'ephemeral_gb': fields.IntegerField(nullable=True),
        'name': fields.StringField(nullable=True),
        'swap': fields.IntegerField(nullable=True),
        'rxtx_factor': fields.FloatField(nullable=True),
        'vcpu_weight': fields.IntegerField(nullable=True),
        'disabled': fields.BooleanField(nullable=True),
        'is_public': fields.BooleanField(nullable=True),
        'extra_specs': fields.DictOfNullableStringsField(nullable=True),
        'description': fields.StringField(nullable=True),
        'projects': fields.ListOfStringsField(nullable=True),
    }

    @classmethod
    def of(cls, flavor: objects.Flavor | None) -> FlavorPayload:
        payload = cls()
        if flavor is None:
            for name in cls.fields:
                setattr(payload, name, None)
            return payload
        payload.populate_schema(flavor=flavor)
        payload.vcpu_weight = None
        # Which projects may use a private flavor is the API cell's to
        # know; the cell of the instance does not.
        payload.projects = None
        return payload


@register
class IpPayload(base.NotificationPayloadBase):
    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'label': fields.StringField(nullable=True),
        'mac': fields.StringField(nullable=True),
        'meta': fields.DictOfStringsField(),
        'port_uuid': fields.StringField(nullable=True),
        'version': fields.IntegerField(),
        'address': fields.StringField(),
        'device_name': fields.StringField(nullable=True),
    }

    @classmethod
    def from_network_info(cls, network_info: list[dict[str, Any]] | None
                          ) -> list[IpPayload]:
        return [cls(label=vif.get('label'), mac=vif.get('mac'), meta={},
                    # nova-network has no ports.
                    port_uuid=None, version=int(vif.get('version') or 4),
                    address=vif['address'], device_name=None)
                for vif in network_info or [] if vif.get('address')]


@register
class ExceptionPayload(base.NotificationPayloadBase):
    # Version 1.1: the fields of Nova's ExceptionPayload 1.1
    VERSION = '1.1'

    fields = {
        'module_name': fields.StringField(),
        'function_name': fields.StringField(),
        'exception': fields.StringField(),
        'exception_message': fields.StringField(),
        'traceback': fields.StringField(),
    }

    @classmethod
    def from_exception(cls, error: BaseException) -> ExceptionPayload:
        frames = traceback_module.extract_tb(error.__traceback__)
        last = frames[-1] if frames else None
        message = (error.format_message()  # type: ignore[attr-defined]
                   if hasattr(error, 'format_message') else str(error))
        return cls(
            module_name=type(error).__module__,
            function_name=last.name if last else '',
            exception=type(error).__name__,
            exception_message=message or type(error).__name__,
            traceback=''.join(traceback_module.format_exception(error)))


@register
class KeypairPayload(base.NotificationPayloadBase):
    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'user_id': fields.StringField(nullable=True),
        'name': fields.StringField(),
        'public_key': fields.StringField(nullable=True),
        'fingerprint': fields.StringField(nullable=True),
        'type': fields.StringField(),
    }


@register
class BlockDevicePayload(base.NotificationPayloadBase):
    """A volume of an instance: declared for the schema of
    ``InstancePayload.block_devices``; this stack has no volumes."""

    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'device_name': fields.StringField(nullable=True),
        'boot_index': fields.IntegerField(nullable=True),
        'delete_on_termination': fields.BooleanField(),
        'volume_id': fields.UUIDField(),
        'tag': fields.StringField(nullable=True),
    }


@register
class InstancePayload(base.NotificationPayloadBase):
    # Version 1.7: the fields of Nova's InstancePayload 1.7
    VERSION = '1.7'

    # The fields set outside SCHEMA, for type checkers.
    uuid: str
    user_id: str | None
    key_name: str | None
    power_state: str | None
    os_type: str | None
    architecture: str | None
    kernel_id: str | None
    ramdisk_id: str | None
    flavor: FlavorPayload
    ip_addresses: list[IpPayload]
    block_devices: list[Any] | None
    metadata: dict[str, str | None]
    locked: bool
    auto_disk_config: str | None
    request_id: str | None
    action_initiator_user: str | None
    action_initiator_project: str | None

    SCHEMA = {
        'uuid': ('instance', 'uuid'),
        'user_id': ('instance', 'user_id'),
        'tenant_id': ('instance', 'project_id'),
        'reservation_id': ('instance', 'reservation_id'),
        'display_name': ('instance', 'display_name'),
        'display_description': ('instance', 'display_description'),
        'host_name': ('instance', 'hostname'),
        'host': ('instance', 'host'),
        'node': ('instance', 'node'),
        'availability_zone': ('instance', 'availability_zone'),
        'image_uuid': ('instance', 'image_ref'),
        'key_name': ('instance', 'key_name'),
        'created_at': ('instance', 'created_at'),
        'launched_at': ('instance', 'launched_at'),
        'terminated_at': ('instance', 'terminated_at'),
        'deleted_at': ('instance', 'deleted_at'),
        'updated_at': ('instance', 'updated_at'),
        'state': ('instance', 'vm_state'),
        'task_state': ('instance', 'task_state'),
        'progress': ('instance', 'progress'),
    }

    fields = {
        'uuid': fields.UUIDField(),
        'user_id': fields.StringField(nullable=True),
        'tenant_id': fields.StringField(nullable=True),
        'reservation_id': fields.StringField(nullable=True),
        'display_name': fields.StringField(nullable=True),
        'display_description': fields.StringField(nullable=True),
        'host_name': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'node': fields.StringField(nullable=True),
        'os_type': fields.StringField(nullable=True),
        'architecture': fields.StringField(nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'flavor': fields.ObjectField('FlavorPayload'),
        'image_uuid': fields.StringField(nullable=True),
        'key_name': fields.StringField(nullable=True),
        'kernel_id': fields.StringField(nullable=True),
        'ramdisk_id': fields.StringField(nullable=True),
        'created_at': obj_fields.DateTimeField(nullable=True),
        'launched_at': obj_fields.DateTimeField(nullable=True),
        'terminated_at': obj_fields.DateTimeField(nullable=True),
        'deleted_at': obj_fields.DateTimeField(nullable=True),
        'updated_at': obj_fields.DateTimeField(nullable=True),
        'state': fields.StringField(nullable=True),
        'power_state': fields.StringField(nullable=True),
        'task_state': fields.StringField(nullable=True),
        'progress': fields.IntegerField(nullable=True),
        'ip_addresses': fields.ListOfObjectsField('IpPayload'),
        # No volumes in this stack: always None, as in Nova with
        # [notifications] bdms_in_notifications off.
        'block_devices': fields.ListOfObjectsField('BlockDevicePayload',
                                                   nullable=True),
        'metadata': fields.DictOfNullableStringsField(),
        'locked': fields.BooleanField(),
        'auto_disk_config': fields.StringField(nullable=True),
        'request_id': fields.StringField(nullable=True),
        'action_initiator_user': fields.StringField(nullable=True),
        'action_initiator_project': fields.StringField(nullable=True),
    }

    def fill(self, context: Any, instance: objects.Instance) -> None:
        """Every field of ``InstancePayload`` from ``instance`` and the
        request ``context`` that acts on it."""
        self.populate_schema(instance=instance)
        power = (instance.power_state
                 if instance.obj_attr_is_set('power_state') else None)
        self.power_state = (power_states.STATE_MAP.get(power)
                            if power is not None else None)
        self.os_type = self.architecture = None
        self.kernel_id = self.ramdisk_id = None
        self.flavor = FlavorPayload.of(
            instance.flavor if instance.obj_attr_is_set('flavor') else None)
        self.ip_addresses = IpPayload.from_network_info(
            instance.network_info if instance.obj_attr_is_set('network_info')
            else None)
        self.block_devices = None
        self.metadata = dict(instance.metadata
                             if instance.obj_attr_is_set('metadata') else {})
        self.locked = bool(instance.obj_attr_is_set('locked')
                           and instance.locked)
        disk_config = (instance.auto_disk_config
                       if instance.obj_attr_is_set('auto_disk_config')
                       else None)
        self.auto_disk_config = (None if disk_config is None
                                 else 'AUTO' if disk_config else 'MANUAL')
        user_id = getattr(context, 'user_id', None)
        project_id = getattr(context, 'project_id', None)
        # A periodic task's context acts for nobody: no request id.
        self.request_id = (getattr(context, 'request_id', None)
                           if user_id and project_id else None)
        self.action_initiator_user = user_id
        self.action_initiator_project = project_id


@register
class InstanceActionPayload(InstancePayload):
    # Version 1.7: the fields of Nova's InstanceActionPayload 1.7
    VERSION = '1.7'

    fault: ExceptionPayload | None

    fields = dict(InstancePayload.fields, **{
        'fault': fields.ObjectField('ExceptionPayload', nullable=True),
    })

    @classmethod
    def of(cls, context: Any, instance: objects.Instance,
           fault: BaseException | None = None) -> InstanceActionPayload:
        payload = cls()
        payload.fill(context, instance)
        payload.fault = (ExceptionPayload.from_exception(fault)
                         if fault is not None else None)
        return payload


@register
class InstanceCreatePayload(InstanceActionPayload):
    # Version 1.11: the fields of Nova's InstanceCreatePayload 1.11
    VERSION = '1.11'

    keypairs: list[KeypairPayload]
    tags: list[str]
    trusted_image_certificates: list[str] | None
    instance_name: str | None

    fields = dict(InstanceActionPayload.fields, **{
        'keypairs': fields.ListOfObjectsField('KeypairPayload'),
        'tags': fields.ListOfStringsField(),
        'trusted_image_certificates': fields.ListOfStringsField(
            nullable=True),
        'instance_name': fields.StringField(nullable=True),
    })

    @classmethod
    def of(cls, context: Any, instance: objects.Instance,
           fault: BaseException | None = None) -> InstanceCreatePayload:
        payload = super().of(context, instance, fault)
        assert isinstance(payload, InstanceCreatePayload)
        key_name = payload.key_name
        payload.keypairs = [KeypairPayload(
            user_id=instance.user_id, name=key_name,
            public_key=instance.key_data, fingerprint=None, type='ssh')
        ] if key_name else []
        payload.tags = []
        payload.trusted_image_certificates = None
        instance_id = instance.id if instance.obj_attr_is_set('id') else None
        payload.instance_name = ('instance-%08x' % instance_id
                                 if instance_id else None)
        return payload


@register
class InstanceStateUpdatePayload(base.NotificationPayloadBase):
    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'old_state': fields.StringField(nullable=True),
        'state': fields.StringField(nullable=True),
        'old_task_state': fields.StringField(nullable=True),
        'new_task_state': fields.StringField(nullable=True),
    }


@register
class AuditPeriodPayload(base.NotificationPayloadBase):
    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'audit_period_beginning': obj_fields.DateTimeField(),
        'audit_period_ending': obj_fields.DateTimeField(),
    }


@register
class BandwidthPayload(base.NotificationPayloadBase):
    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'network_name': fields.StringField(),
        'in_bytes': fields.IntegerField(),
        'out_bytes': fields.IntegerField(),
    }


@register
class InstanceUpdatePayload(InstancePayload):
    # Version 1.8: the fields of Nova's InstanceUpdatePayload 1.8
    VERSION = '1.8'

    state_update: InstanceStateUpdatePayload
    audit_period: AuditPeriodPayload
    bandwidth: list[BandwidthPayload]
    old_display_name: str | None
    tags: list[str]

    fields = dict(InstancePayload.fields, **{
        'state_update': fields.ObjectField('InstanceStateUpdatePayload'),
        'audit_period': fields.ObjectField('AuditPeriodPayload'),
        'bandwidth': fields.ListOfObjectsField('BandwidthPayload'),
        'old_display_name': fields.StringField(nullable=True),
        'tags': fields.ListOfStringsField(),
    })


@register
class ServiceStatusPayload(base.NotificationPayloadBase):
    # Version 1.1: the fields of Nova's ServiceStatusPayload 1.1
    VERSION = '1.1'

    SCHEMA = {name: ('service', name) for name in (
        'host', 'binary', 'topic', 'report_count', 'disabled',
        'disabled_reason', 'last_seen_up')}

    fields = {
        'host': fields.StringField(nullable=True),
        'binary': fields.StringField(nullable=True),
        'topic': fields.StringField(nullable=True),
        'report_count': fields.IntegerField(),
        'disabled': fields.BooleanField(),
        'disabled_reason': fields.StringField(nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'last_seen_up': obj_fields.DateTimeField(nullable=True),
        'forced_down': fields.BooleanField(),
        'version': fields.IntegerField(),
        'uuid': fields.StringField(nullable=True),
    }


@register
class ServerGroupPayload(base.NotificationPayloadBase):
    # Version 1.1: the fields of Nova's ServerGroupPayload 1.1 (policy and
    # rules besides the list of one policy)
    VERSION = '1.1'

    fields = {
        'uuid': fields.UUIDField(),
        'name': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'policies': fields.ListOfStringsField(nullable=True),
        'members': fields.ListOfStringsField(nullable=True),
        'hosts': fields.ListOfStringsField(nullable=True),
        'policy': fields.StringField(nullable=True),
        'rules': fields.DictOfStringsField(),
    }

    @classmethod
    def of(cls, group: dict[str, Any]) -> ServerGroupPayload:
        placed = group.get('placed') or []
        return cls(uuid=group['uuid'], name=group.get('name'),
                   user_id=group.get('user_id'),
                   project_id=group.get('project_id'),
                   policies=[group['policy']], policy=group['policy'],
                   members=list(group.get('members') or []),
                   hosts=sorted({m['host'] for m in placed
                                 if m.get('host')}),
                   rules={k: str(v) for k, v in
                          (group.get('rules') or {}).items()})


@register
class CellCapacityPayload(base.NotificationPayloadBase):
    """The free room a cell reports to its parents, its children's
    included (this project's: cells v1 had no such notification)."""

    # Version 1.0: initial version
    VERSION = '1.0'

    fields = {
        'cell_name': fields.StringField(),
        'ram_free_mb': fields.IntegerField(),
        'disk_free_mb': fields.IntegerField(),
        # How many instances of each size (in MB, as a string) still fit.
        'ram_units_by_mb': fields.DictOfIntegersField(),
        'disk_units_by_mb': fields.DictOfIntegersField(),
    }

    @classmethod
    def of(cls, cell_name: str, capacities: dict[str, Any]
           ) -> CellCapacityPayload:
        ram = capacities.get('ram_free') or {}
        disk = capacities.get('disk_free') or {}
        return cls(cell_name=cell_name,
                   ram_free_mb=int(ram.get('total_mb', 0)),
                   disk_free_mb=int(disk.get('total_mb', 0)),
                   ram_units_by_mb={str(k): int(v) for k, v in
                                    (ram.get('units_by_mb') or {}).items()},
                   disk_units_by_mb={str(k): int(v) for k, v in
                                     (disk.get('units_by_mb') or {}).items()})


def _notification(name: str, payload: str) -> type[base.NotificationBase]:
    """A notification class carrying a ``payload`` of class ``payload``."""
    cls = type(name, (base.NotificationBase,), {
        'VERSION': '1.0',
        'fields': dict(base.NotificationBase.fields,
                       payload=fields.ObjectField(payload)),
    })
    return register(cls)


InstanceActionNotification = _notification('InstanceActionNotification',
                                           'InstanceActionPayload')
InstanceCreateNotification = _notification('InstanceCreateNotification',
                                           'InstanceCreatePayload')
InstanceUpdateNotification = _notification('InstanceUpdateNotification',
                                           'InstanceUpdatePayload')
ServiceStatusNotification = _notification('ServiceStatusNotification',
                                          'ServiceStatusPayload')
CellCapacityNotification = _notification('CellCapacityNotification',
                                         'CellCapacityPayload')
ServerGroupNotification = _notification('ServerGroupNotification',
                                         'ServerGroupPayload')
