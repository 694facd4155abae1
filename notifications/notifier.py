"""Sending notifications: what one service of a cell emits, and what a
cell's database reports (``instance.update``, ``service.update``).

Every notification goes out on the broker of the cell where the change
happens, through the notifiers :class:`nova.rpc.NotifierFactory` builds.
With notifications off (no ``[oslo_messaging_notifications] driver``) a
:class:`Notifier` holds no notifier and builds no payload.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import datetime
from typing import Any
from typing import Protocol

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from nova import exception
from nova import objects
from nova.notifications import base
from nova.notifications import legacy
from nova.notifications import payloads

LOG = logging.getLogger(__name__)

# Failures that stop an action without it having failed: the instance
# went away, or another request changed its state first.
NOT_FAILURES: tuple[type[Exception], ...] = (exception.InstanceNotFound,
                                             exception.InstanceInvalidState)


class NotifierSource(Protocol):
    """Hands out a cell's oslo.messaging notifiers (``nova.rpc``)."""

    def versioned_notifier(self, publisher_id: str) -> Any: ...

    def legacy_notifier(self, publisher_id: str) -> Any: ...


class Notifier:
    """The notifications of one service (``binary``) on one host."""

    def __init__(self, conf: cfg.ConfigOpts, source: NotifierSource | None,
                 binary: str, host: str) -> None:
        self.binary = binary
        self.host = host
        self._conf = conf
        self._level = conf.notifications.default_level.lower()
        self._versioned = (source.versioned_notifier('%s:%s' % (binary, host))
                           if source is not None else None)
        # Nova's legacy publisher ids read ``compute.host1``.
        self._legacy = (source.legacy_notifier(
            '%s.%s' % (binary.removeprefix('nova-'), host))
            if source is not None else None)

    @property
    def enabled(self) -> bool:
        return self._versioned is not None or self._legacy is not None

    def _publisher(self) -> base.NotificationPublisher:
        return base.NotificationPublisher(host=self.host, source=self.binary)

    def _send(self, context: Any, notification_class: Any, priority: str,
              obj: str, action: str, phase: str | None,
              payload: Any) -> None:
        notification = notification_class(
            priority=priority,
            event_type=base.EventType(object=obj, action=action,
                                      phase=phase),
            publisher=self._publisher(), payload=payload)
        notification.emit(context, self._versioned)

    def _send_legacy(self, context: Any, priority: str, event_type: str,
                     payload: dict[str, Any]) -> None:
        getattr(self._legacy, priority)(context, event_type, payload)

    # -- instances ------------------------------------------------------

    def instance_action(self, context: Any, instance: objects.Instance,
                        action: str, phase: str | None = None,
                        fault: BaseException | None = None) -> None:
        """``instance.<action>[.<phase>]``; ``fault`` for an error."""
        if not self.enabled:
            return
        priority = 'error' if fault is not None else self._level
        try:
            if self._versioned is not None:
                if action == 'create':
                    payload: Any = payloads.InstanceCreatePayload.of(
                        context, instance, fault)
                    cls: Any = payloads.InstanceCreateNotification
                else:
                    payload = payloads.InstanceActionPayload.of(
                        context, instance, fault)
                    cls = payloads.InstanceActionNotification
                self._send(context, cls, priority, 'instance', action, phase,
                           payload)
            if self._legacy is not None:
                info = legacy.instance_info(instance)
                if fault is not None:
                    info['message'] = str(fault)
                    info['exception'] = type(fault).__name__
                self._send_legacy(context, priority, '.'.join(
                    p for p in ('compute.instance', action, phase) if p),
                    info)
        except Exception:
            # A notification never fails the action it reports.
            LOG.warning('Cannot notify instance.%s.%s of %s', action, phase,
                        instance.uuid, exc_info=True)

    @contextlib.contextmanager
    def action(self, context: Any, instance: objects.Instance, action: str,
               refresh: Callable[[], objects.Instance] | None = None
               ) -> Iterator[None]:
        """``instance.<action>.start`` now, then ``.end`` or ``.error``
        (with the failure; the failure is raised on).  ``refresh`` gives
        the instance as the action left it, for the end or error."""
        if not self.enabled:
            yield
            return
        self.instance_action(context, instance, action, 'start')
        try:
            yield
        except NOT_FAILURES:
            raise
        except Exception as error:
            self.instance_action(context, _current(instance, refresh),
                                 action, 'error', fault=error)
            raise
        self.instance_action(context, _current(instance, refresh), action,
                             'end')

    def instance_deleted(self, context: Any, row: dict[str, Any]) -> None:
        """``instance.delete.end`` of the row a delete left."""
        if not self.enabled:
            return
        instance = objects.Instance.from_db(row)
        # A soft-deleted row keeps its last states; Nova reports the
        # instance as deleted (vm_states.DELETED), its task done.
        instance.vm_state = 'deleted'
        instance.task_state = None
        self.instance_action(context, instance, 'delete', 'end')

    def instance_update(self, context: Any, instance: objects.Instance,
                        old_vm_state: str | None, old_task_state: str | None,
                        old_display_name: str | None = None) -> None:
        """``instance.update``, when ``[notifications]
        notify_on_state_change`` asks for this change."""
        mode = self._conf.notifications.notify_on_state_change
        vm_changed = old_vm_state != instance.vm_state
        task_changed = old_task_state != instance.task_state
        if not self.enabled or not mode or not (
                vm_changed or (mode == 'vm_and_task_state'
                               and task_changed)):
            return
        if mode == 'vm_state':
            # Nova reports the current task state as both old and new.
            old_task_state = instance.task_state
        try:
            if self._versioned is not None:
                self._send(context, payloads.InstanceUpdateNotification,
                           self._level, 'instance', 'update', None,
                           _update_payload(context, instance, old_vm_state,
                                           old_task_state,
                                           old_display_name))
            if self._legacy is not None:
                info = legacy.instance_info(instance)
                begin, end = _audit_period()
                info.update(old_state=old_vm_state,
                            old_task_state=old_task_state,
                            new_task_state=instance.task_state,
                            audit_period_beginning=begin.isoformat(),
                            audit_period_ending=end.isoformat(),
                            bandwidth={}, old_display_name=old_display_name)
                self._send_legacy(context, self._level,
                                  'compute.instance.update', info)
        except Exception:
            LOG.warning('Cannot notify instance.update of %s', instance.uuid,
                        exc_info=True)

    # -- services and cells ---------------------------------------------

    def service_update(self, context: Any, service: dict[str, Any],
                       action: str = 'update') -> None:
        """``service.update`` (or ``service.create``) of a service row."""
        if self._versioned is None:
            # Nova has no legacy notification of services.
            return
        try:
            payload = payloads.ServiceStatusPayload(
                host=service.get('host'), binary=service.get('binary'),
                topic=service.get('topic'),
                report_count=int(service.get('report_count') or 0),
                disabled=bool(service.get('disabled')),
                disabled_reason=service.get('disabled_reason'),
                availability_zone=None,
                last_seen_up=service.get('last_seen_up'),
                forced_down=bool(service.get('forced_down')),
                version=int(service.get('version') or 0),
                uuid=service.get('uuid'))
            self._send(context, payloads.ServiceStatusNotification,
                       self._level, 'service', action, None, payload)
        except Exception:
            LOG.warning('Cannot notify service.%s', action, exc_info=True)

    def server_group(self, context: Any, action: str,
                     group: dict[str, Any]) -> None:
        """``server_group.create``, ``.delete`` or ``.add_member`` (as
        Nova, versioned only)."""
        if self._versioned is None:
            return
        try:
            self._send(context, payloads.ServerGroupNotification,
                       self._level, 'server_group', action, None,
                       payloads.ServerGroupPayload.of(group))
        except Exception:
            LOG.warning('Cannot notify server_group.%s of %s', action,
                        group.get('uuid'), exc_info=True)

    def cell_capacity(self, context: Any, cell_name: str,
                      capacities: dict[str, Any]) -> None:
        """``cell.capacity.update``: the room a cell reports upward."""
        if self._versioned is None:
            return
        try:
            self._send(context, payloads.CellCapacityNotification,
                       self._level, 'cell', 'capacity', 'update',
                       payloads.CellCapacityPayload.of(cell_name,
                                                       capacities))
        except Exception:
            LOG.warning('Cannot notify cell.capacity.update',
                        exc_info=True)


def _current(instance: objects.Instance,
             refresh: Callable[[], objects.Instance] | None
             ) -> objects.Instance:
    if refresh is None:
        return instance
    try:
        return refresh()
    except Exception:
        # Gone (a delete won the race) or unreadable: the last known.
        return instance


def _audit_period() -> tuple[datetime.datetime, datetime.datetime]:
    """The current audit period: this calendar month so far (Nova's
    default ``instance_usage_audit_period``)."""
    now = timeutils.utcnow().replace(tzinfo=None, microsecond=0)
    return now.replace(day=1, hour=0, minute=0, second=0), now


def _update_payload(context: Any, instance: objects.Instance,
                    old_vm_state: str | None, old_task_state: str | None,
                    old_display_name: str | None
                    ) -> payloads.InstanceUpdatePayload:
    payload = payloads.InstanceUpdatePayload()
    payload.fill(context, instance)
    payload.state_update = payloads.InstanceStateUpdatePayload(
        old_state=old_vm_state, state=instance.vm_state,
        old_task_state=old_task_state, new_task_state=instance.task_state)
    begin, end = _audit_period()
    payload.audit_period = payloads.AuditPeriodPayload(
        audit_period_beginning=begin, audit_period_ending=end)
    payload.bandwidth = []
    payload.old_display_name = old_display_name
    payload.tags = []
    return payload


class DatabaseNotifier:
    """A database listener (``Database.add_listener``) of a cell that
    runs its instances: ``instance.update`` on a state change, published
    by the instance's compute host, and ``service.create``/``update`` of
    the cell's services, published by each service."""

    def __init__(self, conf: cfg.ConfigOpts, source: NotifierSource,
                 host: str, instances: bool = True) -> None:
        """``instances``: notify instance changes (not in the API cell,
        whose copies follow what the cells below notify)."""
        self._conf = conf
        self._source = source
        self._host = host
        self._instances = instances
        self._notifiers: dict[tuple[str, str], Notifier] = {}

    def _notifier(self, binary: str, host: str | None) -> Notifier:
        key = (binary, host or self._host)
        notifier = self._notifiers.get(key)
        if notifier is None:
            notifier = Notifier(self._conf, self._source, *key)
            self._notifiers[key] = notifier
        return notifier

    def __call__(self, context: Any, kind: str, values: dict[str, Any]
                 ) -> None:
        if kind == 'instance.state_change' and self._instances:
            instance = objects.Instance.from_db(values['instance'])
            host = instance.host
            notifier = (self._notifier('nova-compute', host) if host
                        else self._notifier('nova-cells', None))
            notifier.instance_update(context, instance,
                                     values['old_vm_state'],
                                     values['old_task_state'],
                                     values.get('old_display_name'))
        elif kind in ('service.create', 'service.update'):
            self._notifier(values['binary'], values['host']).service_update(
                context, values, action=kind.split('.')[1])
