"""ImageMeta: an image of the API cell's registry, as it travels with a
request (build, rebuild, rescue, snapshot, shelve, unshelve)."""

from __future__ import annotations

import datetime
from typing import Any

from oslo_versionedobjects import fields

from nova.objects import base


@base.NovaObjectRegistry.register
class ImageMeta(base.NovaObject):
    # Version 1.0: initial version
    VERSION = '1.0'

    id: str
    name: str | None
    status: str
    is_public: bool
    owner: str | None
    size: int | None
    min_ram: int
    min_disk: int
    container_format: str | None
    disk_format: str | None
    properties: dict[str, str | None]
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None

    fields = {
        'id': fields.StringField(),
        'name': fields.StringField(nullable=True),
        'status': fields.StringField(default='active'),
        'is_public': fields.BooleanField(default=False),
        'owner': fields.StringField(nullable=True),
        'size': fields.IntegerField(nullable=True),
        'min_ram': fields.IntegerField(default=0),
        'min_disk': fields.IntegerField(default=0),
        'container_format': fields.StringField(nullable=True),
        'disk_format': fields.StringField(nullable=True),
        'properties': fields.DictOfNullableStringsField(default={}),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ImageMeta:
        """From an image dict of the registry (or of a request spec)."""
        image = cls()
        for name, field in cls.fields.items():
            value = values.get(name)
            if name == 'properties' and value is not None:
                value = {str(k): None if v is None else str(v)
                         for k, v in value.items()}
            if value is not None:
                setattr(image, name, value)
            elif field.nullable:
                setattr(image, name, None)
            elif field.default != fields.UnspecifiedDefault:
                setattr(image, name, field.default)
        image.obj_reset_changes()
        return image

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.fields
                if self.obj_attr_is_set(name)}
