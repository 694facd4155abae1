"""Instance: one server, as it crosses services and cells."""

from __future__ import annotations

import datetime
import json
from typing import Any

from oslo_utils import versionutils
from oslo_versionedobjects import fields

from nova.objects import base
from nova.objects import fields as obj_fields
from nova.objects.flavor import Flavor

# Fields stored in instance columns (the rest come from side tables or are
# computed).
_COLUMN_FIELDS = (
    'id', 'uuid', 'user_id', 'project_id', 'display_name',
    'display_description', 'hostname', 'image_ref', 'key_name', 'key_data',
    'user_data', 'scheduler_hints', 'instance_type_id', 'memory_mb',
    'vcpus', 'root_gb',
    'ephemeral_gb', 'vm_state', 'task_state', 'power_state', 'host', 'node',
    'cell_name', 'availability_zone', 'reservation_id', 'launch_index',
    'launched_at', 'terminated_at', 'locked', 'locked_by', 'access_ip_v4',
    'access_ip_v6', 'auto_disk_config', 'progress', 'sync_version',
    'api_version', 'created_at', 'updated_at', 'deleted_at', 'deleted',
)
_SIDE_FIELDS = ('metadata', 'system_metadata', 'network_info', 'tags')

__all__ = ['Instance', 'InstanceFault']


@base.NovaObjectRegistry.register
class InstanceFault(base.NovaObject):
    # Version 1.0: initial version
    VERSION = '1.0'

    instance_uuid: str
    code: int
    message: str | None
    details: str | None
    host: str | None
    created_at: datetime.datetime | None

    fields = {
        'instance_uuid': fields.UUIDField(),
        'code': fields.IntegerField(),
        'message': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'created_at': obj_fields.DateTimeField(nullable=True),
    }

    @classmethod
    def from_db(cls, values: dict[str, Any]) -> InstanceFault:
        fault = cls(**{k: values.get(k) for k in cls.fields})
        fault.obj_reset_changes()
        return fault


@base.NovaObjectRegistry.register
class Instance(base.NovaObject):
    # Version 1.0: initial version
    # Version 1.1: api_version
    # Version 1.2: access_ip_v6
    # Version 1.3: auto_disk_config
    # Version 1.4: tags
    # Version 1.5: scheduler_hints
    VERSION = '1.5'

    # The fields, for type checkers (oslo.versionedobjects makes them
    # properties at class creation).
    id: int | None
    uuid: str
    user_id: str | None
    project_id: str | None
    display_name: str | None
    display_description: str | None
    hostname: str | None
    image_ref: str | None
    key_name: str | None
    key_data: str | None
    user_data: str | None
    scheduler_hints: str | None
    flavor: Flavor | None
    instance_type_id: int | None
    memory_mb: int | None
    vcpus: int | None
    root_gb: int | None
    ephemeral_gb: int | None
    vm_state: str | None
    task_state: str | None
    power_state: int | None
    host: str | None
    node: str | None
    cell_name: str | None
    availability_zone: str | None
    reservation_id: str | None
    launch_index: int | None
    launched_at: datetime.datetime | None
    terminated_at: datetime.datetime | None
    locked: bool
    locked_by: str | None
    access_ip_v4: str | None
    access_ip_v6: str | None
    auto_disk_config: bool | None
    progress: int | None
    sync_version: int
    api_version: int
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    deleted_at: datetime.datetime | None
    deleted: bool
    metadata: dict[str, str | None]
    system_metadata: dict[str, str | None]
    network_info: list[dict[str, str | None]]
    tags: list[str]
    fault: InstanceFault | None

    fields = {
        'id': fields.IntegerField(nullable=True),
        'uuid': fields.UUIDField(),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'display_name': fields.StringField(nullable=True),
        'display_description': fields.StringField(nullable=True),
        'hostname': fields.StringField(nullable=True),
        'image_ref': fields.StringField(nullable=True),
        'key_name': fields.StringField(nullable=True),
        'key_data': fields.StringField(nullable=True),
        'user_data': fields.StringField(nullable=True),
        # What the create named, as JSON text (see compute.api.create).
        'scheduler_hints': fields.StringField(nullable=True),
        'flavor': fields.ObjectField('Flavor', nullable=True),
        'instance_type_id': fields.IntegerField(nullable=True),
        'memory_mb': fields.IntegerField(nullable=True),
        'vcpus': fields.IntegerField(nullable=True),
        'root_gb': fields.IntegerField(nullable=True),
        'ephemeral_gb': fields.IntegerField(nullable=True),
        'vm_state': fields.StringField(nullable=True),
        'task_state': fields.StringField(nullable=True),
        'power_state': fields.IntegerField(nullable=True),
        'host': fields.StringField(nullable=True),
        'node': fields.StringField(nullable=True),
        'cell_name': fields.StringField(nullable=True),
        'availability_zone': fields.StringField(nullable=True),
        'reservation_id': fields.StringField(nullable=True),
        'launch_index': fields.IntegerField(nullable=True),
        'launched_at': obj_fields.DateTimeField(nullable=True),
        'terminated_at': obj_fields.DateTimeField(nullable=True),
        'locked': fields.BooleanField(default=False),
        'locked_by': fields.StringField(nullable=True),
        'access_ip_v4': fields.StringField(nullable=True),
        'access_ip_v6': fields.StringField(nullable=True),
        'auto_disk_config': fields.BooleanField(nullable=True),
        'progress': fields.IntegerField(nullable=True),
        'sync_version': fields.IntegerField(default=0),
        'api_version': fields.IntegerField(default=0),
        'created_at': obj_fields.DateTimeField(nullable=True),
        'updated_at': obj_fields.DateTimeField(nullable=True),
        'deleted_at': obj_fields.DateTimeField(nullable=True),
        'deleted': fields.BooleanField(default=False),
        'metadata': fields.DictOfNullableStringsField(default={}),
        'system_metadata': fields.DictOfNullableStringsField(default={}),
        'network_info': fields.ListOfDictOfNullableStringsField(default=[]),
        'tags': fields.ListOfStringsField(default=[]),
        'fault': fields.ObjectField('InstanceFault', nullable=True),
    }

    @classmethod
    def from_db(cls, values: dict[str, Any],
                fault: dict[str, Any] | None = None) -> Instance:
        """Build an instance from a row dict of the database layer."""
        instance = cls()
        for name in _COLUMN_FIELDS + _SIDE_FIELDS:
            if name not in values:
                continue
            value = values[name]
            if name == 'deleted':
                value = bool(value)
            elif name == 'network_info':
                value = [{k: None if v is None else str(v)
                          for k, v in vif.items()} for vif in value or []]
            setattr(instance, name, value)
        flavor = values.get('flavor')
        if isinstance(flavor, str):
            instance.flavor = Flavor.from_db(json.loads(flavor))
        elif isinstance(flavor, Flavor):
            instance.flavor = flavor
        else:
            instance.flavor = None
        instance.fault = (InstanceFault.from_db(fault) if fault else None)
        instance.obj_reset_changes()
        return instance

    def obj_make_compatible(self, primitive: dict[str, Any],
                            target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        if target < (1, 5):
            primitive.pop('scheduler_hints', None)
        if target < (1, 4):
            primitive.pop('tags', None)
        if target < (1, 3):
            primitive.pop('auto_disk_config', None)
        if target < (1, 2):
            primitive.pop('access_ip_v6', None)

    def to_db_values(self, changes_only: bool = False) -> dict[str, Any]:
        """Column and side-table values for the database layer."""
        names = (self.obj_what_changed() if changes_only
                 else {n for n in self.fields if self.obj_attr_is_set(n)})
        values: dict[str, Any] = {}
        for name in names:
            if name in ('fault', 'deleted', 'id'):
                continue
            value = getattr(self, name)
            if name == 'flavor':
                values['flavor'] = (json.dumps(value.to_dict())
                                    if value is not None else None)
                continue
            if isinstance(value, datetime.datetime) and value.tzinfo:
                # Columns hold naive UTC.
                value = value.astimezone(datetime.UTC).replace(
                    tzinfo=None)
            values[name] = value
        return values
