"""Serve one WSGI application on a threaded standard-library server.

Run by the launcher with a neighbour's own interpreter (keystone's or
Glance's virtualenv), so it imports nothing but the standard library and
the application named on its command line::

    python -P wsgi_runner.py keystone.wsgi.api:application 127.0.0.1 5000

Each request gets a thread; SIGTERM stops the server.  Neither uwsgi
nor a compiler is needed.  A chunked request body (tempest uploads
images so) is read whole first: wsgiref hands the raw stream over.
"""

import importlib
import io
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


MAX_CHUNKED_BODY = 1 << 30


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    """The body of a chunked request, its framing removed."""
    body = bytearray()
    while True:
        size = int(stream.readline().split(b';')[0].strip() or b'0', 16)
        if size == 0:
            while stream.readline().strip():   # trailers
                pass
            return bytes(body)
        body += stream.read(size)
        stream.readline()   # the CRLF after each chunk
        if len(body) > MAX_CHUNKED_BODY:
            raise ValueError('chunked body too large')


def dechunked(application):  # type: ignore[no-untyped-def]
    """``application`` seeing every body with a Content-Length."""
    def wrapper(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
            body = _read_chunked(environ['wsgi.input'])
            environ['wsgi.input'] = io.BytesIO(body)
            environ['CONTENT_LENGTH'] = str(len(body))
            del environ['HTTP_TRANSFER_ENCODING']
        return application(environ, start_response)
    return wrapper


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
    server = simple_server.make_server(host, int(port),
                                       dechunked(application),
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
