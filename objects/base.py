"""Object base classes, the registry and the RPC serializer."""

from __future__ import annotations

from typing import Any

from oslo_versionedobjects import base as ovo_base

from nova import context as nova_context


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass


class NovaObject(ovo_base.VersionedObject,
                 ovo_base.ComparableVersionedObject):
    OBJ_PROJECT_NAMESPACE = 'nova'
    OBJ_SERIAL_NAMESPACE = 'nova_object'

    def __repr__(self) -> str:
        shown = ', '.join('%s=%r' % (k, getattr(self, k))
                          for k in sorted(self.fields)
                          if self.obj_attr_is_set(k))
        return '%s(%s)' % (self.obj_name(), shown)


class NovaObjectSerializer(ovo_base.VersionedObjectSerializer):
    """Serializes objects and request contexts for oslo.messaging."""

    OBJ_BASE_CLASS = NovaObject

    def serialize_context(self, context: Any) -> dict[str, Any]:
        return context.to_dict()

    def deserialize_context(self, context: dict[str, Any]) -> Any:
        return nova_context.RequestContext.from_dict(context)
