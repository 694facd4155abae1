"""An in-process message broker for the embedded default (``inproc://``).

Registered as oslo.messaging's ``inproc`` driver.  It behaves like one
RabbitMQ server per *virtual host*: ``inproc://cell1`` and
``inproc://cell2`` share nothing, so several cells can live in one process
and still be isolated, as they are on RabbitMQ with one vhost per cell.
(oslo.messaging's ``fake://`` and ``kombu+memory://`` ignore the virtual
host, and ``fake://`` polls with 50 ms sleeps.)

Within a virtual host, queues follow AMQP semantics: a topic queue is
shared by its consumers (each message goes to one of them), a server queue
belongs to one server, and a fanout reaches every server of a topic.
Messages are copied through JSON on the way in, so no object is ever
shared between cells, and failures travel as serialized remote
exceptions, exactly as on a real broker.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from typing import Any

import oslo_messaging
from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as driver_common
from oslo_serialization import jsonutils

_Key = tuple[str | None, str, str | None]


class _VirtualHost:
    """The queues of one virtual host, guarded by one condition."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.queues: dict[_Key, collections.deque[Any]] = {}

    def declare(self, key: _Key) -> collections.deque[Any]:
        return self.queues.setdefault(key, collections.deque())

    def publish(self, exchange: str | None, topic: str, server: str | None,
                fanout: bool, item: Any) -> None:
        with self.cond:
            if fanout:
                targets = [q for (ex, tp, srv), q in self.queues.items()
                           if ex == exchange and tp == topic
                           and srv is not None]
            else:
                targets = [self.declare((exchange, topic, server))]
            for q in targets:
                q.append(item)
            self.cond.notify_all()


class _Broker:
    _lock = threading.Lock()
    _vhosts: dict[str, _VirtualHost] = {}

    @classmethod
    def vhost(cls, name: str) -> _VirtualHost:
        with cls._lock:
            return cls._vhosts.setdefault(name, _VirtualHost())


class _IncomingMessage(base.RpcIncomingMessage):
    def __init__(self, ctxt: Any, message: Any, reply_q: Any,
                 requeue: Any) -> None:
        super().__init__(ctxt, message)
        self._reply_q = reply_q
        self._requeue = requeue

    def acknowledge(self) -> None:
        pass

    def requeue(self) -> None:
        self._requeue()

    def heartbeat(self) -> None:
        pass

    def reply(self, reply: Any = None, failure: Any = None) -> None:
        if self._reply_q is None:
            return
        if failure is not None:
            self._reply_q.put(
                (None, driver_common.serialize_remote_exception(failure)))
        else:
            self._reply_q.put((_copy(reply), None))


class _Listener(base.PollStyleListener):
    def __init__(self, vhost: _VirtualHost, keys: list[_Key]) -> None:
        super().__init__()
        self._vhost = vhost
        self._keys = keys
        self._stopped = False
        with vhost.cond:
            self._queues = [vhost.declare(k) for k in keys]

    @base.batch_poll_helper
    def poll(self, timeout: float | None = None) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._vhost.cond:
            while not self._stopped:
                for q in self._queues:
                    if q:
                        return _IncomingMessage(*q.popleft())
                wait = (None if deadline is None
                        else deadline - time.monotonic())
                if wait is not None and wait <= 0:
                    return None
                self._vhost.cond.wait(wait)
        return None

    def stop(self) -> None:
        with self._vhost.cond:
            self._stopped = True
            self._vhost.cond.notify_all()

    def cleanup(self) -> None:
        pass


def _copy(value: Any) -> Any:
    return jsonutils.loads(jsonutils.dumps(value))


class InProcDriver(base.BaseDriver):
    """oslo.messaging driver for ``inproc://NAME`` transport URLs."""

    def __init__(self, conf: Any, url: Any, default_exchange: Any = None,
                 allowed_remote_exmods: Any = None) -> None:
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        name = url.virtual_host or (url.hosts[0].hostname if url.hosts
                                    else None) or '/'
        self._vhost = _Broker.vhost(name)

    def require_features(self, requeue: bool = False) -> None:
        pass

    def _exchange(self, target: Any) -> str | None:
        return target.exchange or self._default_exchange

    def send(self, target: Any, ctxt: Any, message: Any,
             wait_for_reply: bool | None = None,
             timeout: float | None = None,
             call_monitor_timeout: float | None = None,
             retry: Any = None, transport_options: Any = None) -> Any:
        reply_q: queue.Queue[Any] | None = (
            queue.Queue() if wait_for_reply else None)
        exchange = self._exchange(target)
        ctxt, message = _copy(ctxt), _copy(message)

        def requeue() -> None:
            self._vhost.publish(exchange, target.topic, target.server,
                                target.fanout, item)

        item = (ctxt, message, reply_q, requeue)
        self._vhost.publish(exchange, target.topic, target.server,
                            target.fanout, item)
        if reply_q is None:
            return None
        try:
            reply, failure = reply_q.get(timeout=timeout)
        except queue.Empty:
            raise oslo_messaging.MessagingTimeout(
                'No reply on topic %s' % target.topic) from None
        if failure is not None:
            raise driver_common.deserialize_remote_exception(
                failure, self._allowed_remote_exmods)
        return reply

    def send_notification(self, target: Any, ctxt: Any, message: Any,
                          version: Any, retry: Any = None) -> None:
        self.send(target, ctxt, message)

    def listen(self, target: Any, batch_size: int,
               batch_timeout: float | None) -> Any:
        exchange = self._exchange(target)
        keys: list[_Key] = [(exchange, target.topic, None)]
        if target.server:
            keys.insert(0, (exchange, target.topic, target.server))
        return base.PollStyleListenerAdapter(
            _Listener(self._vhost, keys), batch_size, batch_timeout)

    def listen_for_notifications(self, targets_and_priorities: Any,
                                 pool: Any, batch_size: int,
                                 batch_timeout: float | None) -> Any:
        keys: list[_Key] = [
            (self._exchange(t), '%s.%s' % (t.topic, prio), None)
            for t, prio in targets_and_priorities]
        return base.PollStyleListenerAdapter(
            _Listener(self._vhost, keys), batch_size, batch_timeout)

    def cleanup(self) -> None:
        pass


__all__ = ['InProcDriver']
