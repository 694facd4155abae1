"""Carries inter-cell messages over oslo.messaging.

Each nova-cells service listens on its own cell's broker on three topics
(``cells.intercell.targeted|broadcast|response``); a neighbour reaches it
by sending to that broker.  Transports to neighbours are cached, one per
transport URL, and forgotten when the neighbour goes away.
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_log import log as logging
import oslo_messaging

from nova import rpc
from nova.context import RequestContext

LOG = logging.getLogger(__name__)

TOPIC_PREFIX = 'cells.intercell'


def topic_for(message_type: str) -> str:
    return '%s.%s' % (TOPIC_PREFIX, message_type)


class InterCellRPCEndpoint:
    """What a neighbour's nova-cells calls: hand the message to the
    runner."""

    target = oslo_messaging.Target(version='1.0')

    def __init__(self, runner: Any) -> None:
        self.runner = runner

    def process_message(self, ctxt: RequestContext, message: Any) -> None:
        # The request context travels inside the message.
        self.runner.process_incoming(message)


class CellsRPCDriver:
    """Sends messages to neighbours and serves the ones sent to us."""

    def __init__(self, conf: Any, transport: oslo_messaging.Transport,
                 transports: rpc.TransportCache, host: str) -> None:
        self.conf = conf
        self.transport = transport
        self.transports = transports
        self.host = host
        self._servers: list[oslo_messaging.MessageHandlingServer] = []
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self._lock = threading.Lock()

    def start_servers(self, runner: Any) -> None:
        endpoint = InterCellRPCEndpoint(runner)
        for message_type in ('targeted', 'broadcast', 'response'):
            target = oslo_messaging.Target(topic=topic_for(message_type),
                                           server=self.host)
            server = rpc.get_server(self.transport, target, [endpoint],
                                    serializer=rpc.EnvelopeSerializer())
            server.start()
            self._servers.append(server)

    def stop_servers(self) -> None:
        rpc.stop_servers(self._servers)
        self._servers = []

    def _client(self, url: str, message_type: str, fanout: bool) -> Any:
        key = (url, message_type, fanout)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                target = oslo_messaging.Target(
                    topic=topic_for(message_type), fanout=fanout,
                    version='1.0')
                client = rpc.get_client(
                    self.transports.get(url), target,
                    serializer=rpc.EnvelopeSerializer())
                self._clients[key] = client
            return client

    def forget(self, url: str) -> None:
        with self._lock:
            for key in [k for k in self._clients if k[0] == url]:
                del self._clients[key]
        self.transports.forget(url)

    def send_message_to_cell(self, cell: Any, message_type: str,
                             ctxt: RequestContext, message: dict[str, Any],
                             fanout: bool) -> None:
        if not cell.transport_url:
            raise ValueError('cell %s has no transport URL' % cell.name)
        self._client(cell.transport_url, message_type, fanout).cast(
            ctxt, 'process_message', message=message)
