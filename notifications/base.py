"""The frame of every versioned notification: its event type, publisher
and priority around a payload, and how it is sent.

A notification goes out as oslo.messaging's ``event_type`` (``instance.
reboot.start``), ``publisher_id`` (``nova-compute:host1``) and ``payload``:
the payload object's primitive, ``{"nova_object.name": ...,
"nova_object.namespace": "nova", "nova_object.version": ...,
"nova_object.data": {...}}``.  A consumer rebuilds the object with
``obj_from_primitive``.
"""

from __future__ import annotations

from typing import Any

from oslo_versionedobjects import fields

from nova.objects import base as objects_base

# oslo.messaging's Notifier has one method per priority.
PRIORITIES = ('audit', 'debug', 'info', 'warn', 'error', 'critical', 'sample')


class NotificationObject(objects_base.NovaObject):
    """Base of the notification objects.

    A notification is a snapshot, not a change of anything: its primitive
    carries no ``nova_object.changes``.
    """

    def obj_to_primitive(self, target_version: str | None = None,
                         version_manifest: Any = None) -> dict[str, Any]:
        primitive = super().obj_to_primitive(target_version,
                                             version_manifest)
        primitive.pop(self._obj_primitive_key('changes'), None)
        return primitive


@objects_base.NovaObjectRegistry.register
class EventType(NotificationObject):
    # Version 1.0: initial version
    VERSION = '1.0'

    object: str
    action: str
    phase: str | None

    fields = {
        'object': fields.StringField(),
        'action': fields.StringField(),
        'phase': fields.StringField(nullable=True),
    }

    def to_event_type(self) -> str:
        """``object.action`` or ``object.action.phase``."""
        parts = [self.object, self.action]
        if self.obj_attr_is_set('phase') and self.phase:
            parts.append(self.phase)
        return '.'.join(parts)


@objects_base.NovaObjectRegistry.register
class NotificationPublisher(NotificationObject):
    # Version 1.0: initial version
    VERSION = '1.0'

    host: str
    source: str

    fields = {
        'host': fields.StringField(),
        # The service that sent it: nova-compute, nova-api, nova-cells...
        'source': fields.StringField(),
    }

    def publisher_id(self) -> str:
        return '%s:%s' % (self.source, self.host)


class NotificationPayloadBase(NotificationObject):
    """A payload; ``SCHEMA`` maps a field to ``(source, attribute)`` for
    :meth:`populate_schema`."""

    SCHEMA: dict[str, tuple[str, str]] = {}

    def populate_schema(self, **sources: Any) -> None:
        """Copy the ``SCHEMA`` fields from the named source objects; an
        attribute the source does not hold becomes None."""
        for name, (source, attr) in self.SCHEMA.items():
            obj = sources[source]
            value = (getattr(obj, attr)
                     if obj.obj_attr_is_set(attr) else None)
            setattr(self, name, value)


class NotificationBase(NotificationObject):
    """A notification: priority, event type and publisher around a
    ``payload`` field each subclass defines."""

    priority: str
    event_type: EventType
    publisher: NotificationPublisher
    payload: Any

    fields = {
        'priority': fields.StringField(),
        'event_type': fields.ObjectField('EventType'),
        'publisher': fields.ObjectField('NotificationPublisher'),
    }

    def emit(self, context: Any, notifier: Any) -> None:
        """Send through ``notifier`` (an oslo.messaging Notifier)."""
        if self.priority not in PRIORITIES:
            raise ValueError('unknown notification priority %r'
                             % self.priority)
        send = getattr(notifier, self.priority)
        send(context, event_type=self.event_type.to_event_type(),
             payload=self.payload.obj_to_primitive())
