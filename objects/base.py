"""Object base classes, the registry and the RPC serializer."""

from __future__ import annotations

from typing import Any

from oslo_versionedobjects import base as ovo_base

from nova import context as nova_context

# Where oslo.versionedobjects keeps a field's value on the object.
_ATTR_PREFIX = ovo_base._get_attrname('')


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass


class NovaObject(ovo_base.VersionedObject,
                 ovo_base.ComparableVersionedObject):
    OBJ_PROJECT_NAMESPACE = 'nova'
    OBJ_SERIAL_NAMESPACE = 'nova_object'

    # oslo.versionedobjects asks these of every field of an object each
    # time it is serialized (twice for what changed); the generic forms
    # rebuild the list of fields on every call and dominate the cost of
    # sending an instance.  Same answers, from the class's fields.

    def obj_attr_is_set(self, attrname: str) -> bool:
        if attrname in self.fields:
            return hasattr(self, _ATTR_PREFIX + attrname)
        return super().obj_attr_is_set(attrname)

    def obj_what_changed(self) -> set[str]:
        changes = {name for name in self._changed_fields
                   if name in self.fields}
        held = self.__dict__
        for name in self.fields:
            value = held.get(_ATTR_PREFIX + name)
            if isinstance(value, ovo_base.VersionedObject) and \
                    value.obj_what_changed():
                changes.add(name)
        return changes

    def __repr__(self) -> str:
        shown = ', '.join('%s=%r' % (k, getattr(self, k))
                          for k in sorted(self.fields)
                          if self.obj_attr_is_set(k))
        return '%s(%s)' % (self.obj_name(), shown)


# What the serializer hands on as it is, in both directions.
_LEAVES = frozenset({str, int, float, bool, type(None)})
# The key that marks an object's primitive.
_OBJECT_NAME = NovaObject.OBJ_SERIAL_NAMESPACE + '.name'


def _each_value(context: Any, entity: dict[str, Any] | list[Any],
                step: Any) -> Any:
    """A new plain dict or list of ``entity``'s values, each scalar as it
    is and anything else through ``step(context, value)``."""
    if type(entity) is dict:
        return {key: (value if type(value) in _LEAVES
                      else step(context, value))
                for key, value in entity.items()}
    return [value if type(value) in _LEAVES else step(context, value)
            for value in entity]


class NovaObjectSerializer(ovo_base.VersionedObjectSerializer):
    """Serializes objects and request contexts for oslo.messaging.

    oslo.versionedobjects walks every value of a message's arguments
    with two or three calls each, scalars included; a build's arguments
    hold a few hundred (its image's properties, its groups' rules, its
    flavor's fields), walked at each end of every hop.  Here scalars,
    plain dicts and plain lists are handled inline, with the same
    results; anything else (objects, tuples, sets, subclasses) goes the
    generic way.
    """

    OBJ_BASE_CLASS = NovaObject

    def serialize_entity(self, context: Any, entity: Any) -> Any:
        kind = type(entity)
        if kind in _LEAVES:
            return entity
        if kind is dict or kind is list:
            return _each_value(context, entity, self.serialize_entity)
        return super().serialize_entity(context, entity)

    def deserialize_entity(self, context: Any, entity: Any) -> Any:
        kind = type(entity)
        if kind in _LEAVES:
            return entity
        if kind is list or (kind is dict and _OBJECT_NAME not in entity):
            return _each_value(context, entity, self.deserialize_entity)
        return super().deserialize_entity(context, entity)

    def serialize_context(self, context: Any) -> dict[str, Any]:
        return context.to_dict()

    def deserialize_context(self, context: dict[str, Any]) -> Any:
        return nova_context.RequestContext.from_dict(context)
