"""Flavor: the size of an instance, with its extra specs."""

from __future__ import annotations

from typing import Any

from oslo_versionedobjects import fields

from nova.objects import base


@base.NovaObjectRegistry.register
class Flavor(base.NovaObject):
    # Version 1.0: initial version
    VERSION = '1.0'

    # The fields, for type checkers (oslo.versionedobjects makes them
    # properties at class creation).
    id: int | None
    flavorid: str
    name: str
    memory_mb: int
    vcpus: int
    root_gb: int
    ephemeral_gb: int
    swap: int
    rxtx_factor: float
    is_public: bool
    disabled: bool
    description: str | None
    extra_specs: dict[str, str | None]

    fields = {
        'id': fields.IntegerField(nullable=True),
        'flavorid': fields.StringField(),
        'name': fields.StringField(),
        'memory_mb': fields.IntegerField(),
        'vcpus': fields.IntegerField(),
        'root_gb': fields.IntegerField(default=0),
        'ephemeral_gb': fields.IntegerField(default=0),
        'swap': fields.IntegerField(default=0),
        'rxtx_factor': fields.FloatField(default=1.0),
        'is_public': fields.BooleanField(default=True),
        'disabled': fields.BooleanField(default=False),
        'description': fields.StringField(nullable=True),
        'extra_specs': fields.DictOfNullableStringsField(default={}),
    }

    @classmethod
    def from_db(cls, values: dict[str, Any]) -> Flavor:
        flavor = cls()
        for name, field in cls.fields.items():
            if name in values and values[name] is not None:
                setattr(flavor, name, values[name])
            elif field.default != fields.UnspecifiedDefault:
                setattr(flavor, name, field.default)
        flavor.obj_reset_changes()
        return flavor

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.fields
                if self.obj_attr_is_set(name)}
