"""Receiving notifications as a consumer does, and checking each payload
against the schema of its versioned object."""

from __future__ import annotations

import threading
from typing import Any

import jsonschema
from oslo_versionedobjects import fields as ovo_fields

from nova import rpc
from nova.notifications import payloads  # noqa: F401  (registers them)
from nova.objects import base as objects_base
from nova.tools.polling import wait_for


class Collector:
    """A notification listener's endpoint: keeps what arrives, in order."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _keep(self, priority: str, publisher_id: str, event_type: str,
              payload: Any) -> None:
        with self._lock:
            self.received.append({'priority': priority,
                                  'publisher_id': publisher_id,
                                  'event_type': event_type,
                                  'payload': payload})

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._keep('INFO', publisher_id, event_type, payload)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._keep('ERROR', publisher_id, event_type, payload)

    def of(self, uuid: str, prefix: str = 'instance.') -> list[dict]:
        """What was received about instance ``uuid``."""
        with self._lock:
            return [n for n in self.received
                    if n['event_type'].startswith(prefix)
                    and _data(n['payload']).get('uuid') == uuid]

    def event_types(self, uuid: str, skip_updates: bool = True
                    ) -> list[str]:
        return [n['event_type'] for n in self.of(uuid)
                if not (skip_updates and n['event_type'] == 'instance.update')]

    def wait_for_event(self, uuid: str, event_type: str,
                       timeout: float = 10.0) -> None:
        wait_for(lambda: event_type in self.event_types(uuid, False),
                 timeout, what='%s of %s' % (event_type, uuid))


def _data(payload: Any) -> dict[str, Any]:
    return payload.get('nova_object.data', {}) if isinstance(
        payload, dict) else {}


def boot_in(tree: Any, cell: str, name: str, **kwargs: Any) -> tuple[
        Any, str]:
    """Boot a server in child ``cell`` (an administrator's hint) and wait
    until it is ACTIVE; returns the helpers' Servers and its uuid."""
    from nova.compute import vm_states
    from nova.tests.functional import server_helpers as helpers
    servers = helpers.Servers(tree, child=cell)
    admin = helpers.admin()
    flavor = servers.api.flavor_get(admin, '1')
    [instance], _ = servers.api.create(
        admin, flavor, helpers.IMAGE, name,
        scheduler_hints={'target_cell': 'api!' + cell}, **kwargs)
    servers.settled(instance.uuid, vm_state=vm_states.ACTIVE)
    return servers, instance.uuid


def listen(conf: Any, topics: list[str] | None = None,
           pool: str | None = None) -> tuple[Any, Collector]:
    """A started listener on a cell's broker and its collector."""
    collector = Collector()
    topics = topics or list(
        conf.notifications.versioned_notifications_topics)
    listener = rpc.get_notification_listener(conf, topics, [collector],
                                             pool=pool)
    listener.start()
    return listener, collector


def stop(listener: Any) -> None:
    listener.stop()
    listener.wait()
    listener.transport.cleanup()


# -- the schema of a versioned object ---------------------------------

_SCALARS = (
    (ovo_fields.UUID, {'type': 'string', 'format': 'uuid'}),
    (ovo_fields.String, {'type': 'string'}),
    (ovo_fields.Integer, {'type': 'integer'}),
    (ovo_fields.Float, {'type': 'number'}),
    (ovo_fields.Boolean, {'type': 'boolean'}),
    (ovo_fields.DateTime, {'type': 'string',
                           'pattern': r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'}),
)


def _field_schema(field: Any) -> dict[str, Any]:
    kind = field.AUTO_TYPE if hasattr(field, 'AUTO_TYPE') else field._type
    schema = _type_schema(kind)
    if field.nullable:
        schema = {'anyOf': [schema, {'type': 'null'}]}
    return schema


def _type_schema(kind: Any) -> dict[str, Any]:
    if isinstance(kind, ovo_fields.Object):
        return object_schema(objects_base.NovaObjectRegistry.obj_classes()[
            kind._obj_name][0])
    if isinstance(kind, ovo_fields.List):
        return {'type': 'array', 'items': _type_schema(kind._element_type)}
    if isinstance(kind, ovo_fields.Dict):
        return {'type': 'object',
                'additionalProperties': _type_schema(kind._element_type)}
    if isinstance(kind, ovo_fields.FieldType) and hasattr(kind, '_type'):
        return _type_schema(kind._type)
    if isinstance(kind, ovo_fields.Field):
        return _field_schema(kind)
    for cls, schema in _SCALARS:
        if isinstance(kind, cls):
            return dict(schema)
    raise AssertionError('no schema for %r' % kind)


def object_schema(cls: Any) -> dict[str, Any]:
    """The JSON schema of ``cls``'s primitive: name, namespace, version and
    every field, each of its declared type."""
    return {
        'type': 'object',
        'required': ['nova_object.name', 'nova_object.namespace',
                     'nova_object.version', 'nova_object.data'],
        'additionalProperties': False,
        'properties': {
            'nova_object.name': {'const': cls.obj_name()},
            'nova_object.namespace': {'const': 'nova'},
            'nova_object.version': {'const': cls.VERSION},
            'nova_object.data': {
                'type': 'object', 'additionalProperties': False,
                'required': sorted(cls.fields),
                'properties': {name: _field_schema(field)
                               for name, field in cls.fields.items()}},
        },
    }


def check_payload(payload: dict[str, Any]) -> Any:
    """Validate a received payload against its object's schema and
    rebuild the object from it; returns the object."""
    name = payload['nova_object.name']
    cls = objects_base.NovaObjectRegistry.obj_classes()[name][0]
    jsonschema.validate(payload, object_schema(cls))
    obj = cls.obj_from_primitive(payload)
    assert obj.obj_to_primitive() == payload
    return obj
