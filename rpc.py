"""The only place transports, RPC clients and RPC servers are built.

Every service of a cell talks over that cell's transport (``[DEFAULT]
transport_url``).  nova-cells also keeps one transport per neighbour cell
in a :class:`TransportCache`, so a message to a neighbour reuses an open
connection instead of opening one per message.
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging
from oslo_messaging._drivers import impl_rabbit
from oslo_utils import netutils

from nova import exception
from nova import urls
from nova.objects import base as objects_base

LOG = logging.getLogger(__name__)


def _kombu_url(self: Any, url: oslo_messaging.TransportURL,
               host: oslo_messaging.TransportHost,
               default_username: str = '', default_password: str = '',
               default_hostname: str = '') -> str:
    """The URL the rabbit driver hands kombu for one broker host.

    oslo.messaging 18 quotes the credentials with ``quote()``'s default,
    which leaves ``/`` alone: a password holding one cut the URL short,
    kombu read its first part as a port, failed, and the driver logged
    that part on every retry.  Quoting everything, as kombu unquotes
    everything, keeps any password whole and out of the logs.
    """
    scheme = url.transport.replace('kombu+', '').replace('rabbit', 'amqp')
    return '%s://%s:%s@%s:%d/%s' % (
        scheme,
        urls.quote_credential(host.username or default_username),
        urls.quote_credential(host.password or default_password),
        netutils.escape_ipv6(host.hostname) or default_hostname,
        host.port or 5672,
        urls.quote_credential(url.virtual_host or ''))


# Transports are built here only, so this is where the rabbit driver
# learns to quote.
impl_rabbit.Connection._transform_transport_url = _kombu_url


def get_transport(conf: cfg.ConfigOpts, url: str | None = None
                  ) -> oslo_messaging.Transport:
    """An RPC transport for ``url`` (default: this cell's broker)."""
    try:
        return oslo_messaging.get_rpc_transport(
            conf, url=url,
            allowed_remote_exmods=exception.ALLOWED_REMOTE_EXMODS)
    except oslo_messaging.InvalidTransportURL as exc:
        raise exception.InvalidInput(
            reason='invalid transport URL: %s' % exc.__class__.__name__
        ) from exc


def get_serializer() -> objects_base.NovaObjectSerializer:
    return objects_base.NovaObjectSerializer()


class EnvelopeSerializer(oslo_messaging.NoOpSerializer):
    """For inter-cell messages: the payload is primitive already and
    carries its own request context, so the envelope carries none (it
    would be a second copy of the same thirty fields on every hop)."""

    def serialize_context(self, context: Any) -> dict[str, Any]:
        return {}


def get_client(transport: oslo_messaging.Transport,
               target: oslo_messaging.Target,
               version_cap: str | None = None,
               timeout: float | None = None,
               serializer: Any = None) -> oslo_messaging.RPCClient:
    return oslo_messaging.get_rpc_client(
        transport, target, version_cap=version_cap, timeout=timeout,
        serializer=serializer or get_serializer())


def get_server(transport: oslo_messaging.Transport,
               target: oslo_messaging.Target,
               endpoints: list[Any],
               serializer: Any = None
               ) -> oslo_messaging.MessageHandlingServer:
    """A threaded RPC server (native threads, no eventlet).

    oslo.messaging picks its threading executor itself when nothing is
    monkey-patched (and nothing here is); naming it is deprecated.
    """
    return oslo_messaging.get_rpc_server(
        transport, target, endpoints,
        serializer=serializer or get_serializer(),
        access_policy=oslo_messaging.DefaultRPCAccessPolicy)


def stop_servers(servers: list[oslo_messaging.MessageHandlingServer]
                 ) -> None:
    """Stop RPC servers and wait for them, all at once.

    Waiting for a server joins its idle worker threads, which notice the
    stop within a second; done one after another that adds up, so the
    waits run side by side.
    """
    # stop() itself can block until a listener's current poll of the
    # broker ends (a few seconds on RabbitMQ): stop them side by side too.
    concurrently([server.stop for server in servers])
    concurrently([server.wait for server in servers])


def concurrently(funcs: list[Any]) -> None:
    """Run ``funcs`` in threads of their own and wait for all of them."""
    threads = [threading.Thread(target=f, daemon=True) for f in funcs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class NotifierFactory:
    """The notifiers of one cell, on that cell's broker.

    The transport is oslo.messaging's notification transport
    (``[oslo_messaging_notifications] transport_url``, else the cell's own
    ``transport_url``), built on first use.  With no notification driver
    (oslo.messaging's default, or ``noop``) nothing is built and every
    notifier asked for is None, so callers build no payload either.
    """

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._conf = conf
        drivers = set(conf.oslo_messaging_notifications.driver) - {'noop', ''}
        kind = conf.notifications.notification_format
        self.versioned = bool(drivers) and kind in ('versioned', 'both')
        self.legacy = bool(drivers) and kind in ('unversioned', 'both')
        self._lock = threading.Lock()
        self._transport: oslo_messaging.Transport | None = None
        self._notifiers: dict[str, oslo_messaging.Notifier] = {}

    @property
    def enabled(self) -> bool:
        return self.versioned or self.legacy

    def _base(self, kind: str) -> oslo_messaging.Notifier:
        with self._lock:
            if self._transport is None:
                self._transport = oslo_messaging.get_notification_transport(
                    self._conf,
                    allowed_remote_exmods=exception.ALLOWED_REMOTE_EXMODS)
            notifier = self._notifiers.get(kind)
            if notifier is None:
                # Versioned ones go to their own topics; the legacy ones
                # to oslo.messaging's ([oslo_messaging_notifications]).
                topics = (self._conf.notifications
                          .versioned_notifications_topics
                          if kind == 'versioned' else None)
                notifier = oslo_messaging.Notifier(
                    self._transport, serializer=get_serializer(),
                    topics=topics)
                self._notifiers[kind] = notifier
            return notifier

    def versioned_notifier(self, publisher_id: str) -> Any:
        """The versioned notifier of ``publisher_id`` (None when off)."""
        if not self.versioned:
            return None
        return self._base('versioned').prepare(publisher_id=publisher_id)

    def legacy_notifier(self, publisher_id: str) -> Any:
        """The legacy notifier of ``publisher_id`` (None when off)."""
        if not self.legacy:
            return None
        return self._base('legacy').prepare(publisher_id=publisher_id)

    def cleanup(self) -> None:
        with self._lock:
            transport, self._transport = self._transport, None
            self._notifiers.clear()
        if transport is not None:
            transport.cleanup()


def get_notification_listener(conf: cfg.ConfigOpts, topics: list[str],
                               endpoints: list[Any],
                               pool: str | None = None
                               ) -> oslo_messaging.MessageHandlingServer:
    """A threaded listener of the notifications on ``topics`` of the
    broker ``conf`` names (a consumer's side: tools and tests).  Its
    transport is ``listener.transport``; clean it up after ``wait()``."""
    transport = oslo_messaging.get_notification_transport(
        conf, allowed_remote_exmods=exception.ALLOWED_REMOTE_EXMODS)
    return oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=t) for t in topics],
        endpoints, executor='threading', pool=pool)


class TransportCache:
    """One transport per URL, built on first use and kept open."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._conf = conf
        self._lock = threading.Lock()
        self._transports: dict[str, oslo_messaging.Transport] = {}

    def get(self, url: str) -> oslo_messaging.Transport:
        with self._lock:
            transport = self._transports.get(url)
            if transport is None:
                transport = get_transport(self._conf, url)
                self._transports[url] = transport
            return transport

    def forget(self, url: str) -> None:
        """Close the transport of a neighbour that went away."""
        with self._lock:
            transport = self._transports.pop(url, None)
        if transport is not None:
            transport.cleanup()

    def cleanup(self) -> None:
        with self._lock:
            transports = list(self._transports.values())
            self._transports.clear()
        for transport in transports:
            transport.cleanup()
