"""A service: one manager behind an RPC server, plus its periodic tasks.

Each daemon (``nova-compute``, ``nova-cells``, ...) builds one
:class:`Service` around its manager.  Everything the service needs (its
configuration, database and transport) is passed in, so several services
of several cells can run in one process (``nova-all``).
"""

from __future__ import annotations

from collections.abc import Callable
import threading
from typing import Any

import futurist
from futurist import periodics
from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging

from nova import context as nova_context
from nova import rpc
from nova.db.api import Database

LOG = logging.getLogger(__name__)

PeriodicTask = tuple[Callable[[], Any], float]


class Manager:
    """Base class of service managers (the RPC endpoints)."""

    target = oslo_messaging.Target(version='1.0')

    def __init__(self, conf: cfg.ConfigOpts, host: str) -> None:
        self.conf = conf
        self.host = host

    def rpc_endpoints(self) -> list[object]:
        """The objects whose methods the service's RPC server serves."""
        return [self]

    def init_host(self) -> None:
        """Called once before the service starts consuming messages."""

    def cleanup_host(self) -> None:
        """Called once after the service stopped consuming messages."""

    def periodic_tasks(self) -> list[PeriodicTask]:
        """Callables to run periodically, with their spacing in seconds."""
        return []


class Service:
    """Runs a manager: RPC server on ``topic``, heartbeat, periodic tasks."""

    def __init__(self, conf: cfg.ConfigOpts, host: str, binary: str,
                 topic: str, manager: Manager,
                 transport: oslo_messaging.Transport,
                 db: Database | None = None,
                 exchange: str | None = None) -> None:
        self.conf = conf
        self.host = host
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.transport = transport
        self.db = db
        self._exchange = exchange
        self._rpc_servers: list[oslo_messaging.MessageHandlingServer] = []
        self._worker: periodics.PeriodicWorker | None = None
        self._worker_thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return '<Service %s on %s>' % (self.binary, self.host)

    def _rpc_targets(self) -> list[oslo_messaging.Target]:
        return [oslo_messaging.Target(topic=self.topic, server=self.host,
                                      exchange=self._exchange)]

    def start(self) -> None:
        LOG.info('Starting %s on %s', self.binary, self.host)
        if self.db is not None:
            self.db.wait_until_reachable(self.conf.database.max_retries,
                                         self.conf.database.retry_interval)
            self._report_state()
        self.manager.init_host()
        endpoints = self.manager.rpc_endpoints()
        for target in self._rpc_targets():
            server = rpc.get_server(self.transport, target, endpoints)
            server.start()
            self._rpc_servers.append(server)
        self._start_periodic_tasks()

    def _start_periodic_tasks(self) -> None:
        tasks = list(self.manager.periodic_tasks())
        if self.db is not None:
            tasks.append((self._report_state, self.conf.report_interval))
        if not tasks:
            return
        callables: list[tuple[Callable[[], Any], tuple[()],
                              dict[str, Any]]] = []
        for func, spacing in tasks:
            callables.append((periodics.periodic(
                spacing, run_immediately=False)(_named(func)), (), {}))
        self._worker = periodics.PeriodicWorker(
            callables, executor_factory=lambda: futurist.ThreadPoolExecutor(
                max_workers=max(2, len(callables))))
        self._worker_thread = threading.Thread(
            target=self._worker.start, name='%s-periodic' % self.binary,
            daemon=True)
        self._worker_thread.start()

    def _report_state(self) -> None:
        assert self.db is not None      # started only with a database
        try:
            self.db.service_report(nova_context.get_admin_context(),
                                   self.host, self.binary, self.topic)
        except Exception:
            # The next heartbeat tries again; the service keeps running.
            LOG.warning('Heartbeat of %s on %s failed', self.binary,
                        self.host, exc_info=True)

    def stop(self) -> None:
        LOG.info('Stopping %s on %s', self.binary, self.host)
        if self._worker is not None:
            self._worker.stop()
        rpc.stop_servers(self._rpc_servers)
        self._rpc_servers = []
        if self._worker is not None:
            self._worker.wait()
            self._worker = None
        self.manager.cleanup_host()


def _named(func: Callable[[], Any]) -> Callable[[], Any]:
    """A plain function around ``func`` that futurist can decorate."""

    def run() -> Any:
        try:
            return func()
        except Exception:
            LOG.exception('Periodic task %s failed',
                          getattr(func, '__qualname__', func))

    run.__name__ = getattr(func, '__name__', 'periodic_task')
    return run
