"""Instance actions and their events, as a child cell sends them up."""

from __future__ import annotations

import datetime
from typing import Any

from oslo_versionedobjects import fields

from nova.objects import base


class _FromDict:
    fields: dict[str, Any]
    obj_attr_is_set: Any    # from NovaObject, which the classes mix in

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Any:
        obj: Any = cls(**{k: values.get(k) for k in cls.fields})  # type: ignore[call-arg]
        obj.obj_reset_changes()
        return obj

    def to_dict(self) -> dict[str, Any]:
        """The fields set (a copy from another cell may lack some)."""
        return {name: getattr(self, name) for name in self.fields
                if self.obj_attr_is_set(name)}


@base.NovaObjectRegistry.register
class InstanceAction(_FromDict, base.NovaObject):
    # Version 1.0: initial version
    VERSION = '1.0'

    action: str | None
    instance_uuid: str
    request_id: str | None
    user_id: str | None
    project_id: str | None
    start_time: datetime.datetime | None
    finish_time: datetime.datetime | None
    message: str | None

    fields = {
        'action': fields.StringField(nullable=True),
        'instance_uuid': fields.UUIDField(),
        'request_id': fields.StringField(nullable=True),
        'user_id': fields.StringField(nullable=True),
        'project_id': fields.StringField(nullable=True),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'message': fields.StringField(nullable=True),
    }


@base.NovaObjectRegistry.register
class InstanceActionEvent(_FromDict, base.NovaObject):
    """One event, with what it takes to find its action elsewhere."""

    # Version 1.0: initial version
    VERSION = '1.0'

    instance_uuid: str
    request_id: str | None
    action: str | None
    event: str
    start_time: datetime.datetime | None
    finish_time: datetime.datetime | None
    result: str | None
    traceback: str | None
    host: str | None
    details: str | None

    fields = {
        'instance_uuid': fields.UUIDField(),
        'request_id': fields.StringField(nullable=True),
        'action': fields.StringField(nullable=True),
        'event': fields.StringField(),
        'start_time': fields.DateTimeField(nullable=True),
        'finish_time': fields.DateTimeField(nullable=True),
        'result': fields.StringField(nullable=True),
        'traceback': fields.StringField(nullable=True),
        'host': fields.StringField(nullable=True),
        'details': fields.StringField(nullable=True),
    }
