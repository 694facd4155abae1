"""A threaded HTTP server for the API app, on waitress.

Example::

    server = WSGIServer(load_app(conf, compute_api), '127.0.0.1', 0, 8)
    server.start()              # returns at once; serves in a thread
    print(server.port)          # the port actually bound
    ...
    server.stop()
    server.wait()

The socket is bound in the constructor, so ``port`` is known (and a port
conflict raises) before ``start``. waitress runs its own event loop; this
class drives that loop one poll at a time so that ``stop`` can end it from
any thread without waiting for open connections to go idle.
"""

from __future__ import annotations

import threading
from typing import Any

from oslo_log import log as logging
import waitress
from waitress import trigger as waitress_trigger
from waitress import wasyncore

from nova.api import wsgi

LOG = logging.getLogger(__name__)

# Seconds one poll of the event loop may block; bounds how long stop()
# takes when the wake-up trigger cannot be pulled.
_POLL_TIMEOUT = 0.5
# Bytes of a response waitress holds in memory before it spills the rest
# to a temporary file (its default: 1 MiB).  A page of 1,000 detailed
# servers is about 1.5 MiB: written to a file and read back, it spent a
# quarter of the listing's time there.
_OUTBUF_IN_MEMORY = 8 * 1024 * 1024


class WSGIServer:
    """Serves a WSGI app with a pool of ``threads`` worker threads."""

    def __init__(self, app: wsgi.WSGIApp, host: str, port: int,
                 threads: int = 8, name: str = 'nova-api') -> None:
        self.name = name
        self._map: dict[int, Any] = {}
        self._server = waitress.create_server(
            app, map=self._map, host=host, port=port, threads=threads,
            ident=name, clear_untrusted_proxy_headers=False,
            outbuf_overflow=_OUTBUF_IN_MEMORY)
        if hasattr(self._server, 'effective_listen'):
            # The host resolved to several addresses: report the first.
            host, bound_port = self._server.effective_listen[0][:2]
        else:
            host = self._server.effective_host
            bound_port = self._server.effective_port
        self.host: str = host
        # waitress reports the port as a string.
        self.port: int = int(bound_port)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start serving in a background thread."""
        if self._thread is not None:
            raise RuntimeError(f'{self.name} already started')
        self._thread = threading.Thread(target=self._serve,
                                        name=f'{self.name}-{self.port}',
                                        daemon=True)
        self._thread.start()
        LOG.info('%s listening on %s:%s', self.name, self.host, self.port)

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set() and self._map:
                wasyncore.loop(timeout=_POLL_TIMEOUT, map=self._map,
                               count=1)
        except Exception:
            LOG.exception('%s event loop failed', self.name)
        finally:
            # Closing from the loop's own thread avoids racing it.
            wasyncore.close_all(self._map)
            self._server.task_dispatcher.shutdown()
            LOG.info('%s stopped', self.name)

    def stop(self) -> None:
        """Stop accepting and serving; returns without waiting."""
        self._stopping.set()
        for channel in list(self._map.values()):
            if isinstance(channel, waitress_trigger.trigger):
                # Wake the loop so it sees the flag now.  It may have
                # seen it already and closed the trigger: then it is
                # stopping anyway.
                try:
                    channel.pull_trigger()
                except OSError:
                    pass
                break
        if self._thread is None:
            # Never started: release the socket here.
            wasyncore.close_all(self._map)
            self._server.task_dispatcher.shutdown()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the serving thread has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
