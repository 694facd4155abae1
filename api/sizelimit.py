"""The ``sizelimit`` filter: no request body larger than Nova allows.

``[oslo_middleware] max_request_body_size`` (114688 bytes, as in Nova)
bounds every body before anything reads it: a larger declared
``Content-Length`` is refused at once, and a body of unknown length
(chunked) is refused as soon as more than that has been read.  Either
way the client gets 413 with Nova's ``overLimit`` body.
"""

from __future__ import annotations

from typing import Any

import webob
import webob.dec

from nova.api import errors
from nova.api import wsgi


class _LimitedReader:
    """A body stream that refuses to yield more than ``limit`` bytes.

    It raises a NovaException, not oslo.middleware's webob 413: webob's
    ``wsgify`` would turn that into a plain-text page before the
    ``faultwrap`` filter could give it Nova's body.
    """

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def _count(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise errors.RequestTooLarge(limit=self.limit)
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._count(self.stream.readline(size))

    def __iter__(self) -> Any:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class RequestBodySizeLimit(wsgi.Middleware):
    """Refuses bodies over ``[oslo_middleware] max_request_body_size``."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> webob.Response:
        limit = self.deps.conf.oslo_middleware.max_request_body_size
        length = req.content_length
        if length is not None and length > limit:
            raise errors.RequestTooLarge(limit=limit)
        if length is None and req.is_body_readable:
            req.body_file = _LimitedReader(req.body_file_raw, limit)
        return req.get_response(self.application)
