"""Serve one WSGI application on a threaded standard-library server.

Run by the launcher with a neighbour's own interpreter (keystone's or
Glance's virtualenv), so it imports nothing but the standard library and
the application named on its command line::

    python -P wsgi_runner.py keystone.wsgi.api:application 127.0.0.1 5000

Each request gets a thread; SIGTERM stops the server.  Neither uwsgi
nor a compiler is needed.
"""

import importlib
import signal
import socketserver
import sys
import threading
from wsgiref import simple_server


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class _Handler(simple_server.WSGIRequestHandler):
    def address_string(self) -> str:   # no reverse DNS per request
        return str(self.client_address[0])


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print('usage: wsgi_runner.py MODULE:ATTRIBUTE HOST PORT',
              file=sys.stderr)
        return 2
    target, host, port = argv
    # The applications parse the command line for their options.
    del sys.argv[1:]
    module_name, _, attribute = target.partition(':')
    application = getattr(importlib.import_module(module_name), attribute)
    server = simple_server.make_server(host, int(port), application,
                                       server_class=_Server,
                                       handler_class=_Handler)

    def stop(signum: int, frame: object) -> None:
        # shutdown() waits for serve_forever: not from its own thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f'serving {target} on http://{host}:{port}', flush=True)
    server.serve_forever(poll_interval=0.5)
    server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
