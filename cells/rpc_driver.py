"""Carries inter-cell messages over oslo.messaging.

Each nova-cells service listens on its own cell's broker on three topics
(``cells.intercell.targeted|broadcast|response``); a neighbour reaches it
by sending to that broker.  Transports to neighbours are cached, one per
transport URL, and forgotten when the neighbour goes away.

Messages to one neighbour that are routed while an earlier one is being
published leave together, in one broker message (``process_messages``,
version 1.1): see :class:`_Outbox`.  Publishing is most of what a hop
costs, so a burst crossing a cell costs a few publishes, not one per
message.
"""

from __future__ import annotations

import collections
from concurrent import futures
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

    # 1.0 - process_message
    # 1.1 - process_messages: several messages, processed in their order
    target = oslo_messaging.Target(version='1.1')

    def __init__(self, runner: Any,
                 pool: futures.Executor | None = None) -> None:
        self.runner = runner
        # Where a batch's messages that may take long here go (calls,
        # broadcasts, builds), so that one slow method (a call to a
        # compute host) holds up none of the messages after it, as when
        # each came alone.
        # The others run on the receiving thread: a handoff per message
        # cost a tenth of a hop's rate.
        self.pool = pool

    def process_message(self, ctxt: RequestContext, message: Any) -> None:
        # The request context travels inside the message.
        self.runner.process_incoming(message)

    def process_messages(self, ctxt: RequestContext, messages: Any) -> None:
        if not isinstance(messages, list):
            self.runner.rejected += 1
            LOG.error('Rejected inter-cell batch: a %s, not a list of '
                      'messages', type(messages).__name__)
            return
        for message in messages:
            # Handled here in their order: what passes through, responses
            # and targeted casts; the others are started in that order.
            if self.pool is not None and self.runner.may_take_long(message):
                self.pool.submit(self._process, message)
            else:
                self._process(message)

    def _process(self, message: Any) -> None:
        try:
            self.runner.process_incoming(message)
        except Exception:
            # One message's failure is its own: the ones after it in a
            # batch still run, as if each had come alone.
            LOG.exception('Error processing an inter-cell message')


class CellsRPCDriver:
    """Sends messages to neighbours and serves the ones sent to us."""

    def __init__(self, conf: Any, transport: oslo_messaging.Transport,
                 transports: rpc.TransportCache, host: str) -> None:
        self.conf = conf
        self.transport = transport
        self.transports = transports
        self.host = host
        self._servers: list[oslo_messaging.MessageHandlingServer] = []
        self._pool: futures.ThreadPoolExecutor | None = None
        self._outboxes: dict[tuple[str, str, bool], _Outbox] = {}
        self._lock = threading.Lock()
        self.max_per_publish = conf.cells.max_messages_per_publish

    def start_servers(self, runner: Any) -> None:
        self._pool = futures.ThreadPoolExecutor(
            self.conf.executor_thread_pool_size,
            thread_name_prefix='intercell-batch')
        endpoint = InterCellRPCEndpoint(runner, self._pool)
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
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _outbox(self, url: str, message_type: str, fanout: bool
                ) -> _Outbox:
        key = (url, message_type, fanout)
        with self._lock:
            outbox = self._outboxes.get(key)
            if outbox is None:
                target = oslo_messaging.Target(
                    topic=topic_for(message_type), fanout=fanout,
                    version='1.0')
                outbox = _Outbox(rpc.get_client(
                    self.transports.get(url), target,
                    serializer=rpc.EnvelopeSerializer()),
                    self.max_per_publish)
                self._outboxes[key] = outbox
            return outbox

    def forget(self, url: str) -> None:
        with self._lock:
            for key in [k for k in self._outboxes if k[0] == url]:
                del self._outboxes[key]
        self.transports.forget(url)

    def send_message_to_cell(self, cell: Any, message_type: str,
                             ctxt: RequestContext, message: dict[str, Any],
                             fanout: bool) -> None:
        if not cell.transport_url:
            raise ValueError('cell %s has no transport URL' % cell.name)
        self._outbox(cell.transport_url, message_type, fanout).send(
            ctxt, message)


class _Waiting:
    """A message waiting in an outbox, and what became of it."""

    __slots__ = ('message', 'done', 'lead', 'error')

    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message
        self.done = threading.Event()
        self.lead = False
        self.error: BaseException | None = None


class _Outbox:
    """Publishes the messages to one neighbour's topic, several at once
    when they come while a publish is under way (group commit).

    One sender at a time publishes.  A message that comes while it does
    waits in ``_waiting``; when the publish ends, the first waiting
    sender publishes every message waiting then (up to ``max_per_publish``,
    its own first) in one ``process_messages`` cast.  So messages leave in
    the order they came, each sender returns once its own message is
    published (or raises the publish's error), and no sender publishes
    more than the one batch that holds its message.
    """

    def __init__(self, client: Any, max_per_publish: int) -> None:
        self.client = client
        self.batch_client = client.prepare(version='1.1')
        self.max_per_publish = max_per_publish
        self._lock = threading.Lock()
        self._busy = False
        self._waiting: collections.deque[_Waiting] = collections.deque()
        # What the batching did so far: publishes, and messages in them.
        self.publishes = 0
        self.messages = 0

    def send(self, ctxt: RequestContext, message: dict[str, Any]) -> None:
        if self.max_per_publish == 1:
            self.client.cast(ctxt, 'process_message', message=message)
            return
        mine = None
        with self._lock:
            if self._busy:
                mine = _Waiting(message)
                self._waiting.append(mine)
            else:
                self._busy = True
        if mine is None:
            batch = None
        else:
            mine.done.wait()
            if not mine.lead:
                if mine.error is not None:
                    raise mine.error
                return
            with self._lock:
                # Ours is first: senders publish one at a time, in turn.
                batch = [self._waiting.popleft() for _ in range(
                    min(self.max_per_publish, len(self._waiting)))]
        try:
            if batch is None:
                self._publish(ctxt, [message])
            else:
                self._publish(ctxt, [w.message for w in batch])
        except BaseException as error:
            self._hand_on(batch, error)
            raise
        self._hand_on(batch, None)

    def _hand_on(self, batch: list[_Waiting] | None,
                 error: BaseException | None) -> None:
        """Wake the senders of ``batch`` with its outcome, and make the
        next waiting sender (if any) the publisher."""
        with self._lock:
            if self._waiting:
                following = self._waiting[0]
                following.lead = True
                following.done.set()
            else:
                self._busy = False
        for waiting in (batch or [])[1:]:
            waiting.error = error
            waiting.done.set()

    def _publish(self, ctxt: RequestContext,
                 messages: list[dict[str, Any]]) -> None:
        """Called by one sender at a time."""
        if len(messages) == 1:
            self.client.cast(ctxt, 'process_message', message=messages[0])
        else:
            self.batch_client.cast(ctxt, 'process_messages',
                                   messages=messages)
        self.publishes += 1
        self.messages += len(messages)
